"""Compare two groups (e.g. the MaR and SLR/NR genotype groups) at each level of a stratum."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import as_list, join_reasons, require_columns
from thaldash.stats.summary import summarise
from thaldash.stats.ttest import MANN_WHITNEY, finish, side_problem, t_rows

_ALL = "__thaldash_all__"  # stand-in stratum when ``by`` is None
_SIDE = "__thaldash_side__"  # 0 for group a, 1 for group b
_SIDE_COLUMNS = ("n", "n_rows", "mean", "sd", "median", "min", "max")


def compare_groups(
    frame: pd.DataFrame,
    *,
    value: Hashable,
    group: Hashable,
    a: object,
    b: object,
    by: Hashable | Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Compare ``value`` between group ``a`` and group ``b`` at each level of ``by``.

    Three tests per level: pooled-variance Student t (the test that reproduces the paper's
    Tables 4, 5, 6, 7 and 10), Welch t, and Mann–Whitney U. The t-tests are computed from the
    group summaries (n, mean, SD) with ``scipy.stats.ttest_ind_from_stats``, which is exact;
    Mann–Whitney uses ``scipy.stats.mannwhitneyu`` on the values (two-sided, scipy defaults:
    exact p for small samples without ties, otherwise the normal approximation with tie and
    continuity corrections).

    Parameters
    ----------
    frame
        Tidy data, one observation per row. Not modified.
    value
        Numeric column to compare; NaN counts as missing.
    group
        Column holding the group labels; rows of other groups are ignored.
    a, b
        The two labels to compare; differences are ``a − b``.
    by
        Optional column name (or list) to stratify by, e.g. ``"month"``. Every level present in
        ``frame`` gets rows, even when one group is absent there. Rows with a missing ``by``
        value are left out. Without ``by`` there is always one comparison (three rows), even
        when ``frame`` has no rows; with ``by``, a frame without rows gives no rows.

    Returns
    -------
    pandas.DataFrame
        One row per (``by`` level, test), levels sorted, tests in the order Student, Welch,
        Mann–Whitney:

        - the ``by`` column(s); ``test`` (``STUDENT_T``, ``WELCH_T`` or ``MANN_WHITNEY``);
        - ``group_a``, ``group_b``: the labels; ``n_a``, ``n_b``: non-missing values;
        - ``mean_a``, ``mean_b``, ``sd_a``, ``sd_b`` (ddof = 1), ``median_a``, ``median_b``:
          descriptive, on every row, NaN where undefined (SD for n < 2, all for n = 0);
        - ``diff``: ``mean_a − mean_b`` on the t rows; on the Mann–Whitney row the difference
          in medians ``median_a − median_b`` (not the Hodges–Lehmann shift, whose
          n_a × n_b pairwise differences do not scale to large cohorts);
        - ``estimate``: the same number, and ``estimate_kind`` naming it on every row:
          "difference in means (a − b)" (t rows) or "difference in medians (a − b)"
          (Mann–Whitney), so a reader of one row never has to know the test to read it;
        - ``se``: pooled SE ``sp·√(1/n_a + 1/n_b)`` (Student) or ``√(s_a²/n_a + s_b²/n_b)``
          (Welch); NaN on the Mann–Whitney row;
        - ``ci_low``, ``ci_high``: 95% interval ``diff ± t(df)·se`` on the t rows; NaN on the
          Mann–Whitney row (no interval is given for the difference in medians);
        - ``statistic``: t, or U of group ``a`` for Mann–Whitney;
        - ``df``: n_a + n_b − 2 (Student), Welch–Satterthwaite (Welch), NaN (Mann–Whitney);
        - ``p``: two-sided;
        - ``hedges_g``: ``diff / sp`` times the exact small-sample factor
          J = Γ(df/2) / (√(df/2)·Γ((df − 1)/2)), df = n_a + n_b − 2, on both t rows (the
          pooled SD standardises both); NaN on the Mann–Whitney row;
        - ``computed``: False when the test is undefined; then every numeric result above
          (``diff`` to ``hedges_g``) is NaN;
        - ``reason``: ``""`` when computed, else a sentence starting "not computed: ". The
          t-tests need n ≥ 2 in each group and a positive variance in at least one of them;
          Mann–Whitney needs n ≥ 1 in each group and values that are not all tied;
        - ``small_n``: True when n_a < 5 or n_b < 5;
        - ``sd_ratio``: the larger SD over the smaller (NaN when either is undefined or 0);
          ``sd_warning``: on the Student t row, a sentence when the ratio exceeds
          ``SD_RATIO_LIMIT`` (2), since the pooled variance then misleads; "" otherwise.

    Raises
    ------
    ValueError
        A column is missing, named twice or not numeric; ``a`` equals ``b``.
    """
    by_cols = as_list(by)
    require_columns(frame, [*by_cols, group, value])
    _check_labels(a, b)
    keys = by_cols or [_ALL]
    data = frame[[*by_cols, value]]
    if not by_cols:
        data = data.assign(**{_ALL: 0})
    levels = _levels(data, keys)
    # Integer side codes instead of the labels: grouping on small ints is several times faster
    # than on strings, which matters at millions of rows.
    in_a = (frame[group] == a).to_numpy(dtype=bool, na_value=False)
    in_b = (frame[group] == b).to_numpy(dtype=bool, na_value=False)
    keep = in_a | in_b
    sub = data.loc[keep].assign(**{_SIDE: np.where(in_a[keep], 0, 1).astype("int8")})
    summary = summarise(sub, value=value, keys=[*keys, _SIDE], quartiles=False)
    wide = _widen(summary, levels, keys=keys, group=_SIDE, a=0, b=1)
    ranks = _mann_whitney_rows(sub, wide, keys, value, a, b)
    rows = pd.concat([t_rows(wide, a=a, b=b, value=value), ranks], ignore_index=True)
    return finish(rows, by_cols, a=a, b=b)


