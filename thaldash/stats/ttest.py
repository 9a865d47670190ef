"""Two-sample t-tests computed from group summaries (n, mean, SD), vectorised over strata.

Working from summaries is exact for t-tests and lets a million-patient cohort be compared at
the cost of one ``groupby``; it also lets the paper's printed tables be re-tested as printed.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import SMALL_N, hedges_correction, join_reasons, t_interval

STUDENT_T = "Student t (pooled variance)"
WELCH_T = "Welch t"
MANN_WHITNEY = "Mann–Whitney U"
COMPARE_TESTS: tuple[str, ...] = (STUDENT_T, WELCH_T, MANN_WHITNEY)
MEAN_DIFFERENCE = "difference in means (a − b)"
MEDIAN_DIFFERENCE = "difference in medians (a − b)"
ESTIMATE_KINDS: dict[str, str] = {STUDENT_T: MEAN_DIFFERENCE, WELCH_T: MEAN_DIFFERENCE, MANN_WHITNEY: MEDIAN_DIFFERENCE}
"""What ``estimate`` holds on each test's row of ``compare_groups``."""
SD_RATIO_LIMIT = 2.0
"""Above this ratio of the larger to the smaller SD, Student t's pooled variance misleads: prefer Welch."""

RESULT_COLUMNS: tuple[str, ...] = (
    "test", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "sd_a", "sd_b",
    "median_a", "median_b", "diff", "estimate", "estimate_kind", "se", "ci_low", "ci_high", "statistic", "df",
    "p", "hedges_g", "computed", "reason", "small_n", "sd_ratio", "sd_warning",
)
NUMERIC_RESULTS: tuple[str, ...] = (
    "diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g",
)


def side_problem(
    label: object, n: float, n_rows: float, value: Hashable | None, need: int
) -> str:
    """Why one group stops a test (``""`` if it does not); ``n_rows`` NaN means unknown."""
    if n == 0:
        if n_rows > 0:
            what = f"{value} values" if value is not None else "values"
            return f"group {label} has no non-missing {what}"
        return f"group {label} is empty under this filter"
    if n < need:
        return f"group {label} has n = {int(n)} (need ≥ {need})"
    return ""


def t_rows(
    wide: pd.DataFrame, *, a: object, b: object, value: Hashable | None
) -> pd.DataFrame:
    """Student and Welch rows for every stratum of ``wide``.

    ``wide`` has one row per stratum with ``n_a, n_b, n_rows_a, n_rows_b, mean_a, mean_b,
    sd_a, sd_b`` (NaN where undefined). Returns ``wide`` (all its columns) twice, once per test,
    with the ``RESULT_COLUMNS`` filled in and a ``_test_order`` column for sorting.
    """
    na, nb = wide["n_a"].to_numpy("float64"), wide["n_b"].to_numpy("float64")
    ma, mb = wide["mean_a"].to_numpy("float64"), wide["mean_b"].to_numpy("float64")
    sa, sb = wide["sd_a"].to_numpy("float64"), wide["sd_b"].to_numpy("float64")
    va, vb = sa**2, sb**2

    reasons = []
    for row in zip(na, wide["n_rows_a"], nb, wide["n_rows_b"], va, vb, strict=True):
        parts = [
            side_problem(a, row[0], row[1], value, 2),
            side_problem(b, row[2], row[3], value, 2),
        ]
        parts = [p for p in parts if p]
        if not parts and row[4] == 0 and row[5] == 0:
            parts.append("zero variance in both groups")
        reasons.append(join_reasons(parts))
    ok = np.array([r == "" for r in reasons], dtype=bool)

    nan = np.full(len(wide), np.nan)
    diff = np.where(ok, ma - mb, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        df_pooled = na + nb - 2
        pooled_var = ((na - 1) * va + (nb - 1) * vb) / df_pooled
        se_pooled = np.sqrt(pooled_var * (1 / na + 1 / nb))
        ga, gb = va / na, vb / nb
        se_welch = np.sqrt(ga + gb)
        # Welch–Satterthwaite degrees of freedom
        df_welch = (ga + gb) ** 2 / (ga**2 / (na - 1) + gb**2 / (nb - 1))
        hedges = diff / np.sqrt(pooled_var) * hedges_correction(df_pooled)

    blocks = []
    for order, (name, equal_var, se, df) in enumerate(
        [(STUDENT_T, True, se_pooled, df_pooled), (WELCH_T, False, se_welch, df_welch)]
    ):
        statistic, p = nan.copy(), nan.copy()
        if ok.any():
            res = stats.ttest_ind_from_stats(
                ma[ok], sa[ok], na[ok], mb[ok], sb[ok], nb[ok], equal_var=equal_var
            )
            statistic[ok], p[ok] = res.statistic, res.pvalue
        se = np.where(ok, se, np.nan)
        df = np.where(ok, df, np.nan)
        low, high = t_interval(diff, se, df)
        blocks.append(
            wide.assign(
                test=name, diff=diff, se=se, ci_low=low, ci_high=high, statistic=statistic,
                df=df, p=p, hedges_g=np.where(ok, hedges, np.nan), computed=ok,
                reason=reasons, _test_order=order,
            )
        )
    return pd.concat(blocks, ignore_index=True)


def finish(rows: pd.DataFrame, keys: list[Hashable], *, a: object, b: object) -> pd.DataFrame:
    """Order rows by stratum then test and keep ``keys`` + ``RESULT_COLUMNS``."""
    rows = rows.sort_values(["_level", "_test_order"], kind="stable", ignore_index=True)
    rows = rows.assign(
        group_a=pd.Series([a] * len(rows), dtype=object),
        group_b=pd.Series([b] * len(rows), dtype=object),
        n_a=rows["n_a"].astype("int64"),
        n_b=rows["n_b"].astype("int64"),
        small_n=(rows["n_a"] < SMALL_N) | (rows["n_b"] < SMALL_N),
        computed=rows["computed"].astype(bool),
        reason=rows["reason"].astype(str),
        estimate=rows["diff"],
        estimate_kind=rows["test"].map(ESTIMATE_KINDS).astype(str),
    )
    sd_a, sd_b = rows["sd_a"].to_numpy("float64"), rows["sd_b"].to_numpy("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.fmax(sd_a, sd_b) / np.fmin(sd_a, sd_b)
    ratio = np.where(np.isfinite(ratio), ratio, np.nan)
    warn = (rows["test"].to_numpy() == STUDENT_T) & (ratio > SD_RATIO_LIMIT)
    text = [f"the SDs differ {r:.1f}-fold (> {SD_RATIO_LIMIT:g}): Student t pools them as if equal; read the "
            "Welch t row" if w else "" for r, w in zip(ratio, warn)]
    rows = rows.assign(sd_ratio=ratio, sd_warning=pd.Series(text, index=rows.index, dtype="str"))
    return rows[[*keys, *RESULT_COLUMNS]]
