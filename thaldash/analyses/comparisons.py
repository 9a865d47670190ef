"""The paper's statistics tables for any cohort, with the published numbers beside them when they apply.

- ``compare_view``: two groups compared by month (Tables 4–7 and 10 layout: time, group, case (n),
  average value, SD, mean difference, SE, P) plus median/IQR, 95% CI, Hedges' g and the group
  means for the chart;
- ``paired_view``: within-patient change between visits (Table 9 layout), paired t and Wilcoxon;
- ``correlation_view``: two per-patient variables (Fig. 3), Pearson and Spearman.

Patients and groups are chosen with ``thaldash.analyses.patients`` (groups decided on the whole cohort) and
the statistics are ``thaldash.stats``'s, so the numbers are those of ``analysis.compare_measure``,
``paired_ferritin`` and ``baseline_hbf_vs_rise`` (the reproduction report's; tests check it); the
values are joined by position, not by merging a million id strings. Published numbers come from
``thaldash.published.numbers``. Nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from thaldash.analyses.patients import (
    PAPER_MONTHS,
    PAPER_SF_PAIRS,
    PATIENT_MEASURES,
    VISIT_MEASURES,
    Grouping,
    Subset,
    baseline_hbf_vs_rise,
    group_column,
    patient_table,
    subset_patients,
)
from thaldash.data.cohort import Cohort
from thaldash.published.numbers import contradictions, prints_as, published_numbers
from thaldash.grading.rules import GradingRules
from thaldash.data.schema import MAR_GROUP, OTHER_GROUP, TIERS
from thaldash.stats import (
    MANN_WHITNEY,
    PAIRED_T,
    PEARSON,
    SMALL_N,
    STUDENT_T,
    WELCH_T,
    WILCOXON,
    compare_groups,
    group_summary,
    paired_change,
)
from thaldash.analyses.groupings import with_p_reading
from thaldash.analyses.trajectories import trajectory_means
from thaldash.stats.multiplicity import Correction, adjust_family

TESTS: dict[str, str] = {"student": STUDENT_T, "welch": WELCH_T, "mann_whitney": MANN_WHITNEY}
"""URL value → test name (``thaldash.stats``); Student t is the paper's, Welch t the default elsewhere
(``default_test``)."""
TESTS_BY_NAME: dict[str, str] = {name: key for key, name in TESTS.items()}
SUBSETS: dict[str, str] = {"analysed": "All analysed", "TDT": "TDT only", "NTDT": "NTDT only"}
CORRELATES: dict[str, str] = {
    "hbf_baseline": "Baseline HbF (%)", "hb_baseline": "Baseline Hb (g/L)",
    "sf_baseline": "Baseline serum ferritin (ng/mL)", "hb_rise": "Hb rise over the grading window (g/L)",
    "reduction_pct": "Transfusion reduction over the grading window (%)", "age_years": "Age at enrolment (years)",
}
"""Per-patient variables offered for the correlation (Fig. 3: ``hbf_baseline`` vs ``hb_rise``)."""
_ORDER: dict[str, tuple[str, ...]] = {
    "genotype_group": ("SLR/NR", "MaR"), "tier": TIERS, "thal_type": ("TDT", "NTDT"),
    "splenectomy": ("yes", "no"), "genotype_sets": ("set A", "set B"),
}
# Display labels, chosen so that the chart palette finds its fixed colours (MaR group is blue).
_LABELS: dict[str, dict[str, str]] = {
    "genotype_group": {"MaR": MAR_GROUP, "SLR/NR": OTHER_GROUP},
    "splenectomy": {"yes": "splenectomy", "no": "no splenectomy"},
}
_CHART_COLUMN: dict[str, str] = {"genotype_sets": "genotype_set"}
_PUBLISHED_SUBSETS: dict[str, str] = {"analysed": "analysed", "TDT": "tdt"}
PAPER_RULES = GradingRules()
"""The grading the published numbers were computed under (the default scenario)."""


@dataclass(frozen=True, eq=False)
class Comparison:
    """``compare_view`` output.

    Attributes
    ----------
    table
        Paper layout, one row per (month, group); see ``paper_layout`` and ``with_published``.
    result
        ``stats.compare_groups`` rows of every test (Student, Welch, Mann–Whitney), as
        ``analysis.compare_measure`` returns them (without its measure/grouping/subset columns).
    means
        ``trajectories.trajectory_means`` of the two groups by month, the group in column
        ``chart_group`` as display labels (no rows for a per-patient measure).
    chart_group
        The grouping's column name in ``means`` (palette and legend title follow it).
    """

    table: pd.DataFrame
    result: pd.DataFrame
    means: pd.DataFrame
    chart_group: str


def group_label(grouping: str, value: object) -> str:
    """How a group is shown: "MaR group" for the genotype group "MaR", "splenectomy" for "yes"."""
    return _LABELS.get(grouping, {}).get(str(value), str(value))


def group_choices(patients: pd.DataFrame, grouping: Grouping) -> tuple[str, ...]:
    """The groups of ``grouping`` present in ``patients`` (a ``patient_table``), in the paper's order."""
    known = _ORDER.get(grouping, ())
    if grouping == "genotype_sets":
        return known
    present = set(patients[grouping].dropna().astype(str))
    return tuple(v for v in known if v in present) + tuple(sorted(present - set(known)))