def _check_labels(a: object, b: object) -> None:
    if a == b:
        raise ValueError(f"group a and group b are both {a!r}; choose two different groups")


def _levels(data: pd.DataFrame, keys: list[Hashable]) -> pd.DataFrame:
    """Distinct non-missing strata, sorted, with their position in ``_level``."""
    if keys == [_ALL]:  # unstratified: one comparison even when the frame has no rows
        return pd.DataFrame({_ALL: [0], "_level": [0]})
    levels = data[keys].drop_duplicates().dropna().sort_values(keys, ignore_index=True)
    return levels.assign(_level=np.arange(len(levels)))


def _widen(
    summary: pd.DataFrame,
    levels: pd.DataFrame,
    *,
    keys: list[Hashable],
    group: Hashable,
    a: object,
    b: object,
) -> pd.DataFrame:
    """One row per stratum with each group's summary suffixed ``_a`` / ``_b``; absent = n 0."""
    wide = levels
    for label, suffix in ((a, "a"), (b, "b")):
        part = summary.loc[summary[group] == label]
        columns = {c: f"{c}_{suffix}" for c in _SIDE_COLUMNS}
        part = part.reindex(columns=[*keys, *_SIDE_COLUMNS]).rename(columns=columns)
        wide = wide.merge(part, on=keys, how="left", validate="one_to_one")
        wide = wide.assign(**{f"n_{suffix}": wide[f"n_{suffix}"].fillna(0)})
        if "n_rows" not in summary.columns:
            continue
        wide = wide.assign(**{f"n_rows_{suffix}": wide[f"n_rows_{suffix}"].fillna(0)})
    return wide


def _mann_whitney_rows(
    sub: pd.DataFrame,
    wide: pd.DataFrame,
    keys: list[Hashable],
    value: Hashable,
    a: object,
    b: object,
) -> pd.DataFrame:
    """Mann–Whitney rows; one scipy call per stratum (strata are few, patients are many)."""
    present = sub[value].notna().to_numpy()
    values = sub[value].to_numpy("float64", na_value=np.nan)[present]
    is_a = (sub[_SIDE] == 0).to_numpy()[present]
    positions = sub.loc[present, keys].groupby(keys, sort=False).indices
    positions = {k if isinstance(k, tuple) else (k,): v for k, v in positions.items()}

    statistic = np.full(len(wide), np.nan)
    p = np.full(len(wide), np.nan)
    reasons = []
    columns = ["n_a", "n_rows_a", "n_b", "n_rows_b", "min_a", "max_a", "min_b", "max_b"]
    strata = zip(
        wide[keys].itertuples(index=False, name=None),
        wide[columns].itertuples(index=False),
        strict=True,
    )
    for i, (key, row) in enumerate(strata):
        parts = [
            side_problem(a, row[0], row[1], value, 1),
            side_problem(b, row[2], row[3], value, 1),
        ]
        parts = [x for x in parts if x]
        if not parts and row[4] == row[5] == row[6] == row[7]:
            parts.append("all values are tied (identical in both groups)")
        reasons.append(join_reasons(parts))
        if parts:
            continue
        idx = positions[key]
        x, in_a = values[idx], is_a[idx]
        res = stats.mannwhitneyu(x[in_a], x[~in_a], alternative="two-sided")
        statistic[i], p[i] = res.statistic, res.pvalue
    ok = np.array([r == "" for r in reasons], dtype=bool)
    nan = np.full(len(wide), np.nan)
    medians = wide["median_a"].to_numpy("float64") - wide["median_b"].to_numpy("float64")
    diff = np.where(ok, medians, np.nan)
    return wide.assign(
        test=MANN_WHITNEY, diff=diff, se=nan, ci_low=nan, ci_high=nan, statistic=statistic,
        df=nan, p=p, hedges_g=nan, computed=ok, reason=reasons, _test_order=2,
    )

