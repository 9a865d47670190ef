"""The Comparisons page: two groups of patients compared by month, in the layout of the paper's Tables 4–7 and 10."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.analyses.comparisons import (SUBSETS, TESTS, TESTS_BY_NAME, compare_view, default_test, group_choices,
                                           group_label)
from thaldash.analyses.published_cells import marked_published
from thaldash.analyses.groupings import grouping_caveat
from thaldash.analyses.patients import DEFAULT_PAIR, GROUPINGS, PATIENT_MEASURES, VISIT_MEASURES
from thaldash.charts import group_means_chart
from thaldash.data.filters import options
from thaldash.data.schema import STUDY_MONTHS
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.wording import (ASSUMED_MARK, SMALL_N_MARK, assumed_notes, basis_marks, has_published,
                                   interval_text, p_text, paper_check)

PAGE = "Comparisons"
MEASURES: dict[str, str] = VISIT_MEASURES | PATIENT_MEASURES
DEFAULT_TEST = "default"
"""The ``test`` param that lets ``analyses.comparisons.default_test`` choose."""
TEST_LABELS: dict[str, str] = {DEFAULT_TEST: "Default (Welch t; Student t for a printed table)",
                               "student": "Student t (paper)", "welch": "Welch t", "mann_whitney": "Mann–Whitney U"}
TEST_CHOICES: tuple[str, ...] = tuple(TEST_LABELS)

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
    ``chart`` the group means by month (None for a per-patient measure: see ``NO_CHART``); ``caveat``
    the line to show above it all when the groups are defined by the outcome ("" otherwise).
    """

    title: str
    problem: str = ""
    comparison: Table | Stat | None = None
    paper_warning: str = ""
    not_computed: tuple[Stat, ...] = ()
    more: Table | None = None
    chart: Figure | None = None
    caveat: str = ""

    def page(self) -> PageView:
        blocks = (self.comparison, *self.not_computed, self.more, self.chart)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def comparisons_view(ctx: ViewContext, *, measure: str = "hb_g_l", grouping: str = "genotype_group",
                     group_a: str = "", group_b: str = "", set_a: tuple[str, ...] = (), set_b: tuple[str, ...] = (),
                     months: tuple[int, ...] = (0, 6, 12, 24), subset: str = "analysed",
                     test: str = DEFAULT_TEST) -> ComparisonsView:
    """The comparison of two groups of ``ctx``'s filtered patients (groups decided on the whole cohort).

    Parameters are the page's URL params: ``group_a``/``group_b`` (default: ``DEFAULT_PAIR``) or,
    for ``grouping="genotype_sets"``, the genotypes of ``set_a``/``set_b``; ``test`` one of ``TESTS``'
    keys or ``DEFAULT_TEST`` (``default_test``: Welch t, or the paper's Student t where the view reproduces a
    printed table). The paper's printed values stand beside the computed ones when ``ctx.paper_applies()``.

    P values are Holm-adjusted across the months shown ("k tests on this page"); a P after baseline
    between groups defined by the outcome is marked descriptive; on the bundled reconstruction each
    comparison says whether the paper publishes, constrains or leaves it assumed (``ctx.labelled``),
    and an assumed one carries its note into the export footer.
    """
    for name, value, allowed in (("measure", measure, MEASURES), ("grouping", grouping, ctx.groupings(GROUPINGS)),
                                 ("subset", subset, SUBSETS), ("test", test, TEST_CHOICES)):
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
    chosen = (default_test(measure=measure, grouping=grouping, groups=tuple(groups), subset=subset,
                           published=ctx.paper_applies()) if test == DEFAULT_TEST else TESTS[test])
    test = TESTS_BY_NAME[chosen]
    try:
        # Groups from the whole cohort's grading (recorded months); the values at the months the view reads, of
        # the filtered patients (every patient compared is analysed and filtered: the whole cohort's visits read on
        # the schedule were a second copy of up to 7 million visits at 1M, where a withdrawn patient's visit is
        # left out, and pushed every other page out of the cache).
        view = compare_view(ctx.scheduled(), ctx.patient_table(), measure=measure, grouping=grouping,
                            groups=groups, months=tuple(sorted(months)), subset=subset, patient_ids=ids, sets=sets,
                            test=chosen, published=ctx.paper_applies(), correction="holm")
    except ValueError as error:  # the same group twice, overlapping genotype sets: say so, show nothing
        return ComparisonsView(title, problem=str(error))
    table = view.table
    if table.empty:
        return ComparisonsView(title, comparison=Stat("comparison", "Comparison",
                                                      reason="no patient of the selected patients is in either group"))
    table = _with_basis(ctx, table, view.result, chosen, measure=measure, grouping=grouping, subset=subset)
    first = (table["test"] != "").to_numpy()
    k = int(table.loc[first, "n_tests"].max()) if first.any() else 0
    shown = marked_published(table).assign(
        label=[f"{g} {SMALL_N_MARK}" if s else g for g, s in zip(table["label"], table["small_n"])],
        p=[p_text(p, r) for p, r in zip(table["p"], table["reason"])],
        p_holm=[p_text(p) for p in table["p_adjusted"]],
        p_reading=[_reading(d, note) for d, note in zip(table["p_descriptive"], table["p_note"])],
        basis=basis_marks(table["constraint"]),
        iqr=[interval_text(a, b, 2) for a, b in zip(table["q1"], table["q3"])],
        ci=[interval_text(a, b, 3) for a, b in zip(table["ci_low"], table["ci_high"])])
    median = table.loc[first, "estimate_kind"].str.contains("median").any()
    cols = _columns(test, per_patient, median=bool(median), k=k)
    paper = has_published(table)
    main = [*([] if per_patient else ["month"]), "label", "n", "published_n", "mean", "published_mean", "sd",
            "published_sd", "diff", "published_diff", "se", "published_se", "p", "published_p", "p_holm",
            "p_reading", "basis", "sd_warning"]
    main = [c for c in main if (paper or not c.startswith("published")) and _shows(shown, c)]
    warning, check = paper_check(table)
    notes = _notes(table, chosen, per_patient)
    caveat = grouping_caveat(grouping)
    assumed = assumed_notes(table)
    comparison = Table("comparison", title, shown, {c: cols[c] for c in main},
                       caption=(f"{caveat} " if caveat else "")
                       + f"The paper's layout (Tables 4–7, 10). P two-sided, {chosen}"
                       + (" (the paper's test for this table)" if chosen == TESTS["student"] and paper else "")
                       + f"; the comparison is on each month's first row. P Holm: adjusted across the {k} tests on "
                         f"this page (Holm). {SMALL_N_MARK}: too few patients to rely on. "
                       + (f"Basis: whether the paper publishes this comparison, fixes it by printed numbers "
                          f"(constrained) or leaves it to the reconstruction ({ASSUMED_MARK}). " if ctx.bundled else "")
                       + check, notes=notes, footer_notes=assumed)
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
            caption=f"Means with 95% CIs (t distribution) by month; P above each month, {chosen}, not adjusted "
                    "(the table gives Holm's)." + (f" {caveat}" if caveat else ""), notes=notes, footer_notes=assumed)
    return ComparisonsView(title, comparison=comparison, paper_warning=warning, not_computed=undefined, more=more,
                           chart=chart, caveat=caveat)


