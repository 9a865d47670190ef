"""Within-subject change between two visits (paired t and Wilcoxon signed-rank)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import (
    SMALL_N,
    join_reasons,
    numeric_values,
    require_columns,
    t_interval,
)
from thaldash.stats.multiplicity import CORRECTIONS, Correction, adjust_p

PAIRED_T = "paired t"
WILCOXON = "Wilcoxon signed-rank"
PAIRED_TESTS: tuple[str, ...] = (PAIRED_T, WILCOXON)

MEAN_OF_DIFFERENCES = "mean of the paired differences (time_i − time_j)"
MEDIAN_OF_DIFFERENCES = "median of the paired differences (time_i − time_j)"
ESTIMATE_KINDS: dict[str, str] = {PAIRED_T: MEAN_OF_DIFFERENCES, WILCOXON: MEDIAN_OF_DIFFERENCES}
"""What ``estimate`` holds on each test's row of ``paired_change``."""

PAIRED_COLUMNS: tuple[str, ...] = (
    "time_i", "time_j", "test", "n", "n_dropped", "mean_i", "mean_j", "diff", "sd_diff",
    "median_diff", "estimate", "estimate_kind", "se", "ci_low", "ci_high", "statistic", "df", "p",
    "p_adjusted", "correction", "computed", "reason", "small_n",
)


def paired_change(
    frame: pd.DataFrame,
    *,
    value: Hashable,
    subject: Hashable,
    time: Hashable,
    pairs: Sequence[tuple[object, object]],
    correction: Correction | None = None,
) -> pd.DataFrame:
    """Mean change ``value(time_i) − value(time_j)`` within subjects, for each pair of times.

    The layout follows SPSS's pairwise table (the paper's Table 9): for the pair (0, 12),
    ``diff`` is the mean of (value at 0) − (value at 12). Subjects are paired by ``subject``;
    a subject without a non-missing value at both times is dropped from that pair and counted.

    Parameters
    ----------
    frame
        Long data, one row per subject per time. Not modified.
    value
        Numeric column; NaN counts as missing.
    subject
        Column identifying the subject (e.g. ``"patient_id"``); must not be missing.
    time
        Column holding the visit (e.g. ``"month"``).
    pairs
        The (time_i, time_j) pairs to test, in the order the rows should appear.
    correction
        ``"holm"`` or ``"bonferroni"`` to adjust p-values across the rows shown for each test
        (the paired t rows form one family, the Wilcoxon rows another); ``None`` for none.

    Returns
    -------
    pandas.DataFrame
        One row per (pair, test), tests in the order paired t, Wilcoxon signed-rank:

        - ``time_i``, ``time_j``; ``test`` (``PAIRED_T`` or ``WILCOXON``);
        - ``n``: subjects with both values; ``n_dropped``: subjects in ``frame`` without both;
        - descriptive, on both rows, NaN where undefined: ``mean_i``, ``mean_j`` (over the
          ``n`` paired subjects, so ``diff = mean_i − mean_j``), ``diff`` (mean difference),
          ``sd_diff`` (ddof = 1), ``median_diff``;
        - ``estimate``: the test's own estimate, named by ``estimate_kind`` on every row: the
          mean of the differences (``diff``) on the paired t row, their median (``median_diff``)
          on the Wilcoxon row; NaN when the test is not computed;
        - ``se`` = ``sd_diff / √n`` and ``ci_low``, ``ci_high`` (95%, ``diff ± t(n − 1)·se``)
          on the paired t row; NaN on the Wilcoxon row (no interval is given for it);
        - ``statistic``: t (``scipy.stats.ttest_rel``), or for Wilcoxon the smaller of the
          positive and negative rank sums (``scipy.stats.wilcoxon`` defaults: zero differences
          dropped, exact p for small samples without ties, normal approximation otherwise);
        - ``df``: n − 1 on the paired t row, NaN on the Wilcoxon row;
        - ``p``: two-sided; ``p_adjusted``: Holm or Bonferroni within the test's family (NaN
          without a correction or when not computed); ``correction``: "holm",
          "bonferroni" or "none";
        - ``computed``; ``reason`` (``""`` when computed, else "not computed: …"): both tests
          need n ≥ 2; the paired t needs differences that are not all equal; Wilcoxon needs
          at least one non-zero difference. When not computed, ``se`` to ``p_adjusted`` are NaN;
        - ``small_n``: n < 5.

    Raises
    ------
    ValueError
        A column is missing or not numeric; a subject id is missing; a subject has two rows
        at one time; a pair is malformed or compares a time with itself; unknown correction.
    """
    require_columns(frame, [subject, time, value])
    pairs = _check_pairs(pairs)
    if correction is not None and correction not in CORRECTIONS:
        raise ValueError(f"correction {correction!r} is not available; choose holm or bonferroni")
    values = numeric_values(frame, value)
    if frame[subject].isna().any():
        row = frame.index[frame[subject].isna().to_numpy()][0]
        raise ValueError(f"{subject}: row {row!r} has no {subject}, so it cannot be paired")
    wide, n_subjects = _wide(frame, values, subject=subject, time=time, pairs=pairs)

    rows = []
    for time_i, time_j in pairs:
        rows.extend(_pair_rows(wide, time_i, time_j, n_subjects, value=value, time=time))
    out = pd.DataFrame(rows)
    adjusted = np.full(len(out), np.nan)
    if correction is not None:
        for test in PAIRED_TESTS:
            mask = (out["test"] == test).to_numpy()
            adjusted[mask] = adjust_p(out.loc[mask, "p"].to_numpy(), correction)
    is_t = (out["test"] == PAIRED_T).to_numpy()
    out = out.assign(
        estimate=np.where(out["computed"].to_numpy(dtype=bool),
                          np.where(is_t, out["diff"], out["median_diff"]), np.nan),
        estimate_kind=out["test"].map(ESTIMATE_KINDS).astype(str),
        p_adjusted=adjusted,
        correction=correction or "none",
        n=out["n"].astype("int64"),
        n_dropped=out["n_dropped"].astype("int64"),
        computed=out["computed"].astype(bool),
        small_n=out["n"] < SMALL_N,
    )
    return out[list(PAIRED_COLUMNS)]