def published_prefix(*, measure: str, grouping: str, groups: tuple[str, str], subset: str,
                     test: str) -> str | None:
    """The fact prefix (``cmp.tdt.sf_ng_ml``) of the published table this choice reproduces, or None."""
    if (grouping != "genotype_group" or tuple(groups) != ("SLR/NR", "MaR") or test != STUDENT_T
            or measure not in VISIT_MEASURES or subset not in _PUBLISHED_SUBSETS):
        return None
    prefix = f"cmp.{_PUBLISHED_SUBSETS[subset]}.{measure}."
    return prefix[:-1] if published_numbers()["fact"].str.startswith(prefix).any() else None


def _only(patients: pd.DataFrame, patient_ids: pd.Index | Sequence[str] | None) -> pd.DataFrame:
    """Rows of ``patients`` whose id is in ``patient_ids`` (all when None)."""
    if patient_ids is None:
        return patients
    # A hash lookup: Series.isin on a million Arrow strings runs in Python in pandas 3.
    keep = pd.Index(pd.unique(pd.Index(patient_ids)))
    return patients[keep.get_indexer(patients["patient_id"]) >= 0]


def grouped_values(cohort: Cohort, patients: pd.DataFrame, *, measure: str, grouping: Grouping,
                   groups: tuple[str, str], months: Sequence[int] = PAPER_MONTHS, subset: Subset = "analysed",
                   patient_ids: pd.Index | Sequence[str] | None = None,
                   sets: tuple[Sequence[str], Sequence[str]] | None = None) -> pd.DataFrame:
    """The values ``analysis.compare_measure`` compares: patient_id, (month), group, ``measure``.

    The same selection (``analysis.subset_patients`` and ``group_column`` on ``patients``, a
    ``patient_table`` of the whole cohort), joined by position rather than by merging on the id
    strings, which is several times faster at a million patients. Only patients of ``groups``;
    ``month`` only for a visit measure (rows at ``months``).
    """
    chosen = subset_patients(_only(patients, patient_ids), subset)
    chosen = chosen.assign(group=group_column(chosen, grouping, sets))
    chosen = chosen[chosen["group"].isin(list(groups)).to_numpy()]
    if measure in PATIENT_MEASURES:
        return chosen[["patient_id", "group", measure]].reset_index(drop=True)
    at_months = cohort.visits["month"].isin(list(months)).to_numpy()
    visits = cohort.visits.loc[at_months, ["patient_id", "month", measure]]
    where = pd.Index(chosen["patient_id"]).get_indexer(visits["patient_id"])  # -1: not a chosen patient
    visits = visits[where >= 0]
    return visits.assign(group=chosen["group"].to_numpy()[where[where >= 0]])[["patient_id", "month", "group", measure]]


