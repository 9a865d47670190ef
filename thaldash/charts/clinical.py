"""Chart builders for the clinical question: estimates with intervals, the ROC curve, time to independence.

- ``forest_plot``: odds ratios of ``analyses.independence.ti_model`` on a log axis, 1 marked;
- ``proportion_forest``: percentages with their intervals (safety, endpoints), one row each;
- ``roc_chart``: ``analyses.independence.ti_roc``'s curves with the AUC and its DeLong interval;
- ``incidence_chart``: ``analyses.independence.ti_incidence`` as a step curve with its band.

Nothing is computed here: every number drawn or printed comes from the frame given.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import altair as alt
import numpy as np
import pandas as pd

from thaldash.charts.base import (HEIGHT, SHORT_FROM, colour, count_marks, finish, fmt_num, fmt_p, group_domain,
                                  grouping_title, guard, month_x, require, short_count, title)
from thaldash.charts.palette import NEUTRAL

_ROW = 34  # px per row of a forest


def _interval_text(estimate: float, low: float, high: float, digits: int = 2) -> str:
    def show(v: float) -> str:
        return "∞" if math.isinf(v) and v > 0 else ("0" if math.isinf(v) else fmt_num(v, digits))
    return f"{fmt_num(estimate, digits)} ({show(low)}–{show(high)})"


def forest_plot(model: pd.DataFrame, *, presentation: bool = False) -> alt.LayerChart:
    """Odds ratios with profile-likelihood intervals, one row per term of each model (intercepts left out).

    ``model`` is ``ti_model`` output (``model``, ``label``, ``odds_ratio``, ``ci_low``, ``ci_high``,
    ``p``, ``n``, ``events``, ``events_per_parameter``, ``reason``). Infinite bounds are drawn to the
    axis' edge and printed as ∞; terms not computed print their reason.
    """
    require(model, ["model", "term", "label", "odds_ratio", "ci_low", "ci_high", "p", "n", "events",
                    "events_per_parameter", "reason"], chart="forest_plot")
    rows = model[model["term"] != "intercept"]
    guard(rows, chart="forest_plot")
    finite = pd.concat([rows["odds_ratio"], rows["ci_low"], rows["ci_high"]]).replace([np.inf, -np.inf], np.nan)
    finite = finite[finite > 0].dropna()
    low, high = (min(finite.min(), 0.5) / 1.5, max(finite.max(), 2.0) * 1.5) if len(finite) else (0.1, 10.0)
    data = rows.assign(
        row=[f"{m} · {lab}" for m, lab in zip(rows["model"], rows["label"])],
        lo=rows["ci_low"].clip(lower=low, upper=high), hi=rows["ci_high"].clip(lower=low, upper=high),
        text=[(f"OR {_interval_text(o, a, b)}, {fmt_p(p)}" if not r else str(r).removeprefix("not computed: "))
              for o, a, b, p, r in zip(rows["odds_ratio"], rows["ci_low"], rows["ci_high"], rows["p"], rows["reason"])],
        anchor=high)
    order = list(dict.fromkeys(data["row"]))
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=380))
    x_scale = alt.Scale(type="log", domain=[low, high], nice=False)
    tooltip = [alt.Tooltip("model:N", title="Model"), alt.Tooltip("label:N", title="Term"),
               alt.Tooltip("odds_ratio:Q", format=".3f", title="Odds ratio"),
               alt.Tooltip("ci_low:Q", format=".3f", title="95% CI low"),
               alt.Tooltip("ci_high:Q", format=".3f", title="95% CI high"),
               alt.Tooltip("p:Q", format=".4f", title="p"), alt.Tooltip("n:Q", title="Patients"),
               alt.Tooltip("events:Q", title="Independent"),
               alt.Tooltip("events_per_parameter:Q", format=".1f", title="Events per parameter")]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    xt = "Odds ratio of transfusion independence (log scale)"
    layers = [
        alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(color="#888888", strokeDash=[4, 3]).encode(
            x=alt.X("one:Q", scale=x_scale, title=xt)),
        base.mark_rule(strokeWidth=2, color=NEUTRAL).encode(x=alt.X("lo:Q", scale=x_scale, title=xt), x2="hi:Q"),
        base.mark_point(filled=True, size=80, shape="square", color=NEUTRAL, opacity=1).encode(
            x=alt.X("odds_ratio:Q", scale=x_scale, title=xt)),
        base.mark_text(align="left", dx=10, fontSize=11 if not presentation else 15).encode(
            x=alt.X("anchor:Q", scale=x_scale), text="text:N"),
    ]
    first = rows.iloc[0] if len(rows) else None
    subtitle = ["Squares: Firth-penalized odds ratios; lines: 95% profile-likelihood intervals; dashed: no effect (1)"]
    if first is not None:
        subtitle.append(f"{int(first['n']):,} TDT patients, {int(first['events']):,} independent; events per parameter: "
                        + ", ".join(f"{m} {e:,.1f}" for m, e in rows.groupby("model", sort=False)[
                            "events_per_parameter"].first().items()))
    chart = alt.layer(*layers).properties(
        width="container", height=max(_ROW * len(order), 120),
        title=title("Who becomes transfusion independent: odds ratios", subtitle))
    return finish(chart, presentation=presentation)


def proportion_forest(table: pd.DataFrame, *, label: str, heading: str, note: str = "",
                      presentation: bool = False) -> alt.LayerChart:
    """Percentages with their intervals, one row per ``label`` value; rows without a number say why.

    ``table`` has ``label``, ``n``, ``total``, ``pct``, ``ci_low``, ``ci_high``, ``ci_method`` and
    ``reason`` (e.g. ``analyses.safety.paper_safety`` or ``endpoints.endpoint_proportions`` with a
    label column).
    """
    require(table, [label, "n", "total", "pct", "ci_low", "ci_high", "ci_method", "reason"], chart="proportion_forest")
    guard(table, chart="proportion_forest")
    data = table.assign(
        text=[(f"{int(n)}/{int(t)} = {fmt_num(p)} % ({fmt_num(a)}–{fmt_num(b)})" if np.isfinite(p) and np.isfinite(a)
               else f"{int(n)}/{int(t)} = {fmt_num(p)} %" if np.isfinite(p)
               else str(r).removeprefix("not computed: "))
              for n, t, p, a, b, r in zip(table["n"].fillna(0), table["total"].fillna(0), table["pct"],
                                          table["ci_low"], table["ci_high"], table["reason"])],
        where=table["pct"].fillna(0.0))
    top = pd.concat([table["pct"], table["ci_high"]]).max()
    top = 100.0 if not np.isfinite(top) else min(100.0, 10.0 * math.ceil(max(top, 10.0) / 10.0))
    data = data.assign(anchor=top * 1.03)
    order = list(dict.fromkeys(data[label].astype(str)))
    data = data.assign(**{label: data[label].astype(str)})
    y = alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    x_scale, x_title = alt.Scale(domain=[0, top * 1.9], nice=False), "Patients (%)"
    step = 10 if top <= 50 else 20
    x = alt.X("pct:Q", title=x_title, scale=x_scale, axis=alt.Axis(values=list(range(0, int(top) + 1, step))))
    tooltip = [alt.Tooltip(f"{label}:N", title=grouping_title(label)), alt.Tooltip("n:Q", title="Patients"),
               alt.Tooltip("total:Q", title="Of"), alt.Tooltip("pct:Q", format=".1f", title="%"),
               alt.Tooltip("ci_low:Q", format=".1f", title="95% CI low (%)"),
               alt.Tooltip("ci_high:Q", format=".1f", title="95% CI high (%)"),
               alt.Tooltip("reason:N", title="Note")]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    method = next((m for m in table["ci_method"] if isinstance(m, str) and m), "exact 95%")
    chart = alt.layer(
        base.mark_rule(strokeWidth=2, color=NEUTRAL).encode(x=alt.X("ci_low:Q", scale=x_scale, title=x_title),
                                                            x2="ci_high:Q"),
        base.mark_point(filled=True, size=80, color=NEUTRAL, opacity=1).encode(x=x),
        base.mark_text(align="left", dx=8, fontSize=11 if not presentation else 15).encode(
            x=alt.X("anchor:Q", scale=x_scale), text="text:N"),
    ).properties(width="container", height=max(_ROW * len(order), 120), usermeta=count_marks(labels=["text"]),
                 title=title(heading, [f"Points: % of patients; lines: {method} CI" + (f"; {note}" if note else "")]))
    return finish(chart, presentation=presentation)


def roc_chart(curves: pd.DataFrame, aucs: pd.DataFrame, *, presentation: bool = False) -> alt.LayerChart:
    """ROC curves (sensitivity against 1 − specificity), one per score, with the chance diagonal.

    ``curves`` and ``aucs`` are ``ti_roc`` output; the subtitle gives each AUC with its DeLong
    interval (or why it is missing) and the numbers of independent and not independent patients.
    """
    require(curves, ["score", "fpr", "tpr", "threshold"], chart="roc_chart")
    require(aucs, ["score", "auc", "ci_low", "ci_high", "n_pos", "n_neg", "reason"], chart="roc_chart")
    guard(curves, chart="roc_chart")
    dom = list(dict.fromkeys(aucs["score"]))
    data = curves.assign(threshold=curves["threshold"].replace([np.inf], np.nan))
    lines = []
    for row in aucs.itertuples(index=False):
        if np.isfinite(row.auc) and np.isfinite(row.ci_low):
            lines.append(f"{row.score}: AUC {_interval_text(row.auc, row.ci_low, row.ci_high)}")
        elif np.isfinite(row.auc):
            lines.append(f"{row.score}: AUC {fmt_num(row.auc, 2)} ({str(row.reason).removeprefix('not computed: ')})")
        else:
            lines.append(f"{row.score}: {str(row.reason).removeprefix('not computed: ')}")
    if len(aucs):
        lines.append(f"{int(aucs['n_pos'].iloc[0]):,} independent vs {int(aucs['n_neg'].iloc[0]):,} not; "
                     "AUC interval: DeLong 95%; dashed: chance; apparent: judged on the patients it was fitted to")
    scale = alt.Scale(domain=[0, 1], nice=False)
    enc = colour("score", dom, title="Score")
    chart = alt.layer(
        alt.Chart(pd.DataFrame({"a": [0.0, 1.0]})).mark_line(color="#888888", strokeDash=[4, 3]).encode(
            x=alt.X("a:Q", scale=scale), y=alt.Y("a:Q", scale=scale)),
        alt.Chart(data).mark_line(interpolate="step-after", strokeWidth=2.5, point=True).encode(
            x=alt.X("fpr:Q", scale=scale, title="1 − specificity (not independent called independent)"),
            y=alt.Y("tpr:Q", scale=scale, title="Sensitivity (independent called independent)"),
            color=enc, order="fpr:Q",
            tooltip=[alt.Tooltip("score:N", title="Score"), alt.Tooltip("threshold:Q", format=".3g", title="Cut-off ≥"),
                     alt.Tooltip("tpr:Q", format=".2f", title="Sensitivity"),
                     alt.Tooltip("fpr:Q", format=".2f", title="1 − specificity")]),
    ).properties(width="container", height=HEIGHT + 60,
                 title=title("How well baseline HbF picks future independence: ROC", lines))
    return finish(chart, presentation=presentation)


def incidence_chart(incidence: pd.DataFrame, *, by: str | None = None, domain: Sequence[Hashable] | None = None,
                    presentation: bool = False) -> alt.LayerChart:
    """Cumulative incidence of transfusion independence by visit: a step curve from (0, 0%) with its band.

    ``incidence`` is ``ti_incidence`` output (``visit``, ``cum_incidence``, ``ci_low``, ``ci_high``,
    ``at_risk``, ``n``, ``method``; the ``by`` column when grouped). Values are shown only at the
    visits; patients still at risk are printed along the foot.
    """
    require(incidence, ["visit", "cum_incidence", "ci_low", "ci_high", "at_risk", "n", "method",
                        *([by] if by else [])], chart="incidence_chart")
    guard(incidence, chart="incidence_chart")
    rows = incidence.dropna(subset=["visit"])
    groups = [(None, rows)] if by is None else list(rows.groupby(by, sort=True, observed=True))
    parts = []
    for label, part in groups:
        start = {"visit": 0.0, "cum_incidence": 0.0, "ci_low": 0.0, "ci_high": 0.0,
                 "at_risk": int(part["n"].iloc[0]) if len(part) else 0, "n": int(part["n"].iloc[0]) if len(part) else 0}
        part = pd.concat([pd.DataFrame([start | ({by: label} if by else {})]), part], ignore_index=True)
        parts.append(part)
    data = pd.concat(parts, ignore_index=True) if parts else rows
    data = data.assign(month=data["visit"], pct=100 * data["cum_incidence"], low=100 * data["ci_low"],
                       high=100 * data["ci_high"], n_text=[short_count(int(n)) for n in data["at_risk"]])
    dom = group_domain(data[by], by, domain) if by else []
    enc = colour(by, dom) if by else alt.value(NEUTRAL)
    y_scale = alt.Scale(domain=[0, 100], nice=False)
    ytitle = "Transfusion independent (% of TDT patients)"
    tooltip = [*([alt.Tooltip(f"{by}:N", title=grouping_title(by))] if by else []),
               alt.Tooltip("month:Q", title="Month"), alt.Tooltip("pct:Q", format=".1f", title="%"),
               alt.Tooltip("low:Q", format=".1f", title="95% CI low"), alt.Tooltip("high:Q", format=".1f",
                                                                                   title="95% CI high"),
               alt.Tooltip("at_risk:Q", title="Still transfused and followed")]
    base = alt.Chart(data).encode(x=month_x(), tooltip=tooltip)
    layers = [base.mark_area(interpolate="step-after", fillOpacity=0.15).encode(
                  y=alt.Y("low:Q", scale=y_scale, title=ytitle), y2="high:Q", color=enc),
              base.mark_line(interpolate="step-after", strokeWidth=2.5, point=alt.OverlayMarkDef(filled=True, size=45)
                             ).encode(y=alt.Y("pct:Q", scale=y_scale, title=ytitle), color=enc)]
    step = 13 if not presentation else 18
    for k, (label, part) in enumerate(groups):
        foot = data if by is None else data[data[by] == label]
        layers.append(alt.Chart(foot).mark_text(baseline="bottom", fontSize=10 if not presentation else 14).encode(
            x=month_x(), y=alt.value(HEIGHT - 3 - (len(groups) - 1 - k) * step), text="n_text:N", color=enc))
    head = "Time to transfusion independence" + (f" by {grouping_title(by).lower()}" if by else "")
    chart = alt.layer(*layers).properties(width="container", height=HEIGHT, usermeta=count_marks(labels=["n_text"]),
                                          title=title(head, ["Step: % independent by each visit (Kaplan–Meier on the visit where it is first seen); "
               "band: 95% log-log CI",
               "Numbers along the foot: patients still transfused and followed at each visit"
               + (" (k thousands, M millions)" if (data["at_risk"] >= SHORT_FROM).any() else "")]))
    return finish(chart, presentation=presentation)