def default_pair(ctx: ViewContext, grouping: str) -> tuple[str, str]:
    """The two groups compared unless chosen: the paper's (``DEFAULT_PAIR``), or the first two centres."""
    if grouping in DEFAULT_PAIR:
        return DEFAULT_PAIR[grouping]
    centres = (*ctx.cohort.centres, "", "")
    return centres[0], centres[1]


def _with_basis(ctx: ViewContext, table: pd.DataFrame, result: pd.DataFrame, test: str, **context: str) -> pd.DataFrame:
    """``table`` (the paper layout) plus ``constraint``/``constraint_note`` of its month's comparison on each
    month's first row ("" elsewhere and on any other file than the reconstruction)."""
    rows = ctx.labelled(result[result["test"] == test].reset_index(drop=True), "comparison", **context)
    by_month = {(None if pd.isna(m) else float(m)): (c, n) for m, c, n
                in zip(rows["month"], rows["constraint"], rows["constraint_note"])}
    first = (table["test"] != "").to_numpy()
    found = [by_month.get(None if pd.isna(m) else float(m), ("", "")) if f else ("", "")
             for m, f in zip(table["month"], first)]
    return table.assign(constraint=[c for c, _ in found], constraint_note=[n for _, n in found])


def _reading(descriptive: bool, note: str) -> str:
    if descriptive:
        return "descriptive"
    return "baseline" if note.startswith("baseline") else ""


