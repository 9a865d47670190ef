"""The paper's claim tested: does a TDT patient's genotype predict transfusion independence?

Among TDT patients: genotype × independence by the Fisher–Freeman–Halton test (exact, or seeded
Monte Carlo with its standard error past the enumeration budget), β0/β0 vs β0/β+ by Fisher's
exact test with the conditional odds ratio, and each genotype's k/n partially pooled across
genotypes (beta-binomial empirical Bayes, a model). On the whole bundled cohort the counts are
Table 1's, as printed: the reconstruction was fitted to them, so they do not depend on its
assumptions, and the result says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.analyses.basis import BETA_CLASS, SELECTION, TABLE_1, basis
from thaldash.data.cohort import Cohort
from thaldash.published.paper import is_bundled, table_1
from thaldash.stats.contingency import fisher_2x2, fisher_freeman_halton
from thaldash.stats.pooling import partial_pooling

COUNT_COLUMNS: tuple[str, ...] = ("genotype", "beta_class", "n", "k")
CLAIM_COLUMNS: tuple[str, ...] = (
    "comparison", "test", "table", "n", "p", "mc_se", "n_resamples", "seed", "odds_ratio", "ci_low", "ci_high",
    "ci_method", "counts_from", "basis", "reason",
)
POOLED_COLUMNS: tuple[str, ...] = ("genotype", "n", "k", "proportion", "estimate", "ci_low", "ci_high", "pooling",
                                   "method", "label", "counts_from", "basis", "reason")
TABLE_1_SOURCE = "Table 1 (published counts)"
FILE_SOURCE = "this file"
MODEL_LABEL = "model: each genotype's share shrunk toward the others' (beta-binomial empirical Bayes)"


def independence_counts(course: pd.DataFrame) -> pd.DataFrame:
    """TDT patients (``n``) and those independent to the last visit (``k``) per genotype.

    ``course`` is ``independence.ti_course``; patients whose independence cannot be evaluated are
    left out. Returns ``COUNT_COLUMNS``, genotypes sorted.
    """
    known = course[course["independent"].notna()]
    grouped = known.assign(k=known["independent"].astype("int64")).groupby(
        ["genotype", "beta_class"], sort=True, observed=True, dropna=False)
    out = grouped.agg(n=("k", "size"), k=("k", "sum")).reset_index()
    return out[list(COUNT_COLUMNS)].astype({"n": "int64", "k": "int64"})


def claim_counts(cohort: Cohort, course: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The counts the claim is tested on, and where they come from.

    On the bundled cohort with every analysed patient: Table 1's counts as printed (``TABLE_1_SOURCE``);
    otherwise this file's (``FILE_SOURCE``).
    """
    if is_bundled(cohort, whole=True):
        paper = table_1()
        paper = paper[paper["n_tdt"] > 0]
        counts = pd.DataFrame({"genotype": paper["genotype"], "beta_class": paper["beta_class"],
                               "n": paper["n_tdt"], "k": paper["n_tdt_ti"]})
        return counts.sort_values("genotype").reset_index(drop=True)[list(COUNT_COLUMNS)], TABLE_1_SOURCE
    return independence_counts(course), FILE_SOURCE


def genotype_claim(cohort: Cohort, course: pd.DataFrame, *, n_resamples: int = 100_000,
                   seed: int = 20240191) -> pd.DataFrame:
    """Genotype × independence (Fisher–Freeman–Halton) and β0/β0 vs β0/β+ (Fisher) among TDT patients.

    Returns
    -------
    pandas.DataFrame
        ``CLAIM_COLUMNS``, two rows: ``comparison``; ``test`` (the method that ran); ``table``
        (the counts tested, as text); ``n``; ``p``; ``mc_se``, ``n_resamples``, ``seed`` (Monte
        Carlo only; NaN/0/-1 when exact); ``odds_ratio`` with its exact conditional interval
        (β0/β0 vs β0/β+ only: odds of independence with two β0 alleles over one β0 and one β+);
        ``ci_method``; ``counts_from``; ``basis``; ``reason`` ("" or "not computed: …").
    """
    counts, source = claim_counts(cohort, course)
    bundled = is_bundled(cohort)
    table = np.column_stack([counts["k"].to_numpy(), (counts["n"] - counts["k"]).to_numpy()]) \
        if len(counts) else np.zeros((0, 2), dtype=np.int64)
    ffh = fisher_freeman_halton(table, n_resamples=n_resamples, seed=seed).iloc[0]
    shown = ", ".join(f"{g} {k}/{n}" for g, k, n in zip(counts["genotype"], counts["k"], counts["n"]))
    rows = [{"comparison": "genotype × transfusion independence (TDT)", "test": ffh["method"],
             "table": f"independent/TDT patients per genotype: {shown}" if shown else "",
             "n": int(ffh["n"]), "p": ffh["p"], "mc_se": ffh["mc_se"], "n_resamples": int(ffh["n_resamples"]),
             "seed": int(ffh["seed"]), "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "ci_method": "",
             "counts_from": source, "basis": _basis(bundled, source, TABLE_1), "reason": ffh["reason"]}]
    by_class = counts.groupby("beta_class", observed=True)[["n", "k"]].sum()
    two = by_class.reindex(["β0/β0", "β0/β+"]).fillna(0).astype("int64")
    (n00, k00), (n0p, k0p) = two.loc["β0/β0"].tolist(), two.loc["β0/β+"].tolist()
    fisher = fisher_2x2(k00, n00 - k00, k0p, n0p - k0p).iloc[0]
    rows.append({"comparison": "β0/β0 vs β0/β+ × transfusion independence (TDT)", "test": fisher["test"],
                 "table": f"β0/β0 {k00}/{n00} independent vs β0/β+ {k0p}/{n0p}", "n": int(fisher["n"]),
                 "p": fisher["p"], "mc_se": np.nan, "n_resamples": 0, "seed": -1,
                 "odds_ratio": fisher["odds_ratio"], "ci_low": fisher["ci_low"], "ci_high": fisher["ci_high"],
                 "ci_method": fisher["ci_method"], "counts_from": source,
                 "basis": _basis(bundled, source, f"{TABLE_1}; {BETA_CLASS}"), "reason": fisher["reason"]})
    return pd.DataFrame(rows)[list(CLAIM_COLUMNS)]


def _basis(bundled: bool, source: str, published: str) -> str:
    """Published when the counts are Table 1's; a filtered reconstruction depends on who it keeps."""
    return basis(bundled, published=published, assumed=None if source == TABLE_1_SOURCE else SELECTION)


def pooled_independence(cohort: Cohort, course: pd.DataFrame) -> pd.DataFrame:
    """Each genotype's independence k/n with its partially pooled estimate (a model, labelled so).

    Returns ``POOLED_COLUMNS``: ``stats.pooling.partial_pooling``'s columns per genotype with TDT
    patients, plus ``label`` (``MODEL_LABEL``), ``counts_from`` and ``basis``. When every
    genotype is all-or-none (as in the paper), nothing can be pooled and each row says why.
    """
    counts, source = claim_counts(cohort, course)
    pooled = partial_pooling(counts, successes="k", trials="n", group="genotype")
    return pooled.assign(label=MODEL_LABEL, counts_from=source,
                         basis=_basis(is_bundled(cohort), source, TABLE_1))[list(POOLED_COLUMNS)]
