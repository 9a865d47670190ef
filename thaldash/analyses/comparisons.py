"""The paper's statistics tables for any cohort, with the published numbers beside them when they apply.

- ``compare_view``: two groups compared by month (Tables 4–7 and 10 layout: time, group, case (n),
  average value, SD, mean difference, SE, P) plus median/IQR, 95% CI, Hedges' g and the group
  means for the chart;
(Within-patient change and correlation are ``analyses.change``'s.)

Patients and groups are chosen with ``thaldash.analyses.patients`` (groups decided on the whole cohort) and
the statistics are ``thaldash.stats``'s, so the numbers are those of ``analysis.compare_measure``
(the reproduction report's; tests check it); the
values are joined by position, not by merging a million id strings. Printed numbers are judged by
``analyses.published_cells.published_columns``. Nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.analyses.patients import (
    PAPER_MONTHS,
    PATIENT_MEASURES,
    VISIT_MEASURES,
    Grouping,
    Subset,
    group_column,
    only_patients,
    subset_patients,
    visits_with_group,
)
from thaldash.data.cohort import Cohort
from thaldash.analyses.published_cells import published_columns
from thaldash.published.numbers import published_numbers
from thaldash.data.schema import MAR_GROUP, OTHER_GROUP, TIERS
from thaldash.stats import (
    MANN_WHITNEY,
    SMALL_N,
    STUDENT_T,
    WELCH_T,
    compare_groups,
    group_summary,
)
from thaldash.analyses.groupings import with_p_reading
from thaldash.analyses.trajectories import trajectory_means
from thaldash.stats.multiplicity import Correction, adjust_family

TESTS: dict[str, str] = {"student": STUDENT_T, "welch": WELCH_T, "mann_whitney": MANN_WHITNEY}
"""URL value → test name (``thaldash.stats``); Student t is the paper's, Welch t the default elsewhere
(``default_test``)."""
TESTS_BY_NAME: dict[str, str] = {name: key for key, name in TESTS.items()}
SUBSETS: dict[str, str] = {"analysed": "All analysed", "TDT": "TDT only", "NTDT": "NTDT only"}
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
    chosen = subset_patients(only_patients(patients, patient_ids), subset)
    chosen = chosen.assign(group=group_column(chosen, grouping, sets))
    chosen = chosen[chosen["group"].isin(list(groups)).to_numpy()]
    if measure in PATIENT_MEASURES:
        return chosen[["patient_id", "group", measure]].reset_index(drop=True)
    return visits_with_group(cohort, chosen, months, measure)


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


def compare_view(cohort: Cohort, patients: pd.DataFrame, *, measure: str,
                 grouping: Grouping = "genotype_group", groups: tuple[str, str] = ("SLR/NR", "MaR"),
                 months: Sequence[int] = PAPER_MONTHS, subset: Subset = "analysed",
                 patient_ids: pd.Index | Sequence[str] | None = None,
                 sets: tuple[Sequence[str], Sequence[str]] | None = None, test: str | None = None,
                 published: bool = False, correction: Correction | None = "holm") -> Comparison:
    """Everything the Comparisons page shows for one choice (see ``Comparison``).

    ``cohort`` is the whole cohort (its visits are compared); ``patients`` is its
    ``analyses.patients.patient_table(cohort, rules)`` (groups are decided on it, under the
    caller's rules); ``patient_ids`` restricts to the filtered patients. With ``published``
    (``views.context.ViewContext.paper_applies``) and a choice that matches a printed table, the
    published columns are filled (``with_published``).

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
    values = grouped_values(cohort, patients, measure=measure, grouping=grouping, groups=tuple(groups), months=months,
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
    return published_columns(table, keys, _CMP_FIELDS)