def _shows(shown: pd.DataFrame, column: str) -> bool:
    """Whether an optional column has something to say (the P reading, the basis, the SD warning)."""
    if column not in ("p_reading", "basis", "sd_warning"):
        return True
    return bool((shown[column].astype(str) != "").any())


def _columns(test: str, per_patient: bool, *, median: bool, k: int) -> dict[str, Col]:
    return {"month": Col("Time", "%d M", 45), "label": Col("Group", width=115), "n": Col("n", "%d", 45, count=True),
            "mean": Col("Average", "%.2f", 70), "sd": Col("SD", "%.2f", 55), "se": Col("SE", "%.3f", 55),
            "diff": Col("Median diff. A − B" if median else "Mean diff. A − B", "%.3f", 90),
            "p": Col(f"P ({_SHORT[test]})", width=90), "p_holm": Col(f"P Holm ({k} tests on this page)", width=110),
            "p_reading": Col("P reading", width=90), "basis": Col("Basis", width=95),
            "sd_warning": Col("SD check", width="medium"),
            "median": Col("Median", "%.2f"), "iqr": Col("IQR (Q1 to Q3)"),
            "ci": Col("95% CI of the difference"), "hedges_g": Col("Hedges' g", "%.2f"),
            **{f"published_{c}": Col("paper", width=w) for c, w in _PAPER_WIDTHS.items()}}


def _notes(table: pd.DataFrame, test: str, per_patient: bool) -> str:
    """The numbers behind the table, one line per comparison: each group's n, mean and SD, the estimate, P
    (Holm-adjusted beside it), and what the P can be read as."""
    parts = [(None, table)] if per_patient else list(table.groupby("month", sort=False))
    lines = []
    for month, rows in parts:
        groups = "; ".join(f"{r.label} n = {r.n}, mean {_num(r.mean, 2)} (SD {_num(r.sd, 2)})" for r in rows.itertuples())
        first = rows.iloc[0]
        se = f" (SE {_num(first['se'], 3)})" if pd.notna(first["se"]) else ""
        holm = f", Holm {p_text(first['p_adjusted'])} of {int(first['n_tests'])} tests" if pd.notna(first["p_adjusted"]) else ""
        reading = f"; {first['p_note']}" if first["p_note"] else ""
        basis = f"; {first['constraint']}: {first['constraint_note']}" if first["constraint"] else ""
        result = (f"{first['estimate_kind'].replace('(a − b)', 'A − B')} {_num(first['diff'], 3)}{se}, "
                  f"P {p_text(first['p'], 'x')}{holm} ({test}){reading}{basis}"
                  if first["computed"] else f"P not computed ({first['reason'].removeprefix('not computed: ')})")
        lines.append(("" if month is None else f"{int(month)} M: ") + f"{groups}; {result}")
    return "\n".join(lines)


def _num(value: float, digits: int) -> str:
    return "–" if pd.isna(value) else f"{value:.{digits}f}"


MONTHS: tuple[str, ...] = tuple(str(m) for m in STUDY_MONTHS)
"""The months a comparison can be made at, as the URL writes them."""


def _sets(values: dict) -> bool:
    return values["grouping"] == "genotype_sets"


def _pair(side: int) -> Param:
    return Param(f"group_{'ab'[side]}", lambda ctx, v: default_pair(ctx, v["grouping"])[side],
                 lambda ctx, v: group_choices(ctx.patient_table(), v["grouping"]), applies=lambda v: not _sets(v))


def _set(side: int) -> Param:
    return Param(f"set_{'ab'[side]}", (), lambda ctx, _: options(ctx.cohort).genotypes, applies=_sets)


PARAMS: tuple[Param, ...] = (
    Param("measure", "hb_g_l", tuple(MEASURES)),
    Param("grouping", "genotype_group", lambda ctx, _: tuple(ctx.groupings(GROUPINGS))),
    Param("subset", "analysed", tuple(SUBSETS)), Param("test", DEFAULT_TEST, TEST_CHOICES),
    _set(0), _set(1), _pair(0), _pair(1), Param("months", ("0", "6", "12", "24"), MONTHS))
"""The page's own settings (``views.params``): groups A and B are genotype sets only for ``genotype_sets``."""
