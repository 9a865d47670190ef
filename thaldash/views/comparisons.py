"""The Comparisons page: two groups of patients compared by month, in the layout of the paper's Tables 4–7 and 10."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.analyses.centres import with_centre
from thaldash.analyses.comparisons import SUBSETS, TESTS, compare_view, group_label, marked_published
from thaldash.analyses.patients import DEFAULT_PAIR, GROUPINGS, PATIENT_MEASURES, VISIT_MEASURES
from thaldash.charts import group_means_chart
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.wording import SMALL_N_MARK, has_published, interval_text, p_text, paper_check

PAGE = "Comparisons"
MEASURES: dict[str, str] = VISIT_MEASURES | PATIENT_MEASURES
TEST_LABELS: dict[str, str] = {"student": "Student t (paper)", "welch": "Welch t", "mann_whitney": "Mann–Whitney U"}
_SHORT = {"student": "Student t", "welch": "Welch t", "mann_whitney": "Mann–Whitney"}
_PAPER_WIDTHS = {"n": 50, "mean": 70, "sd": 60, "diff": 70, "se": 60, "p": 60}
NO_CHART = "One value per patient, over the grading window: no chart by month."


@dataclass(frozen=True, eq=False)
class ComparisonsView:
    """What the Comparisons page shows for one choice.

    ``problem`` says why nothing is shown (a choice to complete, the same group twice), else "".
    ``comparison`` is the paper-layout table (a ``Stat`` saying why when no patient is in either
    group), ``paper_warning`` the warning when a printed value is not reproduced, ``not_computed``
    one ``Stat`` per comparison that has no P, ``more`` the medians, CIs and effect sizes, and
    ``chart`` the group means by month (None for a per-patient measure: see ``NO_CHART``).
    """

    title: str
    problem: str = ""
    comparison: Table | Stat | None = None
    paper_warning: str = ""
    not_computed: tuple[Stat, ...] = ()
    more: Table | None = None
    chart: Figure | None = None

    def page(self) -> PageView:
        blocks = (self.comparison, *self.not_computed, self.more, self.chart)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def comparisons_view(ctx: ViewContext, *, measure: str = "hb_g_l", grouping: str = "genotype_group",
                     group_a: str = "", group_b: str = "", set_a: tuple[str, ...] = (), set_b: tuple[str, ...] = (),
                     months: tuple[int, ...] = (0, 6, 12, 24), subset: str = "analysed",
                     test: str = "student") -> ComparisonsView:
    """The comparison of two groups of ``ctx``'s filtered patients (groups decided on the whole cohort).

    Parameters are the page's URL params: ``group_a``/``group_b`` (default: ``DEFAULT_PAIR``) or,
    for ``grouping="genotype_sets"``, the genotypes of ``set_a``/``set_b``; ``test`` one of ``TESTS``'
    keys. The paper's printed values stand beside the computed ones when ``ctx.paper_applies()``.
    """
    for name, value, allowed in (("measure", measure, MEASURES), ("grouping", grouping, groupings(ctx)),
                                 ("subset", subset, SUBSETS), ("test", test, TESTS)):
        if value not in allowed:
            raise ValueError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    sets = (tuple(set_a), tuple(set_b)) if grouping == "genotype_sets" else None
    pair = default_pair(ctx, grouping)
    groups = ("set A", "set B") if sets else (group_a or pair[0], group_b or pair[1])
    label_a, label_b = (group_label(grouping, g) for g in groups)
    title = f"{MEASURES[measure]}: {label_a} (A) vs {label_b} (B)"
    if sets is not None and not (sets[0] and sets[1]):
        return ComparisonsView(title, problem="Choose the genotypes of set A and of set B.")
    per_patient = measure in PATIENT_MEASURES
    if not per_patient and not months:
        return ComparisonsView(title, problem="Choose at least one month.")
    ids = None if ctx.filter.is_default else ctx.filtered.patients["patient_id"]  # None: no million-id lookup
    try:
        # Groups from the whole cohort's grading (recorded months); the values at the months the view reads.
        view = compare_view(ctx.scheduled(ctx.cohort), ctx.rules, measure=measure, grouping=grouping, groups=groups,
                            months=tuple(sorted(months)), subset=subset, patient_ids=ids, sets=sets,
                            test=TESTS[test], published=ctx.paper_applies(), patients=ctx.patient_table())
    except ValueError as error:  # the same group twice, overlapping genotype sets: say so, show nothing
        return ComparisonsView(title, problem=str(error))
    table = view.table
    if table.empty:
        return ComparisonsView(title, comparison=Stat("comparison", "Comparison",
                                                      reason="no patient of the selected patients is in either group"))
    shown = marked_published(table).assign(
        label=[f"{g} {SMALL_N_MARK}" if s else g for g, s in zip(table["label"], table["small_n"])],
        p=[p_text(p, r) for p, r in zip(table["p"], table["reason"])],
        iqr=[interval_text(a, b, 2) for a, b in zip(table["q1"], table["q3"])],
        ci=[interval_text(a, b, 3) for a, b in zip(table["ci_low"], table["ci_high"])])
    cols = _columns(test, per_patient)
    paper = has_published(table)
    main = [*([] if per_patient else ["month"]), "label", "n", "published_n", "mean", "published_mean", "sd",
            "published_sd", "diff", "published_diff", "se", "published_se", "p", "published_p"]
    main = [c for c in main if paper or not c.startswith("published")]
    warning, check = paper_check(table)
    notes = _notes(table, test, per_patient)
    comparison = Table("comparison", title, shown, {c: cols[c] for c in main},
                       caption=f"The paper's layout (Tables 4–7, 10). P two-sided, {TESTS[test]}; the comparison is "
                               f"on each month's first row. {SMALL_N_MARK}: too few patients to rely on. " + check,
                       notes=notes)
    more = Table("comparison_more", f"{title}: medians and effect sizes", shown,
                 {c: cols[c] for c in [*([] if per_patient else ["month"]), "label", "n", "median", "iqr", "ci",
                                       "hedges_g"]},
                 caption="Median and interquartile range per group; 95% CI of the difference and Hedges' g (pooled SD, "
                         "small-sample corrected) on the t-test rows.")
    undefined = tuple(
        Stat(f"not_computed_{i}", "Comparison" + ("" if per_patient else f" at {int(row.month)} M"),
             reason=row.reason.removeprefix("not computed: "))
        for i, row in enumerate(table[(table["test"] != "") & ~table["computed"].astype(bool)].itertuples()))
    chart = None
    if not per_patient and len(view.means):
        p_rows = view.result[view.result["test"] == TESTS[test]][["month", "p", "test", "reason"]]
        chart = Figure("group_means", f"{title}: group means by month", group_means_chart(
            view.means, measure=measure, group=view.chart_group, p_values=p_rows, presentation=ctx.presentation),
            caption=f"Means with 95% CIs (t distribution) by month; P above each month, {TESTS[test]}.", notes=notes)
    return ComparisonsView(title, comparison=comparison, paper_warning=warning, not_computed=undefined, more=more,
                           chart=chart)


def groupings(ctx: ViewContext) -> dict[str, str]:
    """The groupings the page offers for ``ctx``: ``GROUPINGS``, with the centre when there are several."""
    return with_centre(GROUPINGS, ctx.cohort)


def default_pair(ctx: ViewContext, grouping: str) -> tuple[str, str]:
    """The two groups compared unless chosen: the paper's (``DEFAULT_PAIR``), or the first two centres."""
    if grouping in DEFAULT_PAIR:
        return DEFAULT_PAIR[grouping]
    centres = (*ctx.cohort.centres, "", "")
    return centres[0], centres[1]


