"""Where the conclusions tip: ORR or MaR rate over a grid of two grading rules (the What-if page's sweep).

In two steps, so that the figure is rebuilt only when what it shows changes: ``sweep_grid`` grades the
grid (once per rule set), ``sweep_figure`` draws it (the app caches it on ``SweepGrid.key``: moving a
rule that changes no cell, say the MiR threshold under ORR, rebuilds nothing). ``sweep_section`` is both.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.charts import HEIGHT, sensitivity_heatmap
from thaldash.grading.rules import FIELDS_BY_NAME, GradingRules
from thaldash.grading.sensitivity import SWEEPABLE, sensitivity_grid
from thaldash.grading.whatif import sweep_summary, sweep_values
from thaldash.views.blocks import Figure
from thaldash.views.context import ViewContext

SWEPT: dict[str, str] = {"orr_pct": "ORR (%)", "mar_pct": "MaR rate (%)"}
"""What a sweep shows: the grid's column → its title."""
PAPER_RULES = GradingRules()


@dataclass(frozen=True, eq=False)
class SweepGrid:
    """``sensitivity_grid`` over ``x`` × ``y`` with the values of the rules in use (``current``) and the
    paper's (``published``); ``problem`` instead when there is no grid."""

    x: str = ""
    y: str = ""
    grid: pd.DataFrame | None = None
    current: tuple[float, float] = (0.0, 0.0)
    published: tuple[float, float] = (0.0, 0.0)
    problem: str = ""

    def key(self, value: str, presentation: bool) -> tuple:
        """What ``sweep_figure`` shows of this grid for ``value``: equal keys give equal figures."""
        if self.grid is None:
            return (self.problem,)
        g = self.grid
        return (self.x, self.y, value, presentation, self.current, self.published, tuple(g["x"]), tuple(g["y"]),
                tuple(g[value].fillna(-1.0)), tuple(g["valid"]), tuple(g["n_graded"].fillna(-1)))


@dataclass(frozen=True, eq=False)
class SweepSection:
    """The sweep's heatmap (its caption gives the range over the grid), or ``problem`` when there is none."""

    problem: str = ""
    figure: Figure | None = None


def sweep_label(name: str) -> str:
    """A swept rule as the controls name it ("SLR: transfusion reduction at least")."""
    return FIELDS_BY_NAME[name].label


def sweep_grid(ctx: ViewContext, *, sweep_x: str = "slr_reduction_pct", sweep_y: str = "window_months") -> SweepGrid:
    """``sensitivity.sensitivity_grid`` of ``ctx``'s filtered patients over ``sweep_x`` × ``sweep_y`` (two of
    ``SWEEPABLE``), every other rule as in ``ctx.rules``, the values in use and the paper's on the grid."""
    for name in (sweep_x, sweep_y):
        if name not in SWEEPABLE:
            raise ValueError(f"{name}: can be swept only over one of {', '.join(SWEEPABLE)}")
    if sweep_x == sweep_y:
        return SweepGrid(problem="Choose two different rules to sweep.")
    current = (getattr(ctx.rules, sweep_x), getattr(ctx.rules, sweep_y))
    published = (getattr(PAPER_RULES, sweep_x), getattr(PAPER_RULES, sweep_y))
    xs, ys = sweep_values(sweep_x, current[0], published[0]), sweep_values(sweep_y, current[1], published[1])
    grid = sensitivity_grid(ctx.filtered, ctx.rules, x=sweep_x, x_values=xs, y=sweep_y, y_values=ys)
    # One note for every refused cell (the sentences name the other rule's value, which would make the figure
    # differ at every step of an unrelated slider); the controls explain a refused combination in full.
    grid = grid.assign(reason=grid["reason"].where(grid["valid"], "not a valid combination of these rules"))
    return SweepGrid(sweep_x, sweep_y, grid, current, published)


def sweep_figure(grid: SweepGrid, *, value: str = "orr_pct", presentation: bool = False) -> SweepSection:
    """The heatmap of ``value`` (one of ``SWEPT``) over ``grid``, its caption and notes."""
    if value not in SWEPT:
        raise ValueError(f"sweep_value: {value!r} is not one of {', '.join(SWEPT)}")
    if grid.grid is None:
        return SweepSection(problem=grid.problem)
    title, rows = SWEPT[value], grid.grid["y"].nunique()
    # Rows readable at any grid size: a fixed height squeezes them (and, with presentation type, pushes the
    # title out of the chart).
    height = max(HEIGHT, (48 if presentation else 30) * rows + (220 if presentation else 110))
    chart = sensitivity_heatmap(grid.grid, x="x", y="y", x_rule=grid.x, y_rule=grid.y, value=value,
                                value_title=title, current=grid.current, published=grid.published,
                                presentation=presentation, height=height)
    span = sweep_summary(grid.grid, value)
    per_cell = f"{span['n_min']}" if span["n_min"] == span["n_max"] else f"{span['n_min']}–{span['n_max']}"
    caption = ((f"{title.removesuffix(' (%)')} from {span['low']:.1f} % to {span['high']:.1f} % over the grid, "
                f"n = {per_cell} evaluable patients per cell. " if span["valid"] else
                "No cell of the grid is a valid combination of rules. ")
               + "Each cell grades the patients of the sidebar filter with the two rules at the cell's values and "
               "every other rule as set above; the diamond marks the paper's values of the two rules.")
    notes = (f"{sweep_label(grid.x)} × {sweep_label(grid.y)}: {span['valid']} valid cells, {span['invalid']} refused "
             f"combinations\nRules in use: {grid.current[0]} × {grid.current[1]}; the paper's: "
             f"{grid.published[0]} × {grid.published[1]}")
    return SweepSection(figure=Figure("whatif_sweep", f"{title} as two rules change", chart, caption=caption,
                                      notes=notes))


def sweep_section(ctx: ViewContext, *, sweep_x: str = "slr_reduction_pct", sweep_y: str = "window_months",
                  sweep_value: str = "orr_pct") -> SweepSection:
    """``sweep_figure`` of ``sweep_grid``: the sweep as the page shows it."""
    return sweep_figure(sweep_grid(ctx, sweep_x=sweep_x, sweep_y=sweep_y), value=sweep_value,
                        presentation=ctx.presentation)
