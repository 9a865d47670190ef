"""Chart builders for outcomes: tiers, tier transitions, rule sensitivity, group comparisons.

Each builder takes an already aggregated tidy frame (the output of a core function named in
its docstring) and returns a top-level Altair chart; it never loads data or mutates its input.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import altair as alt
import numpy as np
import pandas as pd

from thaldash.charts_base import (
    HEIGHT, colour, finish, fmt_num, fmt_p, group_domain, grouping_title, guard, labelled,
    measure_title, require, title,
)
from thaldash.grading_trace import NOT_EVALUABLE, TIER_ORDER
from thaldash.palette import NEUTRAL
from thaldash.scenarios import FIELDS_BY_NAME
from thaldash.schema import TIERS
from thaldash.stats_correlation import PEARSON, SPEARMAN
from thaldash.stats_paired import PAIRED_T


def tier_bars(summary: pd.DataFrame, *, presentation: bool = False) -> alt.LayerChart:
    """Percentage of evaluable patients per tier with exact 95% CIs; n and % as labels.

    ``summary`` is ``grading_summary.tier_summary`` output (``tier``, ``n``, ``total``, ``pct``,
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
    ).properties(width="container", height=HEIGHT, title=title(f"Response tiers of {total} evaluable patients" if total else "Response tiers", subtitle))
    return finish(chart, presentation=presentation)


def _long_transitions(matrix: pd.DataFrame) -> pd.DataFrame:
    if {"tier_reference", "tier_whatif", "n"} <= set(matrix.columns):
        return matrix[["tier_reference", "tier_whatif", "n"]]
    long = matrix.stack().rename("n").reset_index()
    long.columns = ["tier_reference", "tier_whatif", "n"]
    return long


