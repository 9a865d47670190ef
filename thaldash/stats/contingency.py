"""Tests of association in contingency tables: Fisher–Freeman–Halton (R×C), Fisher (2×2) and Pearson χ².

Why: the paper claims genotype predicts transfusion independence (TI) among its 34 TDT
patients — a genotype × TI table with ~14 sparse columns, where a χ² test is invalid and only
a test conditional on the margins is honest.

``fisher_freeman_halton`` orders tables by their hypergeometric probability, as R's
``fisher.test`` does: the P value is the total probability of the tables, with the observed
margins, that are no more probable than the observed one (relative tolerance 1e-7, R's).
It is computed exactly by enumerating the tables column by column (tables sharing remaining
row sums and probability are merged, so a 2×k table with n = 34 takes milliseconds), or, past
a work budget, by Monte Carlo over random tables with the same margins
(``scipy.stats.fisher_exact`` with ``scipy.stats.MonteCarloMethod``, seeded), whose P value
is (1 + #{as or less probable}) / (B + 1), as R's ``simulate.p.value``.

``fisher_2x2`` wraps ``scipy.stats.fisher_exact`` and ``scipy.stats.contingency.odds_ratio``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.stats import contingency

from thaldash.stats.inputs import check_confidence, not_computed

FfhMethod = Literal["auto", "exact", "monte-carlo"]
EXACT = "Fisher–Freeman–Halton exact (full enumeration)"
MONTE_CARLO = "Fisher–Freeman–Halton Monte Carlo (random tables with fixed margins)"
FISHER_2X2 = "Fisher's exact test (two-sided, tables no more probable than observed)"
ODDS_RATIO = "conditional maximum likelihood odds ratio, exact interval"
ODDS_RATIO_LARGE = "sample odds ratio, Woolf (logit) interval"
EXACT_OR_MAX_N = 5_000
"""Patients above which ``fisher_2x2`` gives the sample odds ratio with Woolf's interval: the exact
conditional interval searches a noncentral hypergeometric whose support grows with n (about 1 s at
7,000 patients, minutes at a million), while at such sizes the two agree to the printed digits."""
FFH_COLUMNS: tuple[str, ...] = (
    "n", "n_rows", "n_cols", "p", "method", "n_resamples", "seed", "mc_se", "reason",
)
FISHER_2X2_COLUMNS: tuple[str, ...] = (
    "n", "a", "b", "c", "d", "odds_ratio", "ci_low", "ci_high", "p", "test", "ci_method", "reason",
)
EXACT_BUDGET = 2_000_000
"""Most (remaining row sums, probability) states the exact enumeration may hold at once."""
_RELATIVE_TOLERANCE = 1e-7  # R's fisher.test: tables within this factor of P_obs tie with it


def fisher_freeman_halton(
    table: pd.DataFrame | np.ndarray | list[list[int]],
    *,
    method: FfhMethod = "auto",
    n_resamples: int = 100_000,
    seed: int = 20240191,
) -> pd.DataFrame:
    """Fisher–Freeman–Halton test of independence of the rows and columns of ``table``.

    Parameters
    ----------
    table
        Counts, rows × columns (e.g. ``pd.crosstab(tdt["genotype"], tdt["ti"])``). Rows and
        columns without any patient are dropped first; they do not change the test.
    method
        ``"exact"``: enumerate every table with the observed margins; ``"monte-carlo"``:
        ``n_resamples`` random tables; ``"auto"`` (default): exact unless the enumeration
        would hold more than ``EXACT_BUDGET`` states, then Monte Carlo.
    n_resamples
        Random tables for Monte Carlo (B).
    seed
        Seed of the Monte Carlo generator, so a rerun gives the same P value.

    Returns
    -------
    pandas.DataFrame
        One row:

        - ``n``: patients; ``n_rows``, ``n_cols``: rows and columns with patients;
        - ``p``: two-sided P value; ``method``: ``EXACT`` or ``MONTE_CARLO``;
        - ``n_resamples``, ``seed``: B and the generator's seed on Monte Carlo rows; 0 and
          -1 on exact rows;
        - ``mc_se``: Monte Carlo standard error √(p(1 − p)/B); NaN for exact;
        - ``reason``: ``""``, or "not computed: …" (fewer than 2 rows or 2 columns with
          patients; or ``method="exact"`` past the budget), then ``p`` is NaN.

    Raises
    ------
    ValueError
        Counts negative or not whole numbers, a table that is not two-dimensional, an
        unknown method, or ``n_resamples`` < 1.
    """
    counts = _counts(table)
    if method not in ("auto", "exact", "monte-carlo"):
        raise ValueError(f"method {method!r} is not available; choose auto, exact or monte-carlo")
    if int(n_resamples) < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples!r}")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    row = {"n": int(counts.sum()), "n_rows": counts.shape[0], "n_cols": counts.shape[1],
           "p": np.nan, "method": EXACT if method == "exact" else MONTE_CARLO,
           "n_resamples": 0, "seed": -1, "mc_se": np.nan, "reason": ""}
    if min(counts.shape) < 2:
        row["reason"] = not_computed(
            f"the table has {counts.shape[0]} row(s) and {counts.shape[1]} column(s) with "
            "patients; a test of association needs at least 2 of each")
        return _frame(row, FFH_COLUMNS)
    if method in ("auto", "exact"):
        p = _exact_p(counts, EXACT_BUDGET)
        if p is not None:
            row.update(p=p, method=EXACT)
            return _frame(row, FFH_COLUMNS)
        if method == "exact":
            row["reason"] = not_computed(
                f"exact enumeration of this {counts.shape[0]}×{counts.shape[1]} table with "
                f"n = {row['n']} would exceed {EXACT_BUDGET:,} states; use method='monte-carlo'")
            return _frame(row, FFH_COLUMNS)
    b = int(n_resamples)
    mc = stats.MonteCarloMethod(n_resamples=b, rng=np.random.default_rng(seed))
    p = float(stats.fisher_exact(counts, method=mc).pvalue)
    row.update(p=p, method=MONTE_CARLO, n_resamples=b, seed=int(seed),
               mc_se=float(np.sqrt(p * (1 - p) / b)))
    return _frame(row, FFH_COLUMNS)


def fisher_2x2(a: int, b: int, c: int, d: int, *, confidence: float = 0.95) -> pd.DataFrame:
    """Fisher's exact test and the conditional odds ratio of the 2×2 table [[a, b], [c, d]].

    For β0/β0 vs β0/β+ by transfusion independence: a = β0/β0 independent, b = β0/β0 not,
    c = β0/β+ independent, d = β0/β+ not; the odds ratio is (a·d)/(b·c)-like (conditional MLE).

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``a``, ``b``, ``c``, ``d``; ``odds_ratio``: conditional maximum
        likelihood estimate (R's ``fisher.test`` estimate, 0 or inf at a zero cell);
        ``ci_low``, ``ci_high``: its exact conditional interval (above ``EXACT_OR_MAX_N`` patients with
        every cell filled: the sample odds ratio and Woolf's interval, said in ``ci_method``); ``p``:
        two-sided P value (exact at every size);
        ``test``, ``ci_method``; ``reason``: ``""`` or "not computed: …" (a row or column of
        the table is empty: then nothing is computed).

    Raises
    ------
    ValueError
        A count negative or not a whole number; ``confidence`` not between 0 and 1.
    """
    level = check_confidence(confidence)
    counts = _counts([[a, b], [c, d]])
    row = {"n": int(counts.sum()), "a": int(a), "b": int(b), "c": int(c), "d": int(d),
           "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
           "test": FISHER_2X2, "ci_method": ODDS_RATIO, "reason": ""}
    if (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
        row["reason"] = not_computed("a row or a column of the 2×2 table has no patient")
        return _frame(row, FISHER_2X2_COLUMNS)
    large = row["n"] > EXACT_OR_MAX_N and (counts > 0).all()  # Woolf's interval needs every cell
    estimate = contingency.odds_ratio(counts, kind="sample" if large else "conditional")
    interval = estimate.confidence_interval(confidence_level=level)
    row.update(odds_ratio=float(estimate.statistic), ci_low=float(interval.low),
               ci_high=float(interval.high), p=float(stats.fisher_exact(counts).pvalue),
               ci_method=ODDS_RATIO_LARGE if large else ODDS_RATIO)
    return _frame(row, FISHER_2X2_COLUMNS)


PEARSON_CHI2 = "Pearson χ² test of independence (no continuity correction)"
CHI2_COLUMNS: tuple[str, ...] = (
    "n", "n_rows", "n_cols", "statistic", "df", "p", "min_expected", "n_expected_below_5", "test", "reason",
)
EXPECTED_MIN = 5.0
"""Cochran's rule for the χ² approximation: every expected count at least 5 (``pearson_chi2``'s check)."""


def pearson_chi2(table: pd.DataFrame | np.ndarray | list[list[int]]) -> pd.DataFrame:
    """Pearson's χ² test of independence of the rows and columns of ``table``, with its expected counts.

    Rows and columns without any patient are dropped first. No continuity correction, for a 2×2
    table too (``scipy.stats.chi2_contingency(..., correction=False)``), so every table size is the
    same test. The caller decides whether the approximation holds: ``min_expected`` and
    ``n_expected_below_5`` say how far the table is from Cochran's rule (``EXPECTED_MIN``).

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``n_rows``, ``n_cols``; ``statistic`` (χ²), ``df``, ``p``; ``min_expected``
        and ``n_expected_below_5`` (cells whose count expected under independence is below 5);
        ``test``; ``reason``: ``""`` or "not computed: …" (fewer than 2 rows or columns with patients).
    """
    counts = _counts(table)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    row = {"n": int(counts.sum()), "n_rows": counts.shape[0], "n_cols": counts.shape[1], "statistic": np.nan,
           "df": 0, "p": np.nan, "min_expected": np.nan, "n_expected_below_5": 0, "test": PEARSON_CHI2, "reason": ""}
    if min(counts.shape) < 2:
        row["reason"] = not_computed(
            f"the table has {counts.shape[0]} row(s) and {counts.shape[1]} column(s) with "
            "patients; a test of association needs at least 2 of each")
        return _frame(row, CHI2_COLUMNS)
    result = stats.chi2_contingency(counts, correction=False)
    expected = np.asarray(result.expected_freq)
    row.update(statistic=float(result.statistic), df=int(result.dof), p=float(result.pvalue),
               min_expected=float(expected.min()), n_expected_below_5=int((expected < EXPECTED_MIN).sum()))
    return _frame(row, CHI2_COLUMNS)


def _frame(row: dict, columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame([row])[list(columns)]


def _counts(table: pd.DataFrame | np.ndarray | list[list[int]]) -> np.ndarray:
    values = np.asarray(table.to_numpy() if isinstance(table, pd.DataFrame) else table, dtype="float64")
    if values.ndim != 2:
        raise ValueError(f"table: expected rows × columns of counts, got {values.ndim} dimension(s)")
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("table: every cell must be a whole number of patients ≥ 0 (no gaps)")
    return values.astype("int64")


def _exact_p(counts: np.ndarray, budget: int) -> float | None:
    """Exact P value, or None when the enumeration would exceed ``budget`` states."""
    if counts.shape[0] > counts.shape[1]:
        counts = counts.T  # the shorter side is the state; columns are enumerated
    rows = counts.sum(axis=1)
    if np.prod((rows + 1).astype(float)) > budget / 10:
        return None  # too many possible remaining-row-sum states to visit one by one
    *head, penultimate, last = np.sort(counts.sum(axis=0))  # the largest two are done last
    log_fact = special.gammaln(np.arange(counts.sum() + 1) + 1.0)
    observed = log_fact[counts].sum()  # P(table) ∝ 1 / Π aᵢⱼ!, so larger = less probable
    cut = observed - np.log1p(_RELATIVE_TOLERANCE)
    radix = np.cumprod(np.r_[1, rows[:-1] + 1])  # remaining row sums encoded as one integer
    codes, score, weight = np.array([rows @ radix]), np.zeros(1), np.ones(1)
    for total in head:
        parts_codes, parts_score, parts_weight = [], [], []
        for code in np.unique(codes):
            left = (code // radix) % (rows + 1)
            fill = _fillings(left, int(total))
            here = codes == code
            parts_codes.append(np.repeat(code - fill @ radix, here.sum()))
            parts_score.append((score[here][None, :] + log_fact[fill].sum(axis=1)[:, None]).ravel())
            parts_weight.append(np.tile(weight[here], len(fill)))
            if sum(len(p) for p in parts_codes) > budget:
                return None
        codes, score, weight = _merge(np.concatenate(parts_codes), np.concatenate(parts_score),
                                      np.concatenate(parts_weight))
    # The last column is forced by the one before it, so the last two are summed in closed
    # form: per state, the completions that are at most as probable as the observed table
    # are a tail of the completions sorted by their score.
    constant = log_fact[rows].sum() + log_fact[np.r_[head, penultimate, last].astype("int64")].sum() \
        - log_fact[counts.sum()]
    p, work = 0.0, 0
    for code in np.unique(codes):
        left = (code // radix) % (rows + 1)
        fill = _fillings(left, int(penultimate))
        work += len(fill)
        if work > budget:
            return None
        extra = np.sort(log_fact[fill].sum(axis=1) + log_fact[left - fill].sum(axis=1))
        tail = np.r_[np.cumsum(np.exp(extra[0] - extra)[::-1])[::-1], 0.0]
        here = codes == code
        first = np.searchsorted(extra, cut - score[here], side="left")
        p += float(np.sum(weight[here] * np.exp(constant - score[here] - extra[0]) * tail[first]))
    return min(p, 1.0)


def _fillings(left: np.ndarray, total: int) -> np.ndarray:
    """Every way to put ``total`` patients into cells bounded by ``left`` (one per row)."""
    grids = np.meshgrid(*[np.arange(min(int(v), total) + 1) for v in left[:-1]], indexing="ij")
    heads = np.stack([g.ravel() for g in grids], axis=1).reshape(-1, len(left) - 1)
    rest = total - heads.sum(axis=1)
    keep = (rest >= 0) & (rest <= left[-1])
    return np.column_stack([heads[keep], rest[keep]]).astype("int64")


def _merge(codes: np.ndarray, score: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """Merge states with the same remaining row sums and (to 1e-9) the same probability."""
    key = np.round(score, 9)
    order = np.lexsort((key, codes))
    codes, key, weight, score = codes[order], key[order], weight[order], score[order]
    start = np.r_[True, (np.diff(codes) != 0) | (np.diff(key) != 0)]
    group = np.cumsum(start) - 1
    return codes[start], score[start], np.bincount(group, weights=weight)