def _columns(test: str, per_patient: bool) -> dict[str, Col]:
    return {"month": Col("Time", "%d M", 45), "label": Col("Group", width=115), "n": Col("n", "%d", 45, count=True),
            "mean": Col("Average", "%.2f", 70), "sd": Col("SD", "%.2f", 55), "se": Col("SE", "%.3f", 55),
            "diff": Col("Median diff. A − B" if test == "mann_whitney" else "Diff. A − B", "%.3f", 90),
            "p": Col(f"P ({_SHORT[test]})", width=90), "median": Col("Median", "%.2f"), "iqr": Col("IQR (Q1 to Q3)"),
            "ci": Col("95% CI of the difference"), "hedges_g": Col("Hedges' g", "%.2f"),
            **{f"published_{c}": Col("paper", width=w) for c, w in _PAPER_WIDTHS.items()}}


def _notes(table: pd.DataFrame, test: str, per_patient: bool) -> str:
    """The numbers behind the table, one line per comparison: each group's n, mean and SD, the estimate, P."""
    estimate = "difference in medians A − B" if test == "mann_whitney" else "difference in means A − B"
    parts = [(None, table)] if per_patient else list(table.groupby("month", sort=False))
    lines = []
    for month, rows in parts:
        groups = "; ".join(f"{r.label} n = {r.n}, mean {_num(r.mean, 2)} (SD {_num(r.sd, 2)})" for r in rows.itertuples())
        first = rows.iloc[0]
        se = f" (SE {_num(first['se'], 3)})" if pd.notna(first["se"]) else ""
        result = (f"{estimate} {_num(first['diff'], 3)}{se}, P {p_text(first['p'], 'x')} ({TESTS[test]})"
                  if first["computed"] else f"P not computed ({first['reason'].removeprefix('not computed: ')})")
        lines.append(("" if month is None else f"{int(month)} M: ") + f"{groups}; {result}")
    return "\n".join(lines)


def _num(value: float, digits: int) -> str:
    return "–" if pd.isna(value) else f"{value:.{digits}f}"