def transition_heatmap(matrix: pd.DataFrame, *, reference_name: str = "reference rules",
                       whatif_name: str = "what-if rules", presentation: bool = False) -> alt.LayerChart:
    """Patients by tier under the reference rules (rows) and the what-if rules (columns).

    ``matrix`` is ``ScenarioComparison.matrix`` (wide) or ``.transitions`` (long:
    ``tier_reference``, ``tier_whatif``, ``n``). The diagonal (no change) is outlined.
    """
    data = _long_transitions(matrix)
    guard(data, chart="transition_heatmap")
    total = int(data["n"].sum())
    moved = int(data.loc[data["tier_reference"] != data["tier_whatif"], "n"].sum())
    order = [t for t in TIER_ORDER if t in set(data["tier_reference"]) | set(data["tier_whatif"])]
    data = data.assign(same=data["tier_reference"] == data["tier_whatif"])
    top = max(int(data["n"].max()), 1) if len(data) else 1
    base = alt.Chart(data).encode(
        x=alt.X("tier_whatif:N", sort=order, title=f"Tier under {whatif_name}",
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("tier_reference:N", sort=order, title=f"Tier under {reference_name}"),
        tooltip=[alt.Tooltip("tier_reference:N", title=f"Tier ({reference_name})"),
                 alt.Tooltip("tier_whatif:N", title=f"Tier ({whatif_name})"),
                 alt.Tooltip("n:Q", title="Patients")])
    cells = base.mark_rect().encode(color=alt.Color(
        "n:Q", title="Patients", scale=alt.Scale(domain=[0, top], range=["#FFFFFF", "#525252"]),
        legend=None))
    diagonal = base.transform_filter("datum.same").mark_rect(filled=False, stroke="#000000", strokeWidth=1.5)
    text = base.mark_text().encode(
        text="n:Q", color=alt.condition(f"datum.n > {top / 2}", alt.value("white"), alt.value("black")))
    chart = alt.layer(cells, diagonal, text).properties(
        width="container", height=HEIGHT,
        title=title("How patients move between tiers",
                    f"{moved} of {total} patients change tier; outlined cells: same tier under both"))
    return finish(chart, presentation=presentation)


def _axis_title(name: str) -> str:
    spec = FIELDS_BY_NAME.get(name)
    if spec is None:
        return name.replace("_", " ")
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


def sensitivity_heatmap(grid: pd.DataFrame, *, x: str, y: str, value: str,
                        current: tuple[float, float] | None = None,
                        published: tuple[float, float] | None = None,
                        value_title: str | None = None, value_format: str = ".0f",
                        presentation: bool = False) -> alt.LayerChart:
    """A result (e.g. ORR %, n MaR) over a grid of two rule values, with two points marked.

    Parameters
    ----------
    grid
        One row per (x, y) cell with the ``value`` column (the what-if core's sweep output).
    x, y
        Rule columns (``GradingRules`` field names get their label and unit as axis titles).
    current, published
        (x value, y value) of the rules in use and of the paper's rules; outlined square and
        diamond respectively.
    """
    require(grid, [x, y, value], chart="sensitivity_heatmap")
    guard(grid, chart="sensitivity_heatmap")
    vt = value_title or value.replace("_", " ")
    xs, ys = sorted(grid[x].unique()), sorted(grid[y].unique(), reverse=True)
    values = grid[value].astype("float64")
    mid = float(np.nanmin(values) + np.nanmax(values)) / 2 if values.notna().any() else 0.0
    base = alt.Chart(grid).encode(
        x=alt.X(f"{x}:O", sort=xs, title=_axis_title(x), axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:O", sort=ys, title=_axis_title(y)),
        tooltip=[alt.Tooltip(f"{x}:O", title=_axis_title(x)), alt.Tooltip(f"{y}:O", title=_axis_title(y)),
                 alt.Tooltip(f"{value}:Q", title=vt, format=value_format)])
    layers = [
        base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=vt, scale=alt.Scale(scheme="viridis"))),
        base.mark_text().encode(text=alt.Text(f"{value}:Q", format=value_format),
                                color=alt.condition(f"datum['{value}'] < {mid}", alt.value("white"),
                                                    alt.value("black"))),
    ]
    marks = [(label, point) for label, point in (("current rules", current), ("paper", published)) if point]
    if marks:
        points = pd.DataFrame({x: [p[0] for _, p in marks], y: [p[1] for _, p in marks],
                               "marker": [label for label, _ in marks]})
        layers.append(alt.Chart(points).mark_point(filled=False, size=900, strokeWidth=2.5, color="#000000").encode(
            x=alt.X(f"{x}:O", sort=xs), y=alt.Y(f"{y}:O", sort=ys),
            shape=alt.Shape("marker:N", title="Marked", scale=alt.Scale(
                domain=["current rules", "paper"], range=["square", "diamond"])),
            tooltip=[alt.Tooltip("marker:N", title="Marked")]))
    chart = alt.layer(*layers).properties(
        width="container", height=HEIGHT,
        title=title(f"{vt.capitalize()} as the rules change",
                    "Square: the rules in use; diamond: the paper's rules" if marks else None))
    return finish(chart, presentation=presentation)


