"""Measures over follow-up time: means with CIs per month, data completeness, individual lines.

Every function groups the long visits frame once (no per-patient Python), so a cohort of a
million patients × 7 visits costs a few vectorised passes. Charts receive what these return,
never the visits themselves; per-patient rows reach a chart only through ``cap_patients``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.data.schema import MEASURES, STUDY_MONTHS
from thaldash.data.validation_text import small_int_type
from thaldash.stats.inputs import CONFIDENCE, SMALL_N, as_list, numeric_values, require_columns
from thaldash.stats.summary import group_statistics

Status = Literal["value", "missing value", "no visit"]
STATUSES: tuple[str, ...] = ("value", "missing value", "no visit")

MEAN = "mean"
GEOMETRIC_MEAN = "geometric mean"

TRAJECTORY_COLUMNS: tuple[str, ...] = (
    "month", "n", "n_rows", "n_excluded", "mean", "sd", "se", "ci_low", "ci_high", "estimate",
    "computed", "reason", "small_n",
)


def trajectory_means(visits: pd.DataFrame, *, measure: str, by: Hashable | Sequence[Hashable] | None = None,
                     log: bool = False) -> pd.DataFrame:
    """Mean of ``measure`` with its t-based 95% CI per (group, month).

    Parameters
    ----------
    visits
        Long visits frame (one row per patient per visit). Not modified.
    measure
        Numeric column, e.g. ``"hb_g_l"``; NaN is missing.
    by
        Optional grouping column(s), e.g. ``"genotype_group"``; rows with a missing group are
        left out.
    log
        Summarise on the natural-log scale and back-transform: ``mean`` is then the geometric
        mean and the interval its back-transformed CI (right for skewed values such as ferritin).
        Values ≤ 0 have no logarithm; they are left out and counted in ``n_excluded``.

    Returns
    -------
    One row per observed (group, month), sorted:

    - the ``by`` column(s), ``month``
    - ``n``: values used; ``n_rows``: visits (including missing values);
      ``n_excluded``: values ≤ 0 left out on the log scale (0 when ``log`` is False)
    - ``mean``: arithmetic mean, or geometric mean ``exp(mean(ln x))``
    - ``sd``, ``se``: SD (ddof = 1) and SE = SD/√n — of the values, or of ln(values) when
      ``log`` (so ``exp(sd)`` is the geometric SD factor)
    - ``ci_low``, ``ci_high``: ``mean ± t(0.975, n − 1)·se`` (``scipy.stats.t.ppf``), on the
      log scale and exponentiated when ``log``
    - ``estimate``: "mean" or "geometric mean"
    - ``computed``: False when the interval is undefined; ``reason``: "" or "not computed: …"
      (n < 2, or all values equal so the SD is 0). ``mean`` is kept for n = 1 (it is the value);
      ``sd``, ``se`` and the interval are NaN whenever ``computed`` is False.
    - ``small_n``: n < 5 (``stats.SMALL_N``), flagged as on the other pages: an interval from so
      few values is wide and fragile

    Raises
    ------
    ValueError
        A column is missing or ``measure`` is not numeric.
    """
    keys = [*as_list(by), "month"]
    require_columns(visits, [*keys, measure])
    values = numeric_values(visits, measure)
    bad = np.zeros(len(values), dtype=bool)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            bad = values <= 0
            values = np.where(bad, np.nan, values)
            np.log(values, out=values)  # in place: one copy of 7 million values, not two
    agg = group_statistics(visits, keys, values, median=False, tallies={"n_excluded": bad})
    n = agg["n"].to_numpy(dtype=np.int64)
    flat = (n >= 2) & (agg["min"].to_numpy() == agg["max"].to_numpy())
    ok = (n >= 2) & ~flat
    sd = np.where(ok, agg["sd"].to_numpy(), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = sd / np.sqrt(n)
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, np.where(ok, n - 1, np.nan)) * se
    centre = agg["mean"].to_numpy()
    low, high = centre - half, centre + half
    if log:
        centre, low, high = np.exp(centre), np.exp(low), np.exp(high)
    reason = np.select(
        [n == 0, n == 1, flat],
        ["not computed: no values" + (" above 0" if log else ""),
         "not computed: only 1 value (need ≥ 2 for a confidence interval)",
         "not computed: all values are equal (SD 0), so there is no interval"], "")
    out = agg[keys].assign(
        n=n, n_rows=agg["n_rows"].to_numpy(dtype=np.int64),
        n_excluded=agg["n_excluded"].to_numpy(dtype=np.int64), mean=centre, sd=sd, se=se,
        ci_low=low, ci_high=high, estimate=GEOMETRIC_MEAN if log else MEAN, computed=ok,
        reason=reason, small_n=n < SMALL_N)
    return out.astype({"estimate": "str", "reason": "str"})


@dataclass(frozen=True, eq=False)
class Completeness:
    """Which expected values exist.

    Attributes
    ----------
    detail
        One row per patient × expected month: ``patient_id``, the ``by`` column(s), ``month``,
        and one categorical status column per measure (named after it) with values "value",
        "missing value" (visit present, value NaN) or "no visit" (no row for that month).
        Visits at months outside the expected schedule are not in it.
    summary
        One row per measure × month: ``measure``, ``month``, ``n_expected`` (patients),
        ``n_visit``, ``n_value``, ``pct_visit``, ``pct_value`` (100 × n / n_expected).
    """

    detail: pd.DataFrame
    summary: pd.DataFrame


def completeness(visits: pd.DataFrame, *, expected_months: Sequence[int] = STUDY_MONTHS,
                 measures: Sequence[str] = MEASURES, by: Hashable | Sequence[Hashable] | None = None,
                 with_detail: bool = True) -> Completeness:
    """Status of every expected (patient, month, measure) and counts per month.

    Every patient with at least one row is expected at every month of ``expected_months``;
    pass the visits of the population you mean (e.g. ``cohort.analysed``). Without ``with_detail`` the
    detail has its columns and no rows (the counts alone: at a million patients the detail is 7 million
    rows of text; ``completeness_sample`` draws the patients a map shows).
    """
    by_cols = as_list(by)
    require_columns(visits, ["patient_id", "month", *by_cols, *measures])
    months = np.asarray(sorted(set(expected_months)), dtype=np.int64)
    # Codes in the smallest types that hold them (a million patients' 7 million visits: a patient code, a
    # month code and a cell index of 4, 1 and 4 bytes a visit, not 8 each; the call's peak 221 -> 130 MiB).
    pid, ids = pd.factorize(visits["patient_id"], sort=True)
    n_pat, n_mon = len(ids), len(months)
    cell_type = small_int_type(n_pat * max(n_mon, 1))
    pid = pid.astype(cell_type, copy=False)
    month = visits["month"].to_numpy()
    if not (np.issubdtype(month.dtype, np.integer) and len(months)
            and np.iinfo(month.dtype).min <= months[0] and months[-1] <= np.iinfo(month.dtype).max):
        month = month.astype(np.int64)
    schedule = months.astype(month.dtype)
    col = np.searchsorted(schedule, month)
    np.minimum(col, n_mon - 1, out=col)
    col = col.astype(small_int_type(n_mon), copy=False)
    on_schedule = schedule[col] == month if n_mon else np.zeros(len(col), dtype=bool)
    del month
    flat = pid[on_schedule] * cell_type(n_mon) + col[on_schedule]
    shown = n_pat if with_detail else 0
    detail = pd.DataFrame({"patient_id": np.repeat(ids.to_numpy()[:shown], n_mon)}).astype({"patient_id": "str"})
    if by_cols:
        first = np.unique(pid, return_index=True)[1][:shown]  # pid codes are 0..n−1 in sorted id order
        groups = visits[by_cols].iloc[first].reset_index(drop=True)
        detail = pd.concat([detail, groups.loc[groups.index.repeat(n_mon)].reset_index(drop=True)], axis=1)
    detail = detail.assign(month=np.tile(months, shown))
    rows = []
    for measure in measures:  # a handful of measures, each a vectorised pass
        code = np.full(n_pat * n_mon, 2, dtype=np.int8)  # 2 = no visit
        value_missing = np.isnan(numeric_values(visits, measure)[on_schedule])
        code[flat] = np.where(value_missing, 1, 0)
        if with_detail:
            detail = detail.assign(**{measure: pd.Categorical.from_codes(code, categories=list(STATUSES))})
        else:
            detail = detail.assign(**{measure: pd.Categorical([], categories=list(STATUSES))})
        # Per month, patients of each status: one byte a cell compared three times, not a grid of int64 cells.
        grid = code.reshape(n_pat, n_mon)
        counts = np.stack([(grid == status).sum(axis=0) for status in range(3)], axis=1).reshape(n_mon, 3)
        del grid
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = 100 * counts / n_pat if n_pat else np.full(counts.shape, np.nan)
        rows.append(pd.DataFrame({
            "measure": measure, "month": months, "n_expected": n_pat,
            "n_visit": counts[:, 0] + counts[:, 1], "n_value": counts[:, 0],
            "pct_visit": pct[:, 0] + pct[:, 1], "pct_value": pct[:, 0]}))
    summary = (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["measure", "month", "n_expected", "n_visit", "n_value", "pct_visit", "pct_value"]))
    return Completeness(detail=detail, summary=summary.astype({"measure": "str"}))


@dataclass(frozen=True, eq=False)
class PatientRows:
    """Per-patient rows for a chart, limited to a sample of patients.

    Attributes
    ----------
    rows
        The rows of the sampled patients (all of them when not capped).
    n_patients
        Patients available; ``n_shown``: patients in ``rows``.
    """

    rows: pd.DataFrame
    n_patients: int
    n_shown: int

    @property
    def capped(self) -> bool:
        """True when some patients were left out."""
        return self.n_shown < self.n_patients

    @property
    def note(self) -> str:
        """A caption: "all 48 patients" or "a random 400 of 1,000,000 patients (fixed seed)"."""
        if self.capped:
            return f"a random {self.n_shown:,} of {self.n_patients:,} patients (fixed seed)"
        return f"all {self.n_patients:,} patients"


def cap_patients(frame: pd.DataFrame, *, max_patients: int = 400, seed: int = 0,
                 max_rows: int | None = None) -> PatientRows:
    """Keep the rows of at most ``max_patients`` patients, drawn at random with a fixed seed.

    A random draw rather than the first ids, because ids often follow enrolment order or
    genotype; the fixed seed makes the same file give the same picture every time. With
    ``max_rows``, patients are also dropped (the last drawn first) until their rows fit: patients
    seen monthly for years have many rows each, so a patient count alone does not bound a chart.
    """
    require_columns(frame, ["patient_id"])
    codes, ids = pd.factorize(frame["patient_id"])
    n = len(ids)
    fits = max_rows is None or len(frame) <= max_rows
    if n <= max_patients and fits:
        return PatientRows(frame, n, n)
    drawn = draw_patients(n, max_patients=max_patients, seed=seed)
    if max_rows is not None:
        rows_each = np.bincount(codes[codes >= 0], minlength=n)[drawn]
        drawn = drawn[:int(np.searchsorted(np.cumsum(rows_each), max_rows, side="right"))]
    chosen = np.zeros(n, dtype=bool)
    chosen[drawn] = True
    return PatientRows(frame[chosen[codes]], n, len(drawn))


def draw_patients(n: int, *, max_patients: int, seed: int = 0) -> np.ndarray:
    """Positions (of ``n`` patients in their order) of the ones ``cap_patients`` keeps, in the order drawn.

    For callers that draw patients before building their rows (a chart of 60 patients of a million).
    """
    rng = np.random.default_rng(seed)
    return rng.choice(n, size=max_patients, replace=False) if n > max_patients else rng.permutation(n)


def completeness_sample(visits: pd.DataFrame, *, expected_months: Sequence[int] = STUDY_MONTHS,
                        measures: Sequence[str] = MEASURES, max_patients: int = 400, seed: int = 0) -> PatientRows:
    """``cap_patients(completeness(visits, ...).detail, max_patients=..., seed=...)``, the same patients drawn,
    without the detail of every patient first (7 million rows at a million patients, for a map of 100)."""
    require_columns(visits, ["patient_id"])
    codes, ids = pd.factorize(visits["patient_id"], sort=True)  # the detail's patients, in its order
    n = len(ids)
    if n <= max_patients:
        return PatientRows(completeness(visits, expected_months=expected_months, measures=measures).detail, n, n)
    # The same draw as cap_patients on the detail's patients, then their visits found by code: a lookup by text
    # (isin) builds pandas' hash table on the cohort's million ids, 62 MiB kept for the cohort's life.
    chosen = np.zeros(n, dtype=bool)
    chosen[draw_patients(n, max_patients=max_patients, seed=seed)] = True
    keep = np.zeros(len(codes), dtype=bool)
    keep[codes >= 0] = chosen[codes[codes >= 0]]
    detail = completeness(visits[keep], expected_months=expected_months, measures=measures).detail
    return PatientRows(detail, n, max_patients)


def individual_lines(visits: pd.DataFrame, *, measure: str, by: Hashable | Sequence[Hashable] | None = None,
                     max_patients: int = 400, seed: int = 0, max_rows: int | None = None) -> PatientRows:
    """Per-patient values of ``measure`` over time for thin lines behind a mean.

    Returns ``PatientRows`` whose rows have ``patient_id``, the ``by`` column(s), ``month`` and
    ``measure``; rows with a missing value are dropped (a line simply skips them).
    """
    by_cols = as_list(by)
    require_columns(visits, ["patient_id", "month", *by_cols, measure])
    rows = visits.loc[visits[measure].notna(), ["patient_id", *by_cols, "month", measure]]
    return cap_patients(rows, max_patients=max_patients, seed=seed, max_rows=max_rows)
