"""Chart builders for transfusion burden and iron: before/after units, reductions, ferritin."""

from __future__ import annotations

from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from thaldash.charts.base import (
    HEIGHT, colour, count_marks, finish, fmt_num, n_foot, group_domain, guard, measure_title, month_x, require, title,
)
from thaldash.charts.palette import CATEGORICAL, INDIVIDUAL_LINE, NEUTRAL, SINGLE_SERIES, TIER_COLOURS

BEFORE = "Before enrolment"


def before_after_units(frame: pd.DataFrame, *, period: Literal["window", "24m"] = "window",
                       presentation: bool = False) -> alt.LayerChart:
    """Slope chart: red-cell units per month before enrolment vs on thalidomide, one line per patient.

    ``frame`` is ``iron.units_before_after`` output; lines take the tier colour when it has a
    ``tier`` column. ``period`` is "window" (months 0–W) or "24m" (months 0–24).
    """
    after_col = {"window": "units_per_month_window", "24m": "units_per_month_24m"}[period]
    require(frame, ["patient_id", "pre_units_per_month", after_col], chart="before_after_units")
    guard(frame, chart="before_after_units", limit=2_000)
    months = int(frame["window_months"].iloc[0]) if period == "window" and len(frame) else 24
    after = f"Months 0–{months} on thalidomide"
    keep = [c for c in ("patient_id", "genotype", "tier") if c in frame]
    wide = frame[[*keep, "pre_units_per_month", after_col]]
    long = wide.melt(id_vars=keep, var_name="period", value_name="units_per_month")
    long = long.assign(period=long["period"].map({"pre_units_per_month": BEFORE, after_col: after}))
    n_missing = int(frame[after_col].isna().sum())
    by_tier = "tier" in long
    enc = {"color": colour("tier", group_domain(long["tier"], "tier"))} if by_tier else \
        {"color": alt.value(NEUTRAL)}
    tip = [alt.Tooltip("patient_id:N", title="Patient"),
           *([alt.Tooltip("genotype:N", title="Genotype")] if "genotype" in long else []),
           *([alt.Tooltip("tier:N", title="Tier")] if by_tier else []),
           alt.Tooltip("period:N", title="Period"),
           alt.Tooltip("units_per_month:Q", format=".2f", title="Units per month")]
    base = alt.Chart(long).encode(
        x=alt.X("period:N", sort=[BEFORE, after], title=None, axis=alt.Axis(labelAngle=0, labelLimit=400),
                scale=alt.Scale(padding=0.3)),
        y=alt.Y("units_per_month:Q", title="Red-cell units per month"), detail="patient_id:N",
        tooltip=tip, **enc)
    chart = alt.layer(
        base.mark_line(strokeWidth=1.2, strokeOpacity=0.7),
        base.mark_point(filled=True, size=45, fillOpacity=0.9),
    ).properties(width="container", height=HEIGHT, title=title(
        "Transfusion burden before and on treatment (TDT)",
        [f"One line per patient (n = {len(frame)}). Before: units in the 24 months before enrolment\u00a0÷\u00a024.",
         f"On treatment: units recorded at the visits of months 1–{months}\u00a0÷\u00a0{months}.",
         *([f"{n_missing} patient(s) without a complete on-treatment total are shown before only"]
           if n_missing else [])]))
    return finish(chart, presentation=presentation)