def group_means_chart(summary: pd.DataFrame, *, measure: str, group: str,
                      p_values: pd.DataFrame | None = None, domain: Sequence[Hashable] | None = None,
                      presentation: bool = False) -> alt.LayerChart:
    """Group means with 95% CIs at each month, dodged side by side.

    Parameters
    ----------
    summary
        ``trajectories.trajectory_means(..., by=group)`` output: ``group``, ``month``, ``n``,
        ``mean``, ``ci_low``, ``ci_high``, ``estimate``.
    p_values
        Optional ``stats.compare_groups(..., by="month")`` rows of one test (``month``, ``p``,
        ``test``), printed above each month.
    """
    require(summary, [group, "month", "n", "mean", "ci_low", "ci_high"], chart="group_means_chart")
    guard(summary, chart="group_means_chart")
    data = labelled(summary, group)
    dom = group_domain(data[group], group, domain)
    estimate = str(data["estimate"].iloc[0]) if "estimate" in data and len(data) else "mean"
    x = alt.X("month:O", title="Month of treatment", axis=alt.Axis(labelAngle=0, labelExpr="datum.value + ' M'"))
    base = alt.Chart(data).encode(
        x=x, xOffset=alt.XOffset(f"{group}:N", sort=dom), color=colour(group, dom),
        tooltip=[alt.Tooltip(f"{group}:N", title=grouping_title(group)), alt.Tooltip("month:O", title="Month"),
                 alt.Tooltip("n:Q", title="n"), alt.Tooltip("mean:Q", format=".1f", title=estimate),
                 alt.Tooltip("ci_low:Q", format=".1f", title="95% CI low"),
                 alt.Tooltip("ci_high:Q", format=".1f", title="95% CI high")])
    y = alt.Y("mean:Q", title=measure_title(measure), scale=alt.Scale(zero=False))
    low = alt.Y("ci_low:Q", title=measure_title(measure), scale=alt.Scale(zero=False))
    layers = [base.mark_rule(strokeWidth=2).encode(y=low, y2="ci_high:Q"),
              base.mark_point(filled=True, size=70, opacity=1).encode(y=y)]
    subtitle = f"Points: {estimate} per group; bars: 95% CI (t distribution); n in the tooltip"
    if p_values is not None and len(p_values):
        require(p_values, ["month", "p"], chart="group_means_chart")
        test = str(p_values["test"].iloc[0]) if "test" in p_values else "test"
        shown = p_values.assign(p_text=[fmt_p(p).replace("p not computed", "–") for p in p_values["p"]])
        layers.append(alt.Chart(shown).mark_text(baseline="top", color="#333333").encode(
            x=x, y=alt.value(2), text="p_text:N",
            tooltip=[alt.Tooltip("month:O", title="Month"), alt.Tooltip("p:Q", format=".4f", title="p"),
                     *([alt.Tooltip("reason:N", title="Note")] if "reason" in shown else [])]))
        subtitle += f"; p: {test}"
    chart = alt.layer(*layers).properties(
        width="container", height=HEIGHT,
        title=title(f"{measure_title(measure)} by {grouping_title(group).lower()}", subtitle))
    return finish(chart, presentation=presentation)


def scatter_with_fit(points: pd.DataFrame, fit: pd.DataFrame, *, x: str, y: str, color: str | None = "tier",
                     domain: Sequence[Hashable] | None = None, presentation: bool = False) -> alt.LayerChart:
    """One point per row of ``points`` and the least-squares line of ``stats.correlation``.

    ``points`` has ``patient_id``, ``x``, ``y`` and (optionally) the ``color`` column; ``fit``
    is ``correlation(points, x=x, y=y)`` output, whose Pearson row gives slope and intercept and
    the subtitle gives r, its CI, p and n for both methods.
    """
    require(points, ["patient_id", x, y], chart="scatter_with_fit")
    require(fit, ["method", "n", "r", "ci_low", "ci_high", "p", "slope", "intercept", "computed", "reason"],
            chart="scatter_with_fit")
    guard(points, chart="scatter_with_fit")
    by = color if color is not None and color in points else None
    data = labelled(points, by)
    tooltip = [alt.Tooltip("patient_id:N", title="Patient"),
               *([alt.Tooltip("month:O", title="Month")] if "month" in data else []),
               alt.Tooltip(f"{x}:Q", title=measure_title(x), format=".1f"),
               alt.Tooltip(f"{y}:Q", title=measure_title(y), format=".1f"),
               *([alt.Tooltip(f"{by}:N", title=grouping_title(by))] if by else [])]
    enc = {"color": colour(by, group_domain(data[by], by, domain))} if by else {"color": alt.value(NEUTRAL)}
    layers = [alt.Chart(data).mark_circle(size=60, opacity=0.8, stroke="white", strokeWidth=0.5).encode(
        x=alt.X(f"{x}:Q", title=measure_title(x), scale=alt.Scale(zero=False)),
        y=alt.Y(f"{y}:Q", title=measure_title(y), scale=alt.Scale(zero=False)), tooltip=tooltip, **enc)]
    rows = {m: fit[fit["method"] == m].iloc[0] for m in (PEARSON, SPEARMAN) if (fit["method"] == m).any()}
    lines = []
    for method, symbol in ((PEARSON, "r"), (SPEARMAN, "ρ")):
        if method in rows:
            r = rows[method]
            lines.append(f"{method} {symbol} = {r['r']:.2f} (95% CI {fmt_num(r['ci_low'], 2)} to "
                         f"{fmt_num(r['ci_high'], 2)}), {fmt_p(r['p'])}, n = {int(r['n'])}"
                         if r["computed"] else f"{method}: {r['reason']}")
    pearson = rows.get(PEARSON)
    xs = data[x].astype("float64")
    if pearson is not None and bool(pearson["computed"]) and xs.notna().any():
        ends = np.array([xs.min(), xs.max()])
        line = pd.DataFrame({x: ends, y: pearson["intercept"] + pearson["slope"] * ends})
        layers.append(alt.Chart(line).mark_line(color="#000000", strokeWidth=1.5, strokeDash=[6, 3]).encode(
            x=f"{x}:Q", y=f"{y}:Q"))
        lines.append(f"Dashed: least-squares line, {measure_title(y)} = {pearson['intercept']:.3g} + "
                     f"{pearson['slope']:.3g} × {measure_title(x)}")
    chart = alt.layer(*layers).properties(
        width="container", height=HEIGHT,
        title=title(f"{measure_title(y)} vs {measure_title(x)}", lines))
    return finish(chart, presentation=presentation)