def paper_layout(result: pd.DataFrame, summary: pd.DataFrame, *, test: str, grouping: str) -> pd.DataFrame:
    """Tables 4–7 layout of the ``stats.compare_groups`` rows of ``test``, quartiles from ``group_summary``.

    Returns one row per (month, group), months ascending, group a first:
    ``month`` (NaN for a per-patient measure), ``group`` (code), ``label`` (display), ``n``,
    ``mean``, ``sd``, ``median``, ``q1``, ``q3``, ``small_n`` (n < 5); then, as the paper's
    merged cells, on the group-a row only (NaN/"" on the other): ``diff`` (a − b; difference in
    medians for Mann–Whitney), ``se``, ``ci_low``, ``ci_high``, ``hedges_g``, ``p``, ``test``,
    ``computed``, ``reason``; and, where ``result`` has them (``compare_view``), ``estimate_kind``,
    ``p_adjusted``, ``correction``, ``n_tests``, ``sd_warning``, ``p_descriptive`` (False on the
    other row) and ``p_note``.
    """
    rows = result[result["test"] == test].reset_index(drop=True)
    shared = ["diff", "se", "ci_low", "ci_high", "hedges_g", "p", "test", "computed", "reason"]
    extra = [c for c in ("estimate_kind", "p_adjusted", "correction", "n_tests", "sd_warning", "p_descriptive",
                         "p_note") if c in rows]
    blank = {"estimate_kind": "", "p_adjusted": np.nan, "correction": "", "n_tests": 0, "sd_warning": "",
             "p_descriptive": False, "p_note": ""}
    sides = []
    for side in ("a", "b"):
        part = rows[["month", f"group_{side}", f"n_{side}", f"mean_{side}", f"sd_{side}"]].rename(
            columns={f"group_{side}": "group", f"n_{side}": "n", f"mean_{side}": "mean", f"sd_{side}": "sd"})
        cells = rows[shared + extra] if side == "a" else pd.DataFrame({
            **{c: np.nan for c in shared}, "test": "", "computed": rows["computed"], "reason": "",
            **{c: blank[c] for c in extra}}, index=rows.index)
        sides.append(part.join(cells).assign(_side=0 if side == "a" else 1))
    table = pd.concat(sides, ignore_index=True)
    keys = ["month", "group"] if "month" in summary else ["group"]
    quartiles = summary[[*keys, "median", "q1", "q3"]].assign(group=summary["group"].astype(str))
    table = (table.assign(group=table["group"].astype(str), n=table["n"].astype("int64"))
             .merge(quartiles, on=keys, how="left")
             .sort_values(["month", "_side"], kind="stable", na_position="first", ignore_index=True))
    table = table.assign(label=[group_label(grouping, g) for g in table["group"]], small_n=table["n"] < SMALL_N)
    return table[["month", "group", "label", "n", "mean", "sd", "median", "q1", "q3", "small_n", *shared, *extra]]


def default_test(*, measure: str, grouping: str, groups: tuple[str, str], subset: str, published: bool) -> str:
    """The test a comparison shows unless asked otherwise: the paper's Student t where the view
    reproduces a printed table (``published`` and a matching ``published_prefix``), else Welch t,
    which does not assume equal SDs. Returns a ``TESTS`` value (``TESTS_BY_NAME`` gives its URL key)."""
    if published and published_prefix(measure=measure, grouping=grouping, groups=tuple(groups), subset=subset,
                                      test=STUDENT_T) is not None:
        return STUDENT_T
    return WELCH_T