def reduction_histogram(bins: pd.DataFrame, *, mir_pct: float = 50.0, slr_pct: float = 25.0, window: int = 6,
                        presentation: bool = False) -> alt.LayerChart:
    """Patients per band of transfusion reduction, with the MiR and SLR thresholds marked.

    ``bins`` is ``iron.reduction_bins`` output (``bin_start``, ``bin_end``, ``n``,
    ``open_low``). Bars are neutral: a reduction alone does not give the tier (an untransfused
    patient is MaR whatever the reduction).
    """
    require(bins, ["bin_start", "bin_end", "n"], chart="reduction_histogram")
    guard(bins, chart="reduction_histogram")
    data = bins.assign(band=[f"< {e:g}%" if o else f"{s:g} to {e:g}%" for s, e, o in
                             zip(bins["bin_start"], bins["bin_end"], bins.get("open_low", [False] * len(bins)))])
    lo = min(float(bins["bin_start"].min()), 0.0) if len(bins) else 0.0
    hi = max(float(bins["bin_end"].max()), 100.0) if len(bins) else 100.0
    bars = alt.Chart(data).mark_bar(color=NEUTRAL, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("bin_start:Q", title=f"Transfusion reduction over months 1–{window} (%)",
                scale=alt.Scale(domain=[lo, hi], nice=False)), x2="bin_end:Q",
        y=alt.Y("n:Q", title="Patients", axis=alt.Axis(tickMinStep=1)), y2=alt.datum(0),
        tooltip=[alt.Tooltip("band:N", title="Reduction"), alt.Tooltip("n:Q", title="Patients")])
    marks = pd.DataFrame({"x": [slr_pct, mir_pct], "text": [f"SLR ≥ {slr_pct:g}%", f"MiR ≥ {mir_pct:g}%"],
                          "tier": ["SLR", "MiR"]})
    tier_colour = alt.Color("tier:N", scale=alt.Scale(domain=["SLR", "MiR"],
                                                      range=[TIER_COLOURS["SLR"], TIER_COLOURS["MiR"]]), legend=None)
    rules = alt.Chart(marks).mark_rule(strokeDash=[5, 3], strokeWidth=2).encode(x="x:Q", color=tier_colour)
    labels = alt.Chart(marks).mark_text(align="left", dx=4, baseline="top", fontWeight="bold").encode(
        x="x:Q", y=alt.value(2), text="text:N", color=tier_colour)
    total = int(bins["n"].sum())
    width = float((bins["bin_end"] - bins["bin_start"]).iloc[-1]) if len(bins) else float("nan")
    chart = alt.layer(bars, rules, labels).properties(
        width="container", height=HEIGHT,
        title=title("Transfusion reduction (TDT)",
                    f"{total:,} patients with a reduction; bands of {fmt_num(width, 0)} "
                    "percentage points; the tier also depends on transfusions in the last months")
        if len(bins) else title("Transfusion reduction (TDT)", "no patient has a reduction"))
    return finish(chart, presentation=presentation)