def _check_pairs(pairs: Sequence[tuple[object, object]]) -> list[tuple[object, object]]:
    checked = []
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or len(pair) != 2:
            raise ValueError(f"pairs: {pair!r} is not a (time_i, time_j) pair")
        if pair[0] == pair[1]:
            raise ValueError(f"pairs: {pair!r} compares a time with itself")
        checked.append((pair[0], pair[1]))
    if not checked:
        raise ValueError("pairs: give at least one (time_i, time_j) pair")
    return checked


def _wide(
    frame: pd.DataFrame,
    values: np.ndarray,
    *,
    subject: Hashable,
    time: Hashable,
    pairs: list[tuple[object, object]],
) -> tuple[pd.DataFrame, int]:
    """One row per subject of ``frame``, one column per paired time (NaN = missing), and the number
    of distinct subjects. A numpy pivot on integer codes: a million subjects cost a grid, not a sort."""
    times = list(dict.fromkeys(t for pair in pairs for t in pair))
    t_codes = _time_codes(frame[time], times)
    keep = t_codes >= 0
    codes, ids = _subject_codes(frame[subject])
    # 32-bit cells while they fit: at a million subjects each full-length temporary is half the size.
    cell_type = np.int32 if len(ids) * len(times) < 2**31 else np.int64
    cell = codes[keep].astype(cell_type) * cell_type(len(times)) + t_codes[keep].astype(cell_type)
    del codes, t_codes
    counts = np.bincount(cell, minlength=len(ids) * len(times))
    if (counts > 1).any():
        repeated = cell[counts[cell] > 1]
        first = int(np.flatnonzero(pd.Series(repeated).duplicated().to_numpy())[0])
        who, when = ids[repeated[first] // len(times)], times[repeated[first] % len(times)]
        raise ValueError(
            f"{subject}: {int((counts[counts > 1] - 1).sum())} row(s) repeat a {time} for the same subject "
            f"(e.g. {who} at {time} {when}); "
            "pairing needs one row per visit"
        )
    grid = np.full(len(ids) * len(times), np.nan)
    grid[cell] = values[keep]
    return pd.DataFrame(grid.reshape(len(ids), len(times)), columns=times), len(ids)


def _time_codes(times_of_rows: pd.Series, times: list[object]) -> np.ndarray:
    """Position in ``times`` of each row's time, -1 for a time no pair uses.

    Months are small non-negative integers: a lookup table indexed by the month gives one byte a row,
    where ``Index.get_indexer`` (kept for any other times) gives eight and hashes every row.
    """
    values = times_of_rows.to_numpy()
    if (values.dtype.kind in "iu" and len(values) and len(times) < 127
            and all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in times)):
        low, high = int(values.min()), int(values.max())
        if low >= 0 and high < 1_000_000:
            table = np.full(high + 1, -1, dtype=np.int8)
            for i, t in enumerate(times):
                if 0 <= t <= high:
                    table[t] = i
            return table[values]
    return pd.Index(times).get_indexer(times_of_rows)