def compare_view(cohort: Cohort, rules: GradingRules = PAPER_RULES, *, measure: str,
                 grouping: Grouping = "genotype_group", groups: tuple[str, str] = ("SLR/NR", "MaR"),
                 months: Sequence[int] = PAPER_MONTHS, subset: Subset = "analysed",
                 patient_ids: pd.Index | Sequence[str] | None = None,
                 sets: tuple[Sequence[str], Sequence[str]] | None = None, test: str | None = None,
                 published: bool = False, patients: pd.DataFrame | None = None,
                 correction: Correction | None = "holm") -> Comparison:
    """Everything the Comparisons page shows for one choice (see ``Comparison``).

    ``cohort`` is the whole cohort (groups are decided on it); ``patient_ids`` restricts to the
    filtered patients. With ``published`` (``views.context.ViewContext.paper_applies``) and a choice that matches
    a printed table, the published columns are filled (``with_published``).

    ``test`` None takes ``default_test``: Welch t, or the paper's Student t where the view
    reproduces a printed table. ``correction`` (Holm by default; None for none) adjusts the P
    values of each test across the months shown (``stats.multiplicity.adjust_family``:
    ``p_adjusted``, ``correction``, ``n_tests``, the "k tests" of the view). Every row says whether
    its P is descriptive because the groups are defined by the outcome
    (``analyses.groupings.with_p_reading``: ``p_descriptive``, ``p_note``), and the Student row
    warns when the SDs differ more than 2-fold (``sd_warning``).

    Raises
    ------
    ValueError
        Unknown measure or test; the two genotype sets overlap; ``groups`` are equal.
    """
    test = test or default_test(measure=measure, grouping=grouping, groups=tuple(groups), subset=subset,
                                published=published)
    if test not in TESTS.values():
        raise ValueError(f"test: {test!r} is not one of {', '.join(TESTS.values())}")
    if measure not in VISIT_MEASURES and measure not in PATIENT_MEASURES:
        raise ValueError(f"measure: {measure!r} is not one of {', '.join([*VISIT_MEASURES, *PATIENT_MEASURES])}")
    table = patient_table(cohort, rules) if patients is None else patients
    values = grouped_values(cohort, table, measure=measure, grouping=grouping, groups=tuple(groups), months=months,
                            subset=subset, patient_ids=patient_ids, sets=sets)
    by = "month" if "month" in values else None
    # compare_groups on the values compare_measure would select (tests check they agree); a
    # per-patient measure has one comparison, at month NaN as in compare_measure.
    result = compare_groups(values, value=measure, group="group", a=groups[0], b=groups[1], by=by)
    result = result.assign(month=np.nan) if by is None else result
    result = with_p_reading(result, grouping=grouping, measure=measure)
    if correction is not None:
        result = adjust_family(result, method=correction)
    summary = group_summary(values, value=measure, group="group", by=by)
    layout = paper_layout(result, summary, test=test, grouping=grouping)
    prefix = published_prefix(measure=measure, grouping=grouping, groups=tuple(groups), subset=subset,
                              test=test) if published else None
    column = _CHART_COLUMN.get(grouping, grouping)
    if by is None:
        means = pd.DataFrame(columns=[column, "month", "n", "mean", "ci_low", "ci_high"])
    else:
        means = trajectory_means(values, measure=measure, by="group")  # few rows: label them afterwards
        labels = [group_label(grouping, g) for g in means["group"]]
        means = means.drop(columns="group").assign(**{column: labels})
    return Comparison(table=with_published(layout, prefix), result=result, means=means, chart_group=column)


@lru_cache(maxsize=1)
def _printings() -> pd.DataFrame:
    """One printing per fact, a table's before the text's, with its contradiction id."""
    numbers = published_numbers()
    ranked = numbers.assign(_rank=~numbers["source"].str.startswith("Table"))
    first = ranked.sort_values("_rank", kind="stable").drop_duplicates("fact").set_index("fact")
    shown = first["value"].str.replace(r"^<\s*", "< ", regex=True)
    return pd.DataFrame({"printed": shown, "contradiction": first["contradiction"]}, index=first.index)


