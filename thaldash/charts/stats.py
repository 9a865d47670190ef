"""Chart builders for statistical results: group means by month, correlation, paired change.

Each builder takes the output of a ``thaldash.stats`` or ``thaldash.analyses.trajectories`` function and
returns a top-level Altair chart; no statistic is computed here (the regression line is drawn
from the slope and intercept ``stats.correlation`` returns).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import altair as alt
import numpy as np
import pandas as pd

from thaldash.charts.base import (
    HEIGHT, colour, count_marks, finish, fmt_num, fmt_p, group_domain, grouping_title, guard, in_sentence, labelled,
    measure_title, require, title,
)
from thaldash.charts.palette import NEUTRAL
from thaldash.stats.correlations import PEARSON, SPEARMAN
from thaldash.stats.paired import PAIRED_T


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
    data = data.assign(n_text=[f"n={n}" for n in data["n"]], n_anchor=data["ci_low"].fillna(data["mean"]))
    dom = group_domain(data[group], group, domain)
    estimate = str(data["estimate"].iloc[0]) if "estimate" in data and len(data) else "mean"
    x = alt.X("month:O", title="Month of treatment", scale=alt.Scale(paddingInner=0.35),
              axis=alt.Axis(labelAngle=0, labelExpr="datum.value + ' M'"))
    base = alt.Chart(data).encode(
        x=x, xOffset=alt.XOffset(f"{group}:N", sort=dom, scale=alt.Scale(paddingOuter=0.3)),
        color=colour(group, dom),
        tooltip=[alt.Tooltip(f"{group}:N", title=grouping_title(group)), alt.Tooltip("month:O", title="Month"),
                 alt.Tooltip("n:Q", title="n"), alt.Tooltip("mean:Q", format=".1f", title=estimate),
                 alt.Tooltip("ci_low:Q", format=".1f", title="95% CI low"),
                 alt.Tooltip("ci_high:Q", format=".1f", title="95% CI high")])
    y = alt.Y("mean:Q", title=measure_title(measure), scale=alt.Scale(zero=False))
    low = alt.Y("ci_low:Q", title=measure_title(measure), scale=alt.Scale(zero=False))
    layers = [base.mark_rule(strokeWidth=2).encode(y=low, y2="ci_high:Q"),
              base.mark_point(filled=True, size=70, opacity=1).encode(y=y),
              base.mark_text(baseline="top", dy=5, fontSize=10 if not presentation else 14).encode(
                  y=alt.Y("n_anchor:Q"), text="n_text:N")]
    subtitle = f"Points: {estimate} per group; bars: 95% CI (t distribution); n under each bar"
    if p_values is not None and len(p_values):
        require(p_values, ["month", "p"], chart="group_means_chart")
        if "test" in p_values and p_values["test"].nunique() > 1:
            raise ValueError("group_means_chart: p_values holds several tests "
                             f"({', '.join(map(str, p_values['test'].unique()))}); pass the rows of one.")
        test = str(p_values["test"].iloc[0]) if "test" in p_values else "test"
        shown = p_values.assign(p_text=[fmt_p(p).replace("p not computed", "–") for p in p_values["p"]])
        layers.append(alt.Chart(shown).mark_text(baseline="top", color="#333333").encode(
            x=x, y=alt.value(2), text="p_text:N",
            tooltip=[alt.Tooltip("month:O", title="Month"), alt.Tooltip("p:Q", format=".4f", title="p"),
                     *([alt.Tooltip("reason:N", title="Note")] if "reason" in shown else [])]))
        subtitle += f"; p: {test}"
    chart = alt.layer(*layers).properties(
        width="container", height=HEIGHT, usermeta=count_marks(labels=["n_text"]),
        title=title(f"{measure_title(measure)} by {grouping_title(group).lower()}", subtitle))
    return finish(chart, presentation=presentation)


def scatter_with_fit(points: pd.DataFrame, fit: pd.DataFrame, *, x: str, y: str, color: str | None = "tier",
                     domain: Sequence[Hashable] | None = None, presentation: bool = False,
                     height: int | None = None) -> alt.LayerChart:
    """One point per row of ``points`` and the least-squares line of ``stats.correlation``.

    ``points`` has ``patient_id``, ``x``, ``y`` and (optionally) the ``color`` column; ``fit``
    is ``correlation(points, x=x, y=y)`` output, whose Pearson row gives slope and intercept and
    the subtitle gives r, its CI, p and n for both methods. ``height`` (pixels, default ``HEIGHT``)
    gives the plot room under a long subtitle.
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
    layers = [alt.Chart(data).mark_circle(size=60, fillOpacity=0.8, stroke="white", strokeWidth=0.5).encode(
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
        width="container", height=height or HEIGHT,
        title=title(f"{measure_title(y)} vs {measure_title(x)}", lines))
    return finish(chart, presentation=presentation)


def paired_change_chart(paired: pd.DataFrame, *, measure: str, test: str = PAIRED_T,
                        presentation: bool = False, height: int | None = None) -> alt.LayerChart:
    """Mean within-patient difference (I − J) with its 95% CI for each pair of visits (Table 9).

    ``paired`` is ``stats.paired_change`` output; the rows of ``test`` are drawn (the interval
    exists for the paired t only), with n and p as labels. ``height`` in pixels (default: 60 per
    pair, at least 120).
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
    ).properties(width="container", height=height or max(60 * len(data), 120), usermeta=count_marks(labels=["label"]),
                 title=title(f"Change in {in_sentence(measure_title(measure))} between visits",
                             f"Mean of (I − J) per patient with 95% CI; {test}"))
    return finish(chart, presentation=presentation)

