"""Chart builders for outcomes: response tiers, tier transitions between rule sets, rule sensitivity.

Each builder takes an already aggregated tidy frame (the output of a core function named in
its docstring) and returns a top-level Altair chart; it never loads data or mutates its input.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from thaldash.charts.base import HEIGHT, colour, count_marks, finish, fmt_num, grouping_title, guard, require, title
from thaldash.grading.rules import FIELDS_BY_NAME
from thaldash.data.schema import NOT_EVALUABLE, TIER_ORDER, TIERS


def tier_bars(summary: pd.DataFrame, *, presentation: bool = False) -> alt.LayerChart:
    """Percentage of evaluable patients per tier with exact 95% CIs; n and % as labels.

    ``summary`` is ``grading.summary.tier_table`` output (``tier``, ``n``, ``total``, ``pct``,
    ``ci_low``, ``ci_high``, ``ci_method``); the ORR and not-evaluable rows go to the subtitle.
    """
    require(summary, ["tier", "n", "total", "pct", "ci_low", "ci_high", "ci_method"], chart="tier_bars")
    bars = summary[summary["tier"].isin(TIERS)]
    data = bars.assign(
        label=[f"{n} ({fmt_num(p)}%)" if np.isfinite(p) else f"{n}" for n, p in zip(bars["n"], bars["pct"])],
        total=bars["total"].astype("float64"))
    parts = []
    orr = summary[summary["tier"] == "ORR"]
    if len(orr):
        r = orr.iloc[0]
        parts.append(f"ORR (MaR + MiR + SLR) {r['n']}/{fmt_num(float(r['total']), 0)} = {fmt_num(r['pct'])}% "
                     f"(95% CI {fmt_num(r['ci_low'])}–{fmt_num(r['ci_high'])})")
    ne = summary[summary["tier"] == NOT_EVALUABLE]
    if len(ne) and int(ne.iloc[0]["n"]) > 0:
        parts.append(f"{int(ne.iloc[0]['n'])} not evaluable (not in the percentages)")
    method = next((m for m in bars["ci_method"] if m), "")
    totals = bars["total"].dropna()
    total = int(totals.iloc[0]) if len(totals) else 0
    subtitle = [" · ".join(parts)] if parts else []
    subtitle.append(f"Bars: % of evaluable patients; whiskers: {method or 'exact 95%'} CI")
    x = alt.X("tier:N", sort=list(TIERS), title="Response tier", axis=alt.Axis(labelAngle=0))
    tooltip = [alt.Tooltip("tier:N", title="Tier"), alt.Tooltip("n:Q", title="Patients"),
               alt.Tooltip("total:Q", title="Evaluable patients"),
               alt.Tooltip("pct:Q", format=".1f", title="%"),
               alt.Tooltip("ci_low:Q", format=".1f", title="95% CI low (%)"),
               alt.Tooltip("ci_high:Q", format=".1f", title="95% CI high (%)"),
               alt.Tooltip("ci_method:N", title="Interval")]
    base = alt.Chart(data).encode(x=x, tooltip=tooltip)
    y = alt.Y("pct:Q", title="Patients (% of evaluable)", scale=alt.Scale(domain=[0, 112], nice=False),
              axis=alt.Axis(values=list(range(0, 101, 20))))
    chart = alt.layer(
        base.mark_bar(size=48).encode(y=y, color=colour("tier", list(TIERS), legend=False)),
        base.mark_rule(strokeWidth=1.5, color="#333333").encode(y="ci_low:Q", y2="ci_high:Q"),
        base.mark_text(dy=-8, baseline="bottom").encode(y="ci_high:Q", text="label:N"),
    ).properties(width="container", height=HEIGHT, usermeta=count_marks(labels=["label"]),
                 title=title(f"Response tiers of {total} evaluable patients" if total else "Response tiers", subtitle))
    return finish(chart, presentation=presentation)


def _long_transitions(matrix: pd.DataFrame) -> pd.DataFrame:
    long = matrix.stack().rename("n").reset_index()
    long.columns = ["tier_reference", "tier_whatif", "n"]
    return long


def transition_heatmap(matrix: pd.DataFrame, *, reference_name: str = "reference rules",
                       whatif_name: str = "what-if rules", presentation: bool = False,
                       height: int | None = None) -> alt.LayerChart:
    """Patients by tier under the reference rules (rows) and the what-if rules (columns).

    ``matrix`` is ``grading.whatif.transition_matrix`` (tiers by tiers). The diagonal (no change) is
    outlined. ``height`` in pixels (default ``HEIGHT``).
    """
    data = _long_transitions(matrix)
    guard(data, chart="transition_heatmap")
    total = int(data["n"].sum())
    moved = int(data.loc[data["tier_reference"] != data["tier_whatif"], "n"].sum())
    order = [t for t in TIER_ORDER if t in set(data["tier_reference"]) | set(data["tier_whatif"])]
    top = max(int(data["n"].max()), 1) if len(data) else 1
    # Text colour as data, not a conditional encoding: Altair validates a condition slowly (~90 ms).
    ink = np.where(data["n"] > top / 2, "white", np.where(data["n"] == 0, "#BBBBBB", "black"))
    data = data.assign(same=data["tier_reference"] == data["tier_whatif"], ink=ink)
    base = alt.Chart().encode(  # the data goes on the layer once: Altair compares per-layer data slowly
        x=alt.X("tier_whatif:N", sort=order, title=f"Tier under {whatif_name}",
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("tier_reference:N", sort=order, title=f"Tier under {reference_name}"),
        tooltip=[alt.Tooltip("tier_reference:N", title=f"Tier ({reference_name})"),
                 alt.Tooltip("tier_whatif:N", title=f"Tier ({whatif_name})"),
                 alt.Tooltip("n:Q", title="Patients")])
    cells = base.mark_rect(stroke="#D9D9D9", strokeWidth=0.5).encode(color=alt.Color(
        "n:Q", title="Patients", scale=alt.Scale(domain=[0, top], range=["#FFFFFF", "#525252"]),
        legend=None))
    ink = alt.Color("ink:N", scale=None, legend=None)
    same = base.transform_filter("datum.same").mark_text(fontWeight="bold").encode(text="n:Q", color=ink)
    other = base.transform_filter("!datum.same").mark_text().encode(text="n:Q", color=ink)
    # One constructor, not .resolve_scale().properties(): each Altair method copies the whole chart.
    chart = alt.LayerChart(
        layer=[cells, same, other], data=data, width="container", height=height or HEIGHT,
        usermeta=count_marks(counts=["n"]),
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent")),
        title=title("How patients move between tiers",
                    f"{moved} of {total} patients change tier; bold: same tier under both rule sets"))
    return finish(chart, presentation=presentation)


def _axis_title(name: str) -> str:
    spec = FIELDS_BY_NAME.get(name)
    if spec is None:
        return name.replace("_", " ")
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


def sensitivity_heatmap(grid: pd.DataFrame, *, x: str, y: str, value: str,
                        current: tuple[float, float] | None = None,
                        published: tuple[float, float] | None = None,
                        x_rule: str | None = None, y_rule: str | None = None,
                        value_title: str | None = None, value_format: str = ".0f",
                        presentation: bool = False, height: int | None = None) -> alt.LayerChart:
    """A result (e.g. ORR %) over a grid of two rule values, with the rules in use and the paper's marked.

    Parameters
    ----------
    grid
        One row per (x, y) cell with the ``value`` column, e.g. ``sensitivity.sensitivity_grid``
        output (``x``, ``y``, ``orr_pct`` …; a NaN value, e.g. an invalid rule combination, is a
        grey cell whose tooltip shows ``reason`` when present).
    x, y
        The grid's columns holding the two rule values.
    x_rule, y_rule
        The ``GradingRules`` fields they hold (default: ``x`` and ``y``), for axis titles with
        units.
    current, published
        (x value, y value) of the rules in use (outlined square) and of the paper's rules (diamond).
    height
        Pixels (default ``HEIGHT``); a grid of many rows needs more to stay readable.
    """
    require(grid, [x, y, value], chart="sensitivity_heatmap")
    guard(grid, chart="sensitivity_heatmap")
    vt = value_title or value.replace("_", " ")
    xt, yt = _axis_title(x_rule or x), _axis_title(y_rule or y)
    xs, ys = sorted(grid[x].unique()), sorted(grid[y].unique(), reverse=True)
    values = grid[value].astype("float64")
    mid = float(np.nanmin(values) + np.nanmax(values)) / 2 if values.notna().any() else 0.0
    data = grid.assign(_missing=values.isna(), _ink=np.where(values < mid, "white", "black"),
                       **({} if "reason" in grid else {"reason": ""}))
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:O", sort=xs, title=xt, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:O", sort=ys, title=yt),
        tooltip=[alt.Tooltip(f"{x}:O", title=xt), alt.Tooltip(f"{y}:O", title=yt),
                 alt.Tooltip(f"{value}:Q", title=vt, format=value_format),
                 alt.Tooltip("reason:N", title="Note")])
    layers = [
        base.transform_filter("datum._missing").mark_rect(color="#EEEEEE"),
        base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=vt, scale=alt.Scale(scheme="viridis"))),
        base.transform_filter("!datum._missing").mark_text().encode(
            text=alt.Text(f"{value}:Q", format=value_format),
            color=alt.Color("_ink:N", scale=None, legend=None)),  # text colour as data: a condition validates slowly
    ]
    enc = {"x": alt.X(f"{x}:O", sort=xs), "y": alt.Y(f"{y}:O", sort=ys)}
    notes = []
    if current is not None:
        layers.append(alt.Chart(pd.DataFrame({x: [current[0]], y: [current[1]], "marker": ["rules in use"]}))
                      .mark_rect(filled=False, stroke="#000000", strokeWidth=3).encode(
                          **enc, tooltip=[alt.Tooltip("marker:N", title="Marked")]))
        notes.append("black outline: the rules in use")
    if published is not None:
        layers.append(alt.Chart(pd.DataFrame({x: [published[0]], y: [published[1]], "marker": ["paper"]}))
                      .mark_point(shape="diamond", filled=True, size=110 if not presentation else 200,
                                  color="#000000", stroke="white", strokeWidth=1,
                                  xOffset=-30 if not presentation else -44).encode(
                          **enc, tooltip=[alt.Tooltip("marker:N", title="Marked")]))
        notes.append("diamond: the paper's rules")
    if data["_missing"].any():
        notes.append("grey: not a valid combination")
    chart = alt.layer(*layers).resolve_scale(color="independent").properties(
        width="container", height=height or HEIGHT,
        title=title(f"{vt} as two rules change", "; ".join(notes).capitalize() if notes else None))
    return finish(chart, presentation=presentation)


def tiers_by_group_chart(table: pd.DataFrame, *, by: str, presentation: bool = False) -> alt.LayerChart:
    """Stacked bars: patients per tier in each group, with "ORR k/n" at the end of each bar.

    ``table`` is ``tier_table(..., by=by)`` output. Counts rather than percentages, because the
    groups are small and unequal (a one-patient genotype at 100 % would look like a finding).
    """
    require(table, [by, "tier", "n", "total", "pct"], chart="tiers_by_group_chart")
    guard(table, chart="tiers_by_group_chart", limit=1_200)
    labels = table[by].astype("str")
    data = table.assign(**{by: labels})
    bars = data[data["tier"].isin(TIER_ORDER) & (data["n"] > 0)]
    orr = data[data["tier"] == "ORR"]
    orr = orr.assign(end=orr["n_patients"], text=[
        f"ORR {n:,}/{int(t):,} = {fmt_num(p)}%" if pd.notna(t) and t > 0 else "no evaluable patient"
        for n, t, p in zip(orr["n"], orr["total"], orr["pct"])])
    order = list(dict.fromkeys(labels))
    top = max(float(orr["end"].max()), 1.0) if len(orr) else 1.0  # room for the ORR text after the longest bar
    y = alt.Y(f"{by}:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    bars = bars.assign(rank=pd.Categorical(bars["tier"], categories=TIER_ORDER).codes)
    stacked = alt.Chart(bars).transform_stack(
        stack="n", as_=["x0", "x1"], groupby=[by], sort=[alt.SortField("rank")]
    ).transform_calculate(mid="(datum.x0 + datum.x1) / 2").encode(
        y=y, tooltip=[alt.Tooltip(f"{by}:N", title=grouping_title(by)), alt.Tooltip("tier:N", title="Tier"),
                      alt.Tooltip("n:Q", title="Patients"), alt.Tooltip("n_patients:Q", title="Patients in group")])
    layers = [stacked.mark_bar(stroke="white", strokeWidth=0.5).encode(
                  x=alt.X("x0:Q", title="Patients", axis=alt.Axis(tickMinStep=1),
                          scale=alt.Scale(domain=[0, top * 1.4], nice=False)), x2="x1:Q",
                  color=colour("tier", list(TIER_ORDER), title="Tier")),
              # a count only where its segment has room for it (≥ 4 % of the longest bar)
              stacked.transform_filter(f"datum.x1 - datum.x0 >= {0.04 * top}").mark_text(
                  color="white", fontWeight="bold").encode(x="mid:Q", text=alt.Text("n:Q", format=",")),
              alt.Chart(orr).mark_text(align="left", dx=5, color="#333333").encode(
                  y=y, x="end:Q", text="text:N")]
    step = 26 if presentation else 20
    height = max(step * len(order), 130)  # room for the tier legend when there are few groups
    chart = alt.layer(*layers).properties(
        width="container", height=height, usermeta=count_marks(counts=["n"], labels=["text"]),
        title=title(f"Response tiers by {grouping_title(by).lower()}",
                    "Patients per tier (numbers in the bars); ORR = (MaR + MiR + SLR) / evaluable patients"))
    return finish(chart, presentation=presentation)
