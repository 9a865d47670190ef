"""Chart builders over follow-up time: mean trajectories, data completeness, one patient's course."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

import altair as alt
import pandas as pd

from thaldash.charts.base import (
    HEIGHT, PANEL_WIDTH, SHORT_FROM, colour, count_marks, finish, n_foot, group_domain, grouping_title, guard,
    labelled, measure_title, month_x, require, title,
)
from thaldash.charts.palette import INDIVIDUAL_LINE, SINGLE_SERIES, scale_for, value_label
from thaldash.data.schema import MEASURE_LABELS, STUDY_MONTHS
from thaldash.analyses.trajectories import GEOMETRIC_MEAN, STATUSES, PatientRows


def trajectory_chart(means: pd.DataFrame, *, measure: str, grouping: str | None = None, log_scale: bool = False,
                     individual: pd.DataFrame | PatientRows | None = None, individual_colour: Literal["grey", "group"] = "grey",
                     domain: Sequence[Hashable] | None = None, show_n: bool = True, months: int = 24,
                     presentation: bool = False) -> alt.LayerChart:
    """Mean line with a 95% CI band per group over months 0–``months`` (24), optionally over patient lines.

    Parameters
    ----------
    means
        ``trajectories.trajectory_means`` output: ``month``, ``n``, ``mean``, ``ci_low``,
        ``ci_high``, ``estimate`` and the ``grouping`` column when given.
    measure
        The measure summarised (axis title and unit from ``schema.MEASURE_LABELS``).
    log_scale
        Logarithmic y axis (for ferritin; pair it with ``trajectory_means(..., log=True)``).
    individual
        Per-patient rows (``trajectories.individual_lines``: ``patient_id``, ``month``,
        ``measure``, grouping) drawn as thin lines behind the means; only when requested.
    individual_colour
        "grey" or "group" (thin lines in the group's colour).
    domain
        Legend order for a grouping without fixed colours (pass the full list, see
        ``palette.scale_for``).
    show_n
        Print each point's n along the foot of the plot (one row per group, in its colour).
    months
        The last month shown (e.g. 6 for the paper's Fig. 2); the axis and the title end there and
        later rows are not drawn.
    """
    cols = ["month", "n", "mean", "ci_low", "ci_high", *([grouping] if grouping else [])]
    require(means, cols, chart="trajectory_chart")
    guard(means, chart="trajectory_chart")
    if not 1 <= months <= 24:
        raise ValueError(f"trajectory_chart: months must be 1 to 24; got {months}.")
    data = labelled(means[means["month"] <= months], grouping)
    if log_scale:  # a log axis cannot show an arithmetic interval that reaches 0 or below
        data = data.assign(ci_low=data["ci_low"].where(data["ci_low"] > 0),
                           mean=data["mean"].where(data["mean"] > 0))
    estimate = str(data["estimate"].iloc[0]) if "estimate" in data and len(data) else "mean"
    dom = group_domain(data[grouping], grouping, domain) if grouping else []
    ytitle = f"{measure_title(measure)}, {estimate}"
    y_scale = alt.Scale(type="log", nice=False) if log_scale else alt.Scale(zero=False)
    colour_enc = colour(grouping, dom) if grouping else alt.value(SINGLE_SERIES)
    tooltip = [*([alt.Tooltip(f"{grouping}:N", title=grouping_title(grouping))] if grouping else []),
               alt.Tooltip("month:Q", title="Month"), alt.Tooltip("n:Q", title="n"),
               alt.Tooltip("mean:Q", format=".1f", title=estimate.capitalize()),
               alt.Tooltip("ci_low:Q", format=".1f", title="95% CI low"),
               alt.Tooltip("ci_high:Q", format=".1f", title="95% CI high"),
               *([alt.Tooltip("reason:N", title="Note")] if "reason" in data else [])]
    layers = []
    note = ""
    if individual is not None:
        rows = individual.rows if isinstance(individual, PatientRows) else individual
        require(rows, ["patient_id", "month", measure], chart="trajectory_chart")
        guard(rows, chart="trajectory_chart (individual lines)")
        rows = labelled(rows[rows["month"] <= months], grouping)
        if log_scale:
            rows = rows[rows[measure] > 0]
        by_group = individual_colour == "group" and grouping and grouping in rows
        layers.append(alt.Chart(rows).mark_line(strokeWidth=0.8, strokeOpacity=0.45 if by_group else 0.7).encode(
            x=month_x(last=months), y=alt.Y(f"{measure}:Q", scale=y_scale, title=ytitle), detail="patient_id:N",
            color=colour_enc if by_group else alt.value(INDIVIDUAL_LINE),
            tooltip=[alt.Tooltip("patient_id:N", title="Patient"), alt.Tooltip("month:Q", title="Month"),
                     alt.Tooltip(f"{measure}:Q", format=".1f", title=measure_title(measure))]))
        note = (f"; thin lines: {individual.note}" if isinstance(individual, PatientRows)
                else "; thin lines: individual patients")
        if not by_group:
            note = note.replace("thin lines", "thin grey lines")
    base = alt.Chart(data).encode(x=month_x(last=months), tooltip=tooltip)
    layers.append(base.mark_area(fillOpacity=0.18).encode(
        y=alt.Y("ci_low:Q", scale=y_scale, title=ytitle), y2="ci_high:Q",
        color=colour_enc))
    layers.append(base.mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(filled=True, size=50)).encode(
        y=alt.Y("mean:Q", scale=y_scale, title=ytitle), color=colour_enc))
    if show_n:  # an exported PNG has no tooltips, so the n of every point is printed at the foot
        layers += n_foot(data, grouping=grouping, domain=dom, colour_enc=colour_enc, presentation=presentation,
                         last=months)
    how = ("geometric mean; band: its 95% CI (t on log values, back-transformed)" if estimate == GEOMETRIC_MEAN
           else "mean; band: 95% CI (t distribution)")
    label = MEASURE_LABELS.get(measure, measure).split(" (")[0]
    span = "over 24 months" if months == 24 else f"over months 0–{months}"
    head = f"{label} {span}" + (f" by {grouping_title(grouping).lower()}" if grouping else "")
    chart = alt.layer(*layers).properties(
        width="container", height=HEIGHT, usermeta=count_marks(labels=["n_text"]),
        title=title(head, f"Line: {how}; {'numbers along the foot' if show_n else 'tooltip'}: n per point"
                    + (" (k thousands, M millions)" if show_n and (data["n"] >= SHORT_FROM).any() else "") + note))
    return finish(chart, presentation=presentation)


def completeness_map(frame: pd.DataFrame, *, status: str = "status", measure: str | None = None,
                     group: str | None = None, presentation: bool = False) -> alt.Chart | alt.FacetChart:
    """Patients × visits grid: value present, value missing, or no visit.

    Parameters
    ----------
    frame
        ``patient_id``, ``month``, the ``status`` column ("value", "missing value", "no visit")
        and optionally ``group``: e.g. ``trajectories.completeness(...).detail`` with
        ``status="sf_ng_ml"`` (sample large cohorts with ``trajectories.cap_patients`` first).
    measure
        Named in the title (defaults to ``status`` when that is a measure column).
    group
        Column to sort and split patients by (one panel per group).
    """
    require(frame, ["patient_id", "month", status, *([group] if group else [])], chart="completeness_map")
    guard(frame, chart="completeness_map")
    data = labelled(frame, group).assign(status=frame[status].astype("str"))
    measure = measure or (status if status in MEASURE_LABELS else None)
    counts = data["status"].value_counts()
    subtitle = " · ".join(f"{s}: {int(counts.get(s, 0))}" for s in STATUSES) + f" (of {len(data)} expected)"
    enc = dict(
        x=alt.X("month:O", sort=sorted(data["month"].unique()), title="Month of treatment",
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("patient_id:N", sort="ascending", title=None,
                axis=alt.Axis(labelFontSize=9 if not presentation else 13)),
        color=alt.Color("status:N", title="Status", sort=list(STATUSES),
                        scale=scale_for("status", list(STATUSES))),
        tooltip=[alt.Tooltip("patient_id:N", title="Patient"), alt.Tooltip("month:O", title="Month"),
                 alt.Tooltip("status:N", title="Status"),
                 *([alt.Tooltip(f"{group}:N", title=grouping_title(group))] if group else [])])
    head = f"Data completeness: {MEASURE_LABELS.get(measure, measure)}" if measure else "Data completeness"
    step = 11 if not presentation else 16
    cell = alt.Chart(data).mark_rect(stroke="white", strokeWidth=0.5).encode(**enc)
    if group:
        dom = group_domain(data[group], group)
        chart = cell.properties(width=PANEL_WIDTH, height=alt.Step(step)).facet(
            row=alt.Row(f"{group}:N", sort=dom, title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        ).resolve_scale(y="independent").properties(title=title(head, subtitle))
    else:
        chart = cell.properties(width="container", height=alt.Step(step), title=title(head, subtitle))
    return finish(chart, presentation=presentation)


_PANELS = (("hb_g_l", "line", "Hb (g/L)"), ("hbf_pct", "line", "HbF (%)"), ("sf_ng_ml", "line", "SF (ng/mL)"),
           ("rbc_units", "bar", "RBC units"))


def patient_timeline(visits: pd.DataFrame, *, presentation: bool = False) -> alt.VConcatChart:
    """One patient's Hb, HbF, ferritin and transfusions as panels sharing the month axis.

    ``visits`` are the visit rows of one patient (``patient_id``, ``month`` and the measures;
    ``genotype``, ``thal_type``, ``chelation_stop_month`` are used when present). Months with a
    visit but no value show a grey cross at the panel's foot.
    """
    require(visits, ["patient_id", "month"], chart="patient_timeline")
    ids = visits["patient_id"].unique()
    if len(ids) != 1:
        raise ValueError(f"patient_timeline: expected the visits of one patient, got {len(ids)} patients.")
    guard(visits, chart="patient_timeline", limit=500)
    first = visits.iloc[0]
    facts = [str(first[c]) for c in ("genotype", "thal_type") if c in visits and pd.notna(first[c])]
    if "splenectomy" in visits and pd.notna(first["splenectomy"]):
        facts.append(value_label("splenectomy", bool(first["splenectomy"])))
    for column, name in (("tier", "tier"), ("published_tier", "published tier")):
        if column in visits and pd.notna(first[column]):
            facts.append(f"{name} {first[column]}")
    stop = first.get("chelation_stop_month") if "chelation_stop_month" in visits else None
    panels = []
    panel_height = 95 if not presentation else 130
    present = [p for p in _PANELS if p[0] in visits]
    for k, (measure, kind, short) in enumerate(present):
        last = k == len(present) - 1
        rows = visits[["patient_id", "month", measure]]
        x = alt.X("month:Q", scale=alt.Scale(domain=[0, 24], nice=False, padding=10),
                  axis=alt.Axis(values=list(STUDY_MONTHS), tickCount=len(STUDY_MONTHS), grid=False, labelOverlap=False,
                                title="Month of treatment" if last else None))
        tip = [alt.Tooltip("month:Q", title="Month"),
               alt.Tooltip(f"{measure}:Q", format=".1f", title=measure_title(measure))]
        if kind == "bar":  # units from 0; an untransfused patient still gets a readable 0–2 axis
            top = max(float(pd.to_numeric(rows[measure]).max(skipna=True) or 0.0), 2.0)
            scale = alt.Scale(domain=[0, top], nice=True)
        else:
            scale = alt.Scale(zero=False)
        y = alt.Y(f"{measure}:Q", title=short, scale=scale, axis=alt.Axis(tickCount=4, format=",~r"))
        base = alt.Chart(rows).encode(x=x, tooltip=tip)
        values = base.transform_filter(f"isValid(datum['{measure}'])")
        if kind == "bar":
            layer = [values.mark_bar(size=8, color=SINGLE_SERIES).encode(y=y)]
        else:
            dots = alt.OverlayMarkDef(filled=True, size=40, color=SINGLE_SERIES)
            layer = [values.mark_line(color=SINGLE_SERIES, point=dots).encode(y=y)]
        layer.append(base.transform_filter(f"!isValid(datum['{measure}'])").mark_point(
            shape="cross", color="#999999", size=60, filled=True).encode(
            y=alt.value(panel_height - 7), tooltip=[alt.Tooltip("month:Q", title="No value recorded at month")]))
        if measure == "sf_ng_ml" and stop is not None and pd.notna(stop):
            layer.append(alt.Chart(pd.DataFrame({"month": [float(stop)], "text": ["chelation stopped"]}))
                         .mark_rule(strokeDash=[4, 3], color="#000000").encode(x="month:Q"))
            layer.append(alt.Chart(pd.DataFrame({"month": [float(stop)], "text": ["chelation stopped"]}))
                         .mark_text(align="left", dx=4, baseline="top", color="#000000").encode(
                x="month:Q", y=alt.value(2), text="text:N"))
        panels.append(alt.layer(*layer).properties(width=PANEL_WIDTH, height=panel_height))
    absent = [m for m in STUDY_MONTHS if m not in set(visits["month"])]
    if absent:
        facts.append("no visit at month" + ("s " if len(absent) > 1 else " ") + ", ".join(map(str, absent)))
    measures = [p[0] for p in present]
    if len(measures) and visits[measures].isna().to_numpy().any():
        facts.append("grey cross: visit without that value")
    subtitle = " · ".join(facts) if facts else None
    chart = alt.vconcat(*panels, spacing=8).resolve_scale(x="shared").properties(
        title=title(f"Patient {ids[0]}", subtitle))
    return finish(chart, presentation=presentation)
