"""Summaries of a graded cohort: tier counts with exact CIs and the ORR (``tier_table``), genotype groups."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from thaldash.data.coded_text import fill_missing, observed
from thaldash.data.schema import MAR_GROUP, NOT_EVALUABLE, OTHER_GROUP, RESPONDING_TIERS, TIER_ORDER, TIERS
from thaldash.stats.proportions import proportions

ORR = "ORR"
"""The row of the overall response rate: MaR + MiR + SLR (``RESPONDING_TIERS``) of the evaluable."""


def tier_table(graded: pd.DataFrame, *, by: Hashable | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Patients per tier, the ORR and the not-evaluable count, overall or per group.

    Parameters
    ----------
    graded
        ``grade`` output (``tier``), with the ``by`` column when grouping (``response_patients``
        adds splenectomy, class and genotype group). Rows with a missing group are left out.
    by
        Grouping column, or None for the whole frame.

    Returns
    -------
    Per group (``by`` column first, in sorted order) one row each for MaR, MiR, SLR, NR, ORR and
    "not evaluable":

    - ``tier``, ``n``
    - ``total``: evaluable patients of the group, the denominator (``<NA>`` on the not-evaluable row)
    - ``n_patients``: graded patients of the group, evaluable or not
    - ``pct``: 100 × n / total (NaN when total is 0, and on the not-evaluable row)
    - ``ci_low``, ``ci_high``: Clopper–Pearson exact interval in percent; NaN when total < 2
    - ``ci_method``: "Clopper–Pearson exact 95%" ("" without an interval); ``computed``: bool
    - ``reason``: why the percentage or interval is not given ("" when it is)

    The one table of tier counts: Home, Response, What-if, the report and the CLI all read it.
    """
    key = pd.Series("all", index=graded.index) if by is None else observed(graded[by])
    keep = key.notna().to_numpy()
    table = pd.crosstab(key[keep], pd.Categorical(graded["tier"][keep], categories=TIER_ORDER), dropna=False)
    table = table.reindex(columns=list(TIER_ORDER), fill_value=0)
    if by is not None and len(table):
        table = table.sort_index(key=lambda idx: idx.astype("str"))
    counts = table.to_numpy(dtype=np.int64)  # groups × tiers
    evaluable = counts[:, : len(TIERS)].sum(axis=1)
    n_groups = len(table)
    rows = np.concatenate([counts[:, : len(TIERS)], counts[:, : len(RESPONDING_TIERS)].sum(axis=1, keepdims=True),
                           counts[:, len(TIERS):]], axis=1)  # MaR MiR SLR NR ORR not-evaluable
    labels = [*TIERS, ORR, NOT_EVALUABLE]
    n = rows.reshape(-1)
    total = np.repeat(evaluable, len(labels))
    is_ne = np.tile(np.array(labels) == NOT_EVALUABLE, n_groups)
    props = proportions(np.where(is_ne, 0, n), np.where(is_ne, 0, total), confidence=confidence, noun="evaluable patient")
    out = pd.DataFrame({
        "tier": np.tile(labels, n_groups), "n": n.astype(np.int64),
        "total": pd.array(np.where(is_ne, 0, total), dtype="Int64"),
        "n_patients": np.repeat(counts.sum(axis=1), len(labels)).astype(np.int64), **props})
    out = out.assign(
        total=out["total"].mask(is_ne), reason=np.where(
            is_ne, "not in the percentages: a deciding value is missing", out["reason"]))
    if by is not None:
        out.insert(0, str(by), np.repeat(table.index.to_numpy(), len(labels)))
    return out.astype({"tier": "str", "ci_method": "str", "reason": "str"})


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