def contradiction_notes(ids: pd.Series) -> pd.DataFrame:
    """``id``, ``title`` of each documented contradiction named in ``ids`` (a ``contradiction`` column)."""
    named = {c for text in ids for c in str(text).split(", ") if c}
    found = contradictions()
    return found.loc[found["id"].isin(named), ["id", "title"]].reset_index(drop=True)


def _published_columns(table: pd.DataFrame, keys: list[list[str | None]], fields: Sequence[str]) -> pd.DataFrame:
    """``published_<field>`` (printed text or ""), ``contradiction``, ``contradicted`` and
    ``published_status`` per row (see ``with_published``)."""
    printings = _printings()
    columns: dict[str, list[str]] = {f"published_{f}": [] for f in fields}
    notes, cells, status = [], [], []
    for i, row_keys in enumerate(keys):
        row_notes, row_cells, verdicts = [], [], []
        for field, fact in zip(fields, row_keys, strict=True):
            hit = fact is not None and fact in printings.index
            printed = printings.at[fact, "printed"] if hit else ""
            columns[f"published_{field}"].append(printed)
            note = printings.at[fact, "contradiction"] if hit else ""
            if note:  # a contradicted cell cannot be reproduced together with the rest: not judged
                row_cells.append(field)
                row_notes += [] if note in row_notes else [note]
            elif hit:
                verdicts.append(prints_as(table[field].iat[i], printed))
        notes.append(", ".join(row_notes))
        cells.append(", ".join(row_cells))
        status.append("differs" if not all(verdicts) else
                      "reproduced except documented contradiction" if row_notes and verdicts else
                      "documented contradiction" if row_notes else "reproduced" if verdicts else "")
    return table.assign(**columns, contradiction=notes, contradicted=cells, published_status=status)


def marked_published(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each printed value under a documented contradiction marked, as "81.79 †"."""
    fields = [c.removeprefix("published_") for c in table.columns
              if c.startswith("published_") and c != "published_status"]
    cells = [text.split(", ") for text in table["contradicted"]]
    marked = {f"published_{f}": [f"{v} †" if f in c else v
                                  for v, c in zip(table[f"published_{f}"], cells, strict=True)] for f in fields}
    return table.assign(**marked)


_CMP_FIELDS = ("n", "mean", "sd", "diff", "se", "p")


def with_published(table: pd.DataFrame, prefix: str | None) -> pd.DataFrame:
    """``table`` (``paper_layout``) plus ``published_n`` … ``published_p`` (printed text, "" where
    the paper prints none), ``contradiction`` (ids, "C1, C3", of the documented contradictions its
    printed cells belong to; titles from ``contradiction_notes``), ``contradicted`` (the fields
    whose printed value is under one, e.g. "mean, diff") and ``published_status``: "reproduced"
    (every printed cell of the row prints as published), "reproduced except documented
    contradiction" (every cell not under one does), "documented contradiction" (all its printed
    cells are under one), "differs" (a cell not under one does not print as published), or ""."""
    keys = []
    for month, group, first in zip(table["month"], table["group"], table["test"] != "", strict=True):
        base = None if prefix is None or pd.isna(month) else f"{prefix}.m{int(month)}"
        keys.append([None if base is None else f"{base}.{group}.{f}" if f in ("n", "mean", "sd")
                     else f"{base}.{f}" if first else None for f in _CMP_FIELDS])
    return _published_columns(table, keys, _CMP_FIELDS)


def paired_view(cohort: Cohort, *, measure: str = "sf_ng_ml", pairs: Sequence[tuple[int, int]] = PAPER_SF_PAIRS,
                correction: str | None = "holm", published: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 9 for the analysed (not withdrawn) patients of ``cohort``: ``(table, result)``.

    ``result`` is ``stats.paired_change`` output (for ``charts.paired_change_chart``), the same
    numbers as ``analysis.paired_ferritin`` for these patients; pass the filtered cohort itself
    rather than patient ids, so that no million-row id lookup is needed.

    ``correction``: Holm by default across the pairs shown, per test (None for none).

    ``table`` has one row per pair: ``time_i``, ``time_j``, ``n`` (patients with both visits),
    ``n_dropped`` (patients missing either), ``mean_i``, ``mean_j``, ``diff`` (mean of I − J),
    ``sd_diff``, ``se``, ``ci_low``, ``ci_high``, ``p`` and ``p_adjusted`` (paired t),
    ``median_diff``, ``p_wilcoxon`` and ``p_wilcoxon_adjusted``, ``correction``, ``reason`` (paired
    t) and ``reason_wilcoxon`` ("" when computed), ``small_n``; then ``published_diff``/``se``/``p``,
    ``contradiction``, ``contradicted`` and ``published_status`` as in ``with_published`` (filled
    with ``published`` for serum ferritin, the only measure of Table 9).
    """
    visits = cohort.analysed
    result = paired_change(visits, value=measure, subject="patient_id", time="month", pairs=list(pairs),
                           correction=correction).assign(measure=measure, subset="analysed")
    t = result[result["test"] == PAIRED_T].reset_index(drop=True)
    w = result[result["test"] == WILCOXON].reset_index(drop=True)
    out = t[["time_i", "time_j", "n", "n_dropped", "mean_i", "mean_j", "diff", "sd_diff", "se", "ci_low",
             "ci_high", "p", "p_adjusted", "median_diff"]].assign(
        p_wilcoxon=w["p"], p_wilcoxon_adjusted=w["p_adjusted"], correction=t["correction"], reason=t["reason"],
        reason_wilcoxon=w["reason"], small_n=t["small_n"])
    base = f"paired.analysed.{measure}" if published else None
    keys = [[None if base is None else f"{base}.m{int(i)}-m{int(j)}.{f}" for f in ("diff", "se", "p")]
            for i, j in zip(out["time_i"], out["time_j"], strict=True)]
    return _published_columns(out, keys, ("diff", "se", "p")), result


