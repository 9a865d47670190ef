"""Per-patient transfusion facts: window totals, reductions, transfusion-free tails, independence.

Everything here works on a patients × months matrix built once from the long visits frame
(``visit_panel``), so a million patients cost a few numpy reductions, never a Python loop.

How missing data is treated (the contract: ``rbc_units`` at a visit counts the red-cell units
given *since the previous visit*):

- A window total (``units_in_window``) is known only when the patient has a visit at every study
  month (``schema.STUDY_MONTHS``) in ``(0, W]`` and no visit in ``(0, W]`` has a missing
  ``rbc_units``. Strictly, the "since the previous visit" rule would let a later visit cover a
  missing one, but a missing row far more often means lost data than a skipped visit, and an
  undercounted total would look like a response; such patients are "not evaluable" instead.
- "Transfused in the last F months" looks at visits with ``S < month ≤ W``, where S is the last
  study month at or before ``W − F`` (``tail_start``: whole visit intervals only): any positive
  ``rbc_units`` there is ``True`` (whatever else is missing); all zero with every study month of
  that range present is ``False``; anything else is ``<NA>`` (not evaluable).
- The transfusion-independence month is the smallest visit month ``m ≥ 1`` after which every
  later visit has ``rbc_units == 0``. It needs at least ``ti_min_visits`` later visits (the
  paper: one; no later visit proves nothing; ``GradingRules.ti_min_free_visits``) and every later
  ``rbc_units`` recorded: a missing value after the candidate month makes it not evaluable, never 0.
  A patient never transfused, before enrolment (``pre_rbc_units_24m`` = 0) or after, was never
  dependent: no month, status "never transfused".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.grading.panel import VisitPanel, cohort_panel, visit_panel
from thaldash.data.coded_text import Coded, constant, render_groups, select
from thaldash.data.schema import STUDY_MONTHS
from thaldash.grading.rules import tail_start


NEVER_TRANSFUSED = "never transfused"
"""``ti_status`` of a patient with no transfusion before enrolment (``pre_rbc_units_24m`` = 0) nor
after: never dependent, so without a transfusion-independence month."""

_MAYBE_NEVER = ("not evaluable: no transfusion before enrolment and rbc_units missing after baseline, so "
                "whether the patient was ever transfused is unknown")

# Tolerance of threshold comparisons: in binary floating point 100.1 − 80.1 is 19.999999999999986,
# which must grade as a rise of exactly 20 g/L.
EPS = 1e-9


def _window_gaps(panel: VisitPanel, low: float, high: int) -> tuple[np.ndarray, Coded]:
    """Patients whose ``rbc_units`` over visits in (low, high] are incomplete, and why."""
    units = panel.values["rbc_units"]
    n = len(units)
    masks, months = [], []
    for m in sorted({*panel.months.tolist(), *STUDY_MONTHS}):
        if not low < m <= high:
            continue
        j = panel.column(m)
        is_absent = (np.ones(n, bool) if j is None else ~panel.present[:, j]) \
            if m in STUDY_MONTHS else np.zeros(n, bool)
        is_nan = np.zeros(n, bool) if j is None else panel.present[:, j] & np.isnan(units[:, j])
        masks.append(is_absent.astype(np.int8) + 2 * is_nan.astype(np.int8))  # 0 fine, 1 no visit, 2 value missing
        months.append(m)
    if not months:
        return np.zeros(n, bool), constant("", n)

    def render(*states: int) -> str:
        absent = [str(m) for m, s in zip(months, states) if s == 1]
        empty = [str(m) for m, s in zip(months, states) if s == 2]
        word = lambda ms: ("month " if len(ms) == 1 else "months ") + ", ".join(ms)
        return "; ".join([*(["no visit at " + word(absent)] if absent else []),
                          *(["rbc_units missing at " + word(empty)] if empty else [])])

    incomplete = np.any(np.stack(masks) > 0, axis=0)
    return incomplete, render_groups(masks, render)


@dataclass(frozen=True, eq=False)
class TransfusionArrays:
    """The facts of ``transfusion_facts`` as arrays, reasons kept coded (see ``coded_text``)."""

    pre: np.ndarray
    units_in_window: np.ndarray
    expected: np.ndarray
    reduction: np.ndarray
    reduction_problem: Coded
    transfused: np.ndarray  # 0 no, 1 yes, 2 not evaluable
    last_months_problem: Coded
    ti_month: np.ndarray
    ti_status: Coded
    ever: np.ndarray  # 0 no, 1 yes, 2 unknown
    new_need: np.ndarray  # transfused in the last months after none in the 24 months before enrolment


def transfusion_arrays(panel: VisitPanel, *, window: int = 6, free_months: int = 3,
                       ti_min_visits: int = 1) -> TransfusionArrays:
    """Per-patient transfusion facts of ``panel`` as arrays (rows in ``panel.patients`` order)."""
    if not 1 <= free_months <= window:
        raise ValueError(f"free_months must be from 1 to the window ({window} months); got {free_months}.")
    if ti_min_visits < 1:
        raise ValueError(f"ti_min_visits must be at least 1 (one later transfusion-free visit); got {ti_min_visits}.")
    units = panel.values["rbc_units"]
    months = panel.months
    n = len(units)
    pre = pd.to_numeric(panel.patients["pre_rbc_units_24m"]).to_numpy(dtype=float, na_value=np.nan) \
        if "pre_rbc_units_24m" in panel.patients else np.full(n, np.nan)

    in_window = (months > 0) & (months <= window)
    gap, gap_reason = _window_gaps(panel, 0, window)
    units_in_window = np.where(gap, np.nan, _row_sums(units, in_window))
    expected = pre * window / 24
    with np.errstate(divide="ignore", invalid="ignore"):
        reduction = np.where(expected > 0, 100 * (1 - units_in_window / expected), np.nan)
    reduction_problem = select(
        [~np.isnan(reduction), pre == 0, np.isnan(pre)],
        [constant("", n),
         constant("no transfusion in the 24 months before enrolment (pre_rbc_units_24m = 0), "
                  "so a reduction is undefined", n),
         constant("pre_rbc_units_24m is missing", n)],
        gap_reason)

    start = tail_start(window, free_months)
    tail = (months > start) & (months <= window)
    positive = (units > 0)[:, tail].any(axis=1)  # a grid of booleans sliced, not of floats
    tail_gap, tail_reason = _window_gaps(panel, start, window)
    transfused = np.where(positive, 1, np.where(tail_gap, 2, 0))
    last_months_problem = select([transfused == 2], [tail_reason], constant("", n))

    # Each patients × months grid is let go as soon as its rows are summarised (a million patients: 7 MiB a grid).
    seen_after = panel.present & (months >= 1)
    pos = seen_after & (units > 0)
    any_pos = pos.any(axis=1)
    last_pos = len(months) - 1 - np.argmax(pos[:, ::-1], axis=1)
    del pos
    has_visit = seen_after.any(axis=1)
    candidate = np.where(any_pos, last_pos, np.argmax(seen_after, axis=1))
    del last_pos
    later = panel.present & (np.arange(len(months))[None, :] > candidate[:, None])  # visits after the candidate
    n_later = later.sum(axis=1)  # every later visit is free by the candidate's choice
    has_later = n_later >= ti_min_visits
    no_units = np.isnan(units)
    nan_later = (later & no_units).any(axis=1)
    del later
    unknown = (seen_after & no_units).any(axis=1) | ~has_visit
    del seen_after, no_units
    ever = np.where(any_pos, 1, np.where(unknown, 2, 0))
    # Never transfused, before enrolment or after: never dependent, so never "independent from month 1".
    never = (pre == 0) & (ever == 0)
    # With none before enrolment, a missing value after it is the only place a transfusion could be.
    maybe_never = (pre == 0) & (ever == 2) & has_visit
    independent = has_visit & has_later & ~nan_later & ~never & ~maybe_never
    ti_month = np.where(independent, months[candidate].astype(float), np.nan)
    status = np.select([~has_visit, never, maybe_never, independent, (n_later == 0) & any_pos, ~has_later,
                        nan_later], [0, 5, 6, 1, 2, 3, 4], 4)
    fixed = ("not evaluable: no visit after baseline", "independent", "still transfused at the last visit")

    def text(s: int, c: int, k: int) -> str:
        if s == 5:
            return NEVER_TRANSFUSED
        if s == 6:
            return _MAYBE_NEVER
        if s < 3:
            return fixed[s]
        if s == 4:
            return f"not evaluable: rbc_units missing after month {months[c]}"
        if k == 0:
            return f"not evaluable: no visit after month {months[c]}"
        return (f"not evaluable: only {k} visit{'s' if k > 1 else ''} after month {months[c]}; the rule needs "
                f"{ti_min_visits} later transfusion-free visits")

    short = (status == 3) | (status == 4)
    ti_status = render_groups([status, np.where(short, candidate, 0), np.where(status == 3, n_later, 0)], text)
    # No transfusion before enrolment and transfused on treatment: the need rose from nothing. The
    # reduction is undefined (a division by 0), but the patient plainly did not respond.
    new_need = (pre == 0) & (transfused == 1)
    return TransfusionArrays(pre, units_in_window, expected, reduction, reduction_problem, transfused,
                             last_months_problem, ti_month, ti_status, ever, new_need)


def _row_sums(values: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``np.nansum(values[:, columns], axis=1)``, a column at a time: no copy of the grid's columns, and none of
    that copy with NaN set to 0 (60 MiB at a million patients). Left to right, as nansum adds a few columns."""
    total = np.zeros(len(values))
    for j in np.flatnonzero(columns):
        column = values[:, j]
        total += np.where(np.isnan(column), 0.0, column)
    return total