def _subject_codes(subjects: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A code per row (0, 1, … in the order subjects first appear) and the subjects in that order.

    ``pd.factorize``'s result; for categorical ids in category order (a cohort's visits), computed on the
    existing integer codes instead of eight bytes a row more and a hash of every row.
    """
    if isinstance(subjects.dtype, pd.CategoricalDtype) and len(subjects):
        category_codes = subjects.cat.codes.to_numpy()
        if category_codes.min() >= 0 and bool((category_codes[1:] >= category_codes[:-1]).all()):
            present = np.flatnonzero(np.bincount(category_codes, minlength=len(subjects.cat.categories)))
            renumber = np.full(len(subjects.cat.categories), -1, dtype=np.int32)
            renumber[present] = np.arange(len(present), dtype=np.int32)
            return renumber[category_codes], subjects.cat.categories[present]
    codes, ids = pd.factorize(subjects)
    return codes, pd.Index(ids)


def _pair_rows(
    wide: pd.DataFrame,
    time_i: object,
    time_j: object,
    n_subjects: int,
    *,
    value: Hashable,
    time: Hashable,
) -> list[dict[str, object]]:
    xi_all, xj_all = wide[time_i].to_numpy("float64"), wide[time_j].to_numpy("float64")
    both = ~np.isnan(xi_all) & ~np.isnan(xj_all)
    xi, xj = xi_all[both], xj_all[both]
    d = xi - xj
    n = int(both.sum())
    nan = float("nan")
    common = {
        "time_i": time_i, "time_j": time_j, "n": n, "n_dropped": n_subjects - n,
        "mean_i": xi.mean() if n else nan, "mean_j": xj.mean() if n else nan,
        "diff": d.mean() if n else nan, "sd_diff": d.std(ddof=1) if n >= 2 else nan,
        "median_diff": float(np.median(d)) if n else nan,
    }
    blank = {k: nan for k in ("se", "ci_low", "ci_high", "statistic", "df", "p")}
    if n == 0:
        problem = f"no subject has {value} at both {time} {time_i} and {time} {time_j}"
    elif n == 1:
        problem = "only 1 subject has both visits (need ≥ 2)"
    else:
        problem = ""

    t_problem = problem
    if not problem and d.min() == d.max():
        t_problem = f"zero variance of the differences (every difference is {d[0]:g})"
        common["sd_diff"] = 0.0  # exactly, whatever rounding d.std() left
    t_row = common | blank | {"test": PAIRED_T, "computed": not t_problem,
                              "reason": join_reasons([t_problem] if t_problem else [])}
    if not t_problem:
        res = stats.ttest_rel(xi, xj)
        se = common["sd_diff"] / np.sqrt(n)
        low, high = t_interval(np.float64(common["diff"]), se, np.float64(n - 1))
        t_row |= {"se": se, "ci_low": low, "ci_high": high, "statistic": res.statistic,
                  "df": float(n - 1), "p": res.pvalue}

    w_problem = problem or ("all differences are zero" if not np.any(d) else "")
    w_row = common | blank | {"test": WILCOXON, "computed": not w_problem,
                              "reason": join_reasons([w_problem] if w_problem else [])}
    if not w_problem:
        res = stats.wilcoxon(d)
        w_row |= {"statistic": res.statistic, "p": res.pvalue}
    return [t_row, w_row]