def transfusion_timeline(frame: pd.DataFrame, *, order: list[str] | None = None, row_height: int | None = None,
                         presentation: bool = False) -> alt.LayerChart:
    """Patients × visits grid of red-cell transfusions.

    ``frame`` is ``iron.transfusion_timeline`` output (``patient_id``, ``month``, ``status``,
    ``rbc_units``, ``units_per_month``), sampled with ``trajectories.cap_patients`` for large
    cohorts. Colour is units per month over the interval since the previous visit (intervals run
    from 1 to 6 months, so raw totals would not compare); the numbers are the units given.
    ``order`` fixes the patients' order (default: by id). White: none; grey: no visit or value.
    ``row_height`` is each patient's row in pixels (default 12, 16 in presentation mode; at 12 Vega
    drops every other patient's label, so a page that lists the patients asks for more).
    """
    require(frame, ["patient_id", "month", "status", "rbc_units", "units_per_month"], chart="transfusion_timeline")
    guard(frame, chart="transfusion_timeline")
    data = frame[["patient_id", "month", "status", "rbc_units", "units_per_month"]].assign(
        status=frame["status"].astype("str"))
    n_pat = data["patient_id"].nunique()
    y = alt.Y("patient_id:N", sort=order or "ascending", title=None,
              axis=alt.Axis(labelFontSize=9 if not presentation else 13))
    x = alt.X("month:O", sort=sorted(data["month"].unique()), title="Month of treatment",
              axis=alt.Axis(labelAngle=0, orient="top"))
    tip = [alt.Tooltip("patient_id:N", title="Patient"), alt.Tooltip("month:O", title="Month"),
           alt.Tooltip("status:N", title="Status"),
           alt.Tooltip("rbc_units:Q", format=".2f", title="RBC units since previous visit"),
           alt.Tooltip("units_per_month:Q", format=".2f", title="Units per month")]
    base = alt.Chart(data).encode(x=x, y=y, tooltip=tip)
    rate = data["units_per_month"]
    top = float(np.nanmax(rate)) if rate.notna().any() else 1.0
    given = "datum.status == 'value' && datum.rbc_units > 0"
    layers = [
        base.mark_rect(stroke="#E0E0E0", strokeWidth=0.5).encode(
            color=alt.condition("datum.status == 'value'", alt.value("#FFFFFF"), alt.value("#D9D9D9"))),
        base.transform_filter(given).mark_rect(stroke="white", strokeWidth=0.5).encode(
            color=alt.Color("units_per_month:Q", title="Units per month",
                            scale=alt.Scale(scheme="reds", domain=[0, max(top, 0.5)]))),
    ]
    if n_pat <= 60:
        layers.append(base.transform_filter(given).mark_text(fontSize=9 if not presentation else 13).encode(
            text=alt.Text("rbc_units:Q", format=".4~g"),
            color=alt.condition(f"datum.units_per_month > {top * 0.55}", alt.value("white"), alt.value("black"))))
    chart = alt.layer(*layers).properties(
        width="container", height=alt.Step(row_height or (12 if not presentation else 16)),
        title=title("Red-cell transfusions per visit (TDT)",
                    f"{n_pat} patients; numbers: units since the previous visit; colour: units per month over "
                    "that interval; white: none; grey: no visit or no value"))
    return finish(chart, presentation=presentation)