def tristate(codes: np.ndarray) -> pd.arrays.BooleanArray:
    """0/1/2 codes as a nullable boolean array (2 → ``<NA>``)."""
    return pd.arrays.BooleanArray(codes == 1, codes == 2)


def transfusion_facts_from_panel(panel: VisitPanel, *, window: int = 6, free_months: int = 3,
                                 ti_min_visits: int = 1) -> pd.DataFrame:
    """``transfusion_facts`` on an already built panel (see there for the columns)."""
    if len(panel.patients) == 0:
        return _EMPTY_FACTS.copy()
    return _facts_frame(panel.patients, transfusion_arrays(panel, window=window, free_months=free_months,
                                                           ti_min_visits=ti_min_visits))


def _facts_frame(patients: pd.DataFrame, a: TransfusionArrays) -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": patients["patient_id"],
        "thal_type": patients["thal_type"] if "thal_type" in patients else pd.NA,
        "pre_rbc_units_24m": a.pre,
        "units_in_window": a.units_in_window,
        "expected_units_in_window": a.expected,
        "reduction_pct": a.reduction,
        "reduction_problem": a.reduction_problem.series(),
        "transfused_in_last_months": tristate(a.transfused),
        "last_months_problem": a.last_months_problem.series(),
        "ti_month": a.ti_month,
        "ti_status": a.ti_status.series(),
        "ever_transfused_after_baseline": tristate(a.ever),
    })