def paired_change_chart(paired: pd.DataFrame, *, measure: str, test: str = PAIRED_T,
                        presentation: bool = False) -> alt.LayerChart:
    """Mean within-patient difference (I − J) with its 95% CI for each pair of visits (Table 9).

    ``paired`` is ``stats.paired_change`` output; the rows of ``test`` are drawn (the interval
    exists for the paired t only), with n and p as labels.
    """
    require(paired, ["time_i", "time_j", "test", "n", "diff", "ci_low", "ci_high", "p", "computed", "reason"],
            chart="paired_change_chart")
    rows = paired[paired["test"] == test]
    pair = [f"{i} M − {j} M" for i, j in zip(rows["time_i"], rows["time_j"])]
    label = [f"n = {n}, {fmt_p(p)}" if ok else str(reason).removeprefix("not computed: ")
             for n, p, ok, reason in zip(rows["n"], rows["p"], rows["computed"], rows["reason"])]
    data = rows.assign(pair=pair, label=label, anchor=rows["ci_high"].fillna(rows["diff"]).fillna(0.0))
    y = alt.Y("pair:N", sort=pair, title="Visits compared (I − J)")
    tooltip = [alt.Tooltip("pair:N", title="Pair"), alt.Tooltip("n:Q", title="Patients with both"),
               alt.Tooltip("diff:Q", format=".1f", title="Mean difference"),
               alt.Tooltip("ci_low:Q", format=".1f", title="95% CI low"),
               alt.Tooltip("ci_high:Q", format=".1f", title="95% CI high"),
               alt.Tooltip("p:Q", format=".4g", title="p"), alt.Tooltip("test:N", title="Test")]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    xtitle = f"Mean difference, {measure_title(measure)}"
    x = alt.X("diff:Q", title=xtitle)
    chart = alt.layer(
        alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#888888", strokeDash=[4, 3]).encode(x="zero:Q"),
        base.mark_rule(strokeWidth=2, color=NEUTRAL).encode(x=alt.X("ci_low:Q", title=xtitle), x2="ci_high:Q"),
        base.mark_point(filled=True, size=80, color=NEUTRAL, opacity=1).encode(x=x),
        base.mark_text(align="left", dx=8).encode(x="anchor:Q", text="label:N"),
    ).properties(width="container", height=max(60 * len(data), 120),
                 title=title(f"Change in {measure_title(measure)} between visits",
                             f"Mean of (I − J) per patient with 95% CI; {test}"))
    return finish(chart, presentation=presentation)

