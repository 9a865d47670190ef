"""Summaries of a graded cohort: tier counts with exact CIs and the ORR (``tier_table``), genotype groups."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal

import numpy as np
import pandas as pd

from thaldash.data.coded_text import fill_missing, observed
from thaldash.data.schema import MAR_GROUP, NOT_EVALUABLE, OTHER_GROUP, RESPONDING_TIERS, TIER_ORDER, TIERS
from thaldash.stats.proportions import proportions

ORR = "ORR"
"""The row of the overall response rate: MaR + MiR + SLR (``RESPONDING_TIERS``) of the evaluable."""
WITHDRAWN = "withdrawn"
"""The row of the patients who withdrew (rows of ``grade(..., include_withdrawn=True)``)."""
SUMMARY_ROWS: tuple[str, ...] = (*TIERS, ORR, NOT_EVALUABLE, WITHDRAWN)
"""The rows of ``tier_table`` per group, in order."""

Analysis = Literal["per-protocol", "intention-to-treat"]
ANALYSES: tuple[str, ...] = ("per-protocol", "intention-to-treat")


def tier_table(graded: pd.DataFrame, *, by: Hashable | None = None, confidence: float = 0.95,
               analysis: Analysis = "per-protocol", not_evaluable_as_failure: bool = False) -> pd.DataFrame:
    """Patients per tier, the ORR, the not-evaluable and withdrawn counts, overall or per group.

    Parameters
    ----------
    graded
        ``grade`` output (``tier``, ``withdrawn``), with the ``by`` column when grouping
        (``response_patients`` adds splenectomy, class and genotype group). Rows with a missing
        group are left out. Pass ``grade(..., include_withdrawn=True)`` for an intention-to-treat
        table; without withdrawn rows both analyses give the same numbers.
    by
        Grouping column, or None for the whole frame.
    analysis
        "per-protocol" (the paper's): the denominator is the evaluable patients who did not
        withdraw. "intention-to-treat": every patient counts, and a patient who withdrew counts
        as a failure (not a responder), whatever their grade.
    not_evaluable_as_failure
        Count not-evaluable patients (who did not withdraw) in the denominator as failures too,
        instead of leaving them out.

    Returns
    -------
    Per group (``by`` column first, in sorted order) one row each for MaR, MiR, SLR, NR, ORR,
    "not evaluable" and "withdrawn" (``SUMMARY_ROWS``):

    - ``tier``, ``n`` (MaR … NR and ORR count patients who did not withdraw)
    - ``total``: the denominator (``<NA>`` on a row left out of the percentages)
    - ``n_patients``: every patient of the group given, withdrawn included; ``total`` plus the
      rows left out of the percentages adds up to it, so a header's n and the denominators agree
    - ``pct``: 100 × n / total (NaN when total is 0, and on a row left out of the percentages)
    - ``ci_low``, ``ci_high``: Clopper–Pearson exact interval in percent; NaN when total < 2
    - ``ci_method``: "Clopper–Pearson exact 95%" ("" without an interval); ``computed``: bool
    - ``reason``: why the percentage or interval is not given ("" when it is)
    - ``analysis``: "per-protocol" or "intention-to-treat"; ``denominator``: what ``total`` counts

    The one table of tier counts: Home, Response, What-if, the report and the CLI all read it.
    """
    if analysis not in ANALYSES:
        raise ValueError(f"analysis must be per-protocol or intention-to-treat; got {analysis!r}.")
    withdrawn = (graded["withdrawn"].fillna(False).astype(bool).to_numpy() if "withdrawn" in graded
                 else np.zeros(len(graded), bool))
    # The withdrawn get a column of their own, whatever their grade: MaR … NR, not evaluable, withdrawn.
    code = pd.Categorical(graded["tier"], categories=TIER_ORDER).codes.astype(np.int64)
    code = np.where(withdrawn, len(TIER_ORDER), np.where(code < 0, len(TIER_ORDER) - 1, code))
    names = [*TIER_ORDER, WITHDRAWN]
    if by is None:  # one group, every row: counted on the codes (a million-row crosstab of text took seconds)
        counts = np.bincount(code, minlength=len(names)).reshape(1, -1) if len(graded) else \
            np.zeros((0, len(names)), np.int64)
        table = pd.DataFrame(counts, columns=names)
    elif isinstance(graded[by].dtype, pd.CategoricalDtype):  # per category, on the codes, as crosstab would
        key = observed(graded[by])
        group, keep = key.cat.codes.to_numpy().astype(np.int64), key.notna().to_numpy()
        counts = np.bincount(group[keep] * len(names) + code[keep], minlength=len(key.cat.categories) * len(names))
        table = pd.DataFrame(counts.reshape(-1, len(names)), index=key.cat.categories, columns=names)
        if len(table):
            table = table.sort_index(key=lambda idx: idx.astype("str"))
    else:
        key = graded[by]
        keep = key.notna().to_numpy()
        table = pd.crosstab(key[keep], pd.Categorical.from_codes(code[keep], categories=names),
                            dropna=False).reindex(columns=names, fill_value=0)
        if len(table):
            table = table.sort_index(key=lambda idx: idx.astype("str"))
    counts = table.to_numpy(dtype=np.int64)  # groups × (MaR MiR SLR NR not-evaluable withdrawn)
    k = len(TIERS)
    n_ne, n_w = counts[:, k], counts[:, k + 1]
    total = counts[:, :k].sum(axis=1) + (n_ne if not_evaluable_as_failure else 0) + \
        (n_w if analysis == "intention-to-treat" else 0)
    rows = np.concatenate([counts[:, :k], counts[:, : len(RESPONDING_TIERS)].sum(axis=1, keepdims=True),
                           counts[:, k:]], axis=1)  # MaR MiR SLR NR ORR not-evaluable withdrawn
    labels = list(SUMMARY_ROWS)
    n_groups = len(table)
    in_pct = np.array([True] * (k + 1) + [not_evaluable_as_failure, analysis == "intention-to-treat"])
    left_out = np.tile(~in_pct, n_groups)
    n = rows.reshape(-1)
    totals = np.repeat(total, len(labels))
    noun = "evaluable patient" if analysis == "per-protocol" and not not_evaluable_as_failure else "patient"
    props = proportions(np.where(left_out, 0, n), np.where(left_out, 0, totals), confidence=confidence, noun=noun)
    out = pd.DataFrame({
        "tier": np.tile(labels, n_groups), "n": n.astype(np.int64),
        "total": pd.array(np.where(left_out, 0, totals), dtype="Int64"),
        "n_patients": np.repeat(counts.sum(axis=1), len(labels)).astype(np.int64), **props})
    why = {NOT_EVALUABLE: "not in the percentages: a deciding value is missing",
           WITHDRAWN: "not in the percentages: withdrew (per-protocol analysis)"}
    out = out.assign(total=out["total"].mask(left_out), reason=np.where(
        left_out, [why[t] if t in why else "" for t in out["tier"]], out["reason"]),
        analysis=analysis, denominator=_denominator(analysis, not_evaluable_as_failure))
    if by is not None:
        out.insert(0, str(by), np.repeat(table.index.to_numpy(), len(labels)))
    return out.astype({"tier": "str", "ci_method": "str", "reason": "str", "analysis": "str", "denominator": "str"})


def _denominator(analysis: str, not_evaluable_as_failure: bool) -> str:
    if analysis == "per-protocol":
        return ("analysed patients, not-evaluable ones counted as failures" if not_evaluable_as_failure
                else "evaluable analysed patients (withdrawn and not evaluable left out)")
    return ("every patient, withdrawn and not-evaluable ones counted as failures" if not_evaluable_as_failure
            else "every patient but the not evaluable, withdrawn ones counted as failures")


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