def with_baselines(patients: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """``patients`` plus ``sf_baseline`` (serum ferritin at month 0, NaN without that visit)."""
    baseline = cohort.visits.loc[(cohort.visits["month"] == 0).to_numpy(), ["patient_id", "sf_ng_ml"]]
    where = pd.Index(baseline["patient_id"]).get_indexer(patients["patient_id"])
    values = np.append(baseline["sf_ng_ml"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    return patients.assign(sf_baseline=values[where])  # position -1 (no baseline visit) takes the NaN


def correlation_view(cohort: Cohort, rules: GradingRules = PAPER_RULES, *, x: str = "hbf_baseline",
                     y: str = "hb_rise", patient_ids: pd.Index | Sequence[str] | None = None,
                     published: bool = False, patients: pd.DataFrame | None = None,
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fig. 3: ``(points, result)`` of ``analysis.baseline_hbf_vs_rise`` for any two ``CORRELATES``.

    ``result`` (``stats.correlation``: Pearson then Spearman) gains ``published_p`` (Fig. 3's P on
    the Pearson row for baseline HbF vs Hb rise when ``published``, else ""), ``contradiction``,
    ``contradicted`` and ``published_status``.

    Raises
    ------
    ValueError
        ``x`` or ``y`` is not one of ``CORRELATES``, or both are the same.
    """
    for name in (x, y):
        if name not in CORRELATES:
            raise ValueError(f"{name!r} is not a per-patient variable offered ({', '.join(CORRELATES)})")
    if x == y:
        raise ValueError(f"{CORRELATES[x]} is on both axes; choose two different variables")
    table = _only(patient_table(cohort, rules) if patients is None else patients, patient_ids)
    points, result = baseline_hbf_vs_rise(cohort, rules, x=x, y=y, patients=with_baselines(table, cohort))
    fig3 = published and (x, y) == ("hbf_baseline", "hb_rise")
    keys = [[f"corr.analysed.hbf_pct.m0.hb_rise.m{rules.window_months}.pearson.p"
             if fig3 and method == PEARSON else None] for method in result["method"]]
    return points, _published_columns(result, keys, ("p",))