_EMPTY_FACTS = pd.DataFrame({
    "patient_id": pd.Series(dtype="str"), "thal_type": pd.Series(dtype="str"),
    **{c: pd.Series(dtype=float) for c in ("pre_rbc_units_24m", "units_in_window",
                                            "expected_units_in_window", "reduction_pct")},
    "reduction_problem": pd.Series(dtype="str"),
    "transfused_in_last_months": pd.Series(dtype="boolean"),
    "last_months_problem": pd.Series(dtype="str"),
    "ti_month": pd.Series(dtype=float), "ti_status": pd.Series(dtype="str"),
    "ever_transfused_after_baseline": pd.Series(dtype="boolean"),
})


def transfusion_facts(visits: Cohort | pd.DataFrame, *, window: int = 6, free_months: int = 3,
                      ti_min_visits: int = 1) -> pd.DataFrame:
    """One row of transfusion facts per patient of ``visits``.

    Parameters
    ----------
    visits
        A cohort (its analysed patients) or a long visits frame carrying ``thal_type`` and
        ``pre_rbc_units_24m`` (every patient of it, withdrawn included).
    window
        W, the observation window in months (the paper: 6).
    free_months
        F: no transfusion at visits with ``tail_start(W, F) < month ≤ W`` makes a patient untransfused.
    ti_min_visits
        Transfusion-free visits needed after the candidate month for transfusion independence (the
        paper: 1); ``GradingRules.ti_min_free_visits``.

    Returns
    -------
    DataFrame sorted by ``patient_id`` with columns

    - ``patient_id``, ``thal_type``, ``pre_rbc_units_24m``
    - ``units_in_window``: Σ ``rbc_units`` at visits ``0 < month ≤ W``; NaN when incomplete
    - ``expected_units_in_window``: ``pre_rbc_units_24m × W / 24``
    - ``reduction_pct``: ``100 × (1 − units_in_window / expected_units_in_window)``; NaN when
      either is missing or the expected total is 0
    - ``reduction_problem``: why ``reduction_pct`` is NaN ("" when it is not)
    - ``transfused_in_last_months``: boolean with ``<NA>`` when not evaluable
    - ``last_months_problem``: why it is ``<NA>`` ("" otherwise)
    - ``ti_month``: transfusion-independence month (float), NaN if never independent, never
      transfused or not evaluable
    - ``ti_status``: "independent", "never transfused" (``pre_rbc_units_24m`` = 0 and no
      transfusion after baseline), "still transfused at the last visit" or "not evaluable: …"
    - ``ever_transfused_after_baseline``: any ``rbc_units > 0`` after month 0 (``<NA>`` if unknown)
    """
    # Units only: a panel of Hb too would be 56 MiB more at a million patients, never read here.
    panel = (cohort_panel(visits, measures=("rbc_units",)) if isinstance(visits, Cohort)
             else visit_panel(visits, measures=("rbc_units",)))
    if len(panel.patients) == 0:
        return _EMPTY_FACTS.copy()
    arrays = transfusion_arrays(panel, window=window, free_months=free_months, ti_min_visits=ti_min_visits)
    patients = panel.patients
    del panel  # the units grid (50 MiB at a million patients) is not needed to lay the facts out
    return _facts_frame(patients, arrays)
