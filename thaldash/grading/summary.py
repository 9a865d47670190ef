"""Summaries of a graded cohort: tier counts with exact CIs, ORR, and genotype groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: a second of import at every cold start

from thaldash.data.coded_text import fill_missing, observed
from thaldash.data.schema import MAR_GROUP, NOT_EVALUABLE, OTHER_GROUP, TIER_ORDER, TIERS

CI_METHOD = "Clopper–Pearson exact"


def proportion_ci(k: np.ndarray, n: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson exact interval for ``k`` successes in ``n`` trials, as proportions.

    The beta-quantile form of the interval that ``scipy.stats.binomtest(k, n)
    .proportion_ci(method="exact")`` returns, vectorised; NaN where ``n`` is 0.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        # The beta quantile function is the inverse regularised incomplete beta function.
        low = np.where(k > 0, special.betaincinv(k, n - k + 1, alpha / 2), 0.0)
        high = np.where(k < n, special.betaincinv(k + 1, n - k, 1 - alpha / 2), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def tier_summary(graded: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Tier counts and percentages of the evaluable patients, plus the ORR and the not-evaluable count.

    Returns
    -------
    One row each for MaR, MiR, SLR, NR, ORR (MaR + MiR + SLR, the paper's definition) and
    "not evaluable":

    - ``tier``, ``n``
    - ``total``: evaluable graded patients, the denominator (``<NA>`` on the not-evaluable row)
    - ``pct``: 100 × n / total
    - ``ci_low``, ``ci_high``: exact ``confidence`` interval of ``pct``, in percent
    - ``ci_method``: "Clopper–Pearson exact 95%"
    - ``reason``: why a percentage is not computed ("" when it is)
    """
    tiers = graded["tier"]
    counts = tiers.value_counts().reindex(TIER_ORDER, fill_value=0)
    total = int(counts[list(TIERS)].sum())
    n = np.array([*(int(counts[t]) for t in TIERS), int(counts[["MaR", "MiR", "SLR"]].sum())])
    low, high = proportion_ci(n, np.full(len(n), total), confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(total > 0, 100 * n / max(total, 1), np.nan)
    method = f"{CI_METHOD} {confidence * 100:g}%"
    reason = "" if total > 0 else "not computed: no evaluable patients"
    rows = pd.DataFrame({
        "tier": [*TIERS, "ORR"], "n": n, "total": pd.array([total] * len(n), dtype="Int64"),
        "pct": pct, "ci_low": 100 * low, "ci_high": 100 * high,
        "ci_method": method if total > 0 else "", "reason": reason,
    })
    missing = pd.DataFrame({
        "tier": [NOT_EVALUABLE], "n": [int(counts[NOT_EVALUABLE])], "total": pd.array([pd.NA], dtype="Int64"),
        "pct": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan], "ci_method": [""],
        "reason": ["not in the percentages: a deciding value is missing"],
    })
    return pd.concat([rows, missing], ignore_index=True)


def genotype_tiers(graded: pd.DataFrame) -> pd.DataFrame:
    """Patients per genotype and tier, long and zero-filled.

    Returns
    -------
    ``genotype``, ``tier`` (in ``TIER_ORDER``), ``n``; one row per genotype × tier.
    """
    genotype = observed(fill_missing(graded["genotype"], "(unknown)"))
    table = pd.crosstab(genotype, pd.Categorical(graded["tier"], categories=TIER_ORDER),
                        dropna=False).reindex(columns=TIER_ORDER, fill_value=0)
    table.index.name, table.columns.name = "genotype", "tier"
    return table.stack().rename("n").reset_index().astype({"tier": "str", "n": "int64"})


def genotype_groups(graded: pd.DataFrame) -> pd.DataFrame:
    """Each genotype combination's group, as the paper uses it for Tables 4–7 and 10.

    A combination is in the "MaR group" when every evaluable patient with it is MaR, otherwise in
    the "SLR/NR group"; with no evaluable patient it is "not evaluable".

    Returns
    -------
    ``genotype``, ``n`` (graded patients), ``n_evaluable``, ``n_mar``, ``n_mir``, ``n_slr``,
    ``n_nr``, ``n_not_evaluable``, ``tiers_present`` (e.g. "MaR, SLR"), ``group``.
    """
    long = genotype_tiers(graded)
    wide = long.pivot(index="genotype", columns="tier", values="n").reindex(columns=TIER_ORDER)
    names = {"MaR": "n_mar", "MiR": "n_mir", "SLR": "n_slr", "NR": "n_nr", NOT_EVALUABLE: "n_not_evaluable"}
    wide = wide.rename(columns=names)
    evaluable = wide[["n_mar", "n_mir", "n_slr", "n_nr"]].sum(axis=1)
    present = np.where(wide[list(names.values())].to_numpy() > 0, np.array(TIER_ORDER, dtype=object), "")
    tiers_present = [", ".join(t for t in row if t) for row in present]  # one per genotype, not per patient
    group = np.where(evaluable == 0, NOT_EVALUABLE, np.where(wide["n_mar"] == evaluable, MAR_GROUP, OTHER_GROUP))
    out = wide.assign(n=wide.sum(axis=1), n_evaluable=evaluable, tiers_present=tiers_present, group=group)
    out = out.reset_index()
    out.columns.name = None
    return out[["genotype", "n", "n_evaluable", *names.values(), "tiers_present", "group"]]


def with_genotype_group(graded: pd.DataFrame) -> pd.DataFrame:
    """``graded`` plus a ``genotype_group`` column ("MaR group", "SLR/NR group", "not evaluable")."""
    groups = genotype_groups(graded).set_index("genotype")["group"]
    key = fill_missing(graded["genotype"], "(unknown)")
    return graded.assign(genotype_group=key.map(groups).to_numpy())