def ferritin_with_stops(means_or_patients: pd.DataFrame, stops: pd.DataFrame, *, log_scale: bool = False,
                        presentation: bool = False) -> alt.LayerChart:
    """Serum ferritin over time with the months chelation was stopped for low ferritin (Table 8).

    Parameters
    ----------
    means_or_patients
        Either ``iron.ferritin_course`` output (``month``, ``mean``, ``ci_low``, ``ci_high``,
        ``n``): a mean line and band with a dashed rule at each stop month; or per-patient rows
        (``patient_id``, ``month``, ``sf_ng_ml``, e.g. the visits of the patients in ``stops``):
        one line per patient with a triangle at the ferritin before the stop.
    stops
        With means: ``chelation.stop_months`` output (``chelation_stop_month``, ``n``, ``who``), one dashed
        rule per month. With per-patient rows: the ``chelation.chelation_stops`` rows of those patients.
    """
    guard(stops, chart="ferritin_with_stops")
    guard(means_or_patients, chart="ferritin_with_stops")
    y_scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=True)
    ytitle = measure_title("sf_ng_ml")
    layers = []
    if "mean" in means_or_patients:
        m = means_or_patients
        require(m, ["month", "mean", "ci_low", "ci_high", "n"], chart="ferritin_with_stops")
        est = str(m["estimate"].iloc[0]) if "estimate" in m and len(m) else "mean"
        base = alt.Chart(m).encode(x=month_x(), tooltip=[
            alt.Tooltip("month:Q", title="Month"), alt.Tooltip("n:Q", title="n"),
            alt.Tooltip("mean:Q", format=",.0f", title=est.capitalize()),
            alt.Tooltip("ci_low:Q", format=",.0f", title="95% CI low"),
            alt.Tooltip("ci_high:Q", format=",.0f", title="95% CI high")])
        layers += [base.mark_area(fillOpacity=0.18, color=SINGLE_SERIES).encode(
                       y=alt.Y("ci_low:Q", scale=y_scale, title=f"{ytitle}, {est}"), y2="ci_high:Q"),
                   base.mark_line(color=SINGLE_SERIES, strokeWidth=2.5,
                                  point=alt.OverlayMarkDef(filled=True, size=50, color=SINGLE_SERIES)).encode(
                       y=alt.Y("mean:Q", scale=y_scale, title=f"{ytitle}, {est}"))]
        layers += n_foot(m, grouping=None, domain=[], colour_enc=alt.value(SINGLE_SERIES), presentation=presentation)
        if "n" not in stops and "patient_id" in stops:
            raise ValueError("ferritin_with_stops: with means the stops are marked per month; pass "
                             "chelation.stop_months(stops), not one row per patient.")
        require(stops, ["chelation_stop_month", "n", "who"], chart="ferritin_with_stops")
        per_month = stops.assign(text=[f"{n:,} stopped" for n in stops["n"]])
        layers += [alt.Chart(per_month).mark_rule(strokeDash=[4, 3], color="#000000").encode(
                       x="chelation_stop_month:Q",
                       tooltip=[alt.Tooltip("chelation_stop_month:Q", title="Chelation stopped at month"),
                                alt.Tooltip("n:Q", title="Patients"), alt.Tooltip("who:N", title="Who")]),
                   alt.Chart(per_month).mark_text(align="left", dx=3, baseline="top", angle=0).encode(
                       x="chelation_stop_month:Q", y=alt.value(2), text="text:N")]
        subtitle = (f"Line: {est}; band: 95% CI; numbers along the foot: n per point; "
                    "dashed: month chelation was stopped for low ferritin")
    else:
        p = means_or_patients
        require(p, ["patient_id", "month", "sf_ng_ml"], chart="ferritin_with_stops")
        require(stops, ["patient_id", "chelation_stop_month", "sf_at_stop"], chart="ferritin_with_stops")
        p = p[p["sf_ng_ml"].notna()]
        ids = sorted(p["patient_id"].unique())
        scale = (alt.Scale(domain=ids, range=list(CATEGORICAL[:len(ids)])) if len(ids) <= 8
                 else alt.Scale(domain=ids, range=[INDIVIDUAL_LINE] * len(ids)))
        col = alt.Color("patient_id:N", title="Patient", scale=scale, legend=alt.Legend() if len(ids) <= 8 else None)
        layers.append(alt.Chart(p).mark_line(strokeWidth=1.8, point=alt.OverlayMarkDef(size=30)).encode(
            x=month_x(), y=alt.Y("sf_ng_ml:Q", scale=y_scale, title=ytitle), color=col,
            tooltip=[alt.Tooltip("patient_id:N", title="Patient"), alt.Tooltip("month:Q", title="Month"),
                     alt.Tooltip("sf_ng_ml:Q", format=",.0f", title=ytitle)]))
        marks = stops[stops["patient_id"].isin(ids) & stops["sf_at_stop"].notna()]
        marks = marks.assign(month=marks.get("sf_month_at_stop", marks["chelation_stop_month"]))
        layers.append(alt.Chart(marks).mark_point(shape="triangle-down", size=160, filled=True, opacity=1).encode(
            x=month_x(), y=alt.Y("sf_at_stop:Q", scale=y_scale), color=col,
            tooltip=[alt.Tooltip("patient_id:N", title="Patient"),
                     alt.Tooltip("chelation_stop_month:Q", title="Chelation stopped at month"),
                     alt.Tooltip("sf_at_stop:Q", format=",.0f", title="SF before stopping (ng/mL)"),
                     *([alt.Tooltip("sf_24m:Q", format=",.0f", title="SF at 24 M (ng/mL)")]
                       if "sf_24m" in marks else [])]))
        subtitle = "One line per patient; triangle: last ferritin before chelation was stopped for low ferritin"
    chart = alt.layer(*layers).properties(width="container", height=HEIGHT,
                                          usermeta=count_marks(labels=["text", "n_text"]),
                                          title=title("Serum ferritin and chelation stops", subtitle))
    return finish(chart, presentation=presentation)

