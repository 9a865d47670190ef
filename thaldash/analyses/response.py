"""Response to thalidomide: tier counts with exact CIs (overall and by subgroup), transfusion
independence timing among TDT patients, and the paper's printed figures beside them.

Everything takes the output of ``thaldash.grading.grade.grade`` (or ``transfusion_facts``) and counts
with one crosstab, so a million graded patients cost a few vectorised passes. Percentages are of
the *evaluable* patients, as in ``grading_summary.tier_summary``; not-evaluable patients are
counted on their own row and never in a denominator.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from thaldash.data.coded_text import fill_missing, observed
from thaldash.data.cohort import rows_where
from thaldash.grading.summary import CI_METHOD, genotype_groups, proportion_ci
from thaldash.published.numbers import published_numbers
from thaldash.data.schema import NOT_EVALUABLE, RESPONDING_TIERS, TIER_ORDER, TIERS

ORR = "ORR"
MIN_FOR_INTERVAL = 2
GROUPINGS: dict[str, str] = {
    "genotype": "Genotype combination",
    "genotype_group": "Genotype group (decided on the whole cohort)",
    "thal_type": "TDT / NTDT",
    "splenectomy": "Splenectomy",
    "beta_class": "β0/β+ class",
}
TI_CATEGORIES: tuple[str, ...] = (
    "transfusion-free", "within 1 month", "at 3 months", "later", "still transfused", "not evaluable")


def _proportions(n: np.ndarray, total: np.ndarray, confidence: float) -> dict[str, np.ndarray]:
    """pct, exact CI and the reason an interval is not given, for counts ``n`` of ``total``."""
    n, total = np.asarray(n, dtype=float), np.asarray(total, dtype=float)
    low, high = proportion_ci(n, total, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(total > 0, 100 * n / np.where(total > 0, total, 1), np.nan)
    # Clopper–Pearson exists for one patient (0–97.5 % or 2.5–100 %), but an interval that says
    # "anything" reads as a result; the house rule is n ≥ 2.
    computed = total >= MIN_FOR_INTERVAL
    reason = np.select(
        [total <= 0, total < MIN_FOR_INTERVAL],
        ["not computed: no evaluable patients",
         "not computed: only 1 evaluable patient (an interval needs at least 2)"], "")
    return {"pct": pct, "ci_low": np.where(computed, 100 * low, np.nan),
            "ci_high": np.where(computed, 100 * high, np.nan),
            "ci_method": np.where(computed, f"{CI_METHOD} {confidence * 100:g}%", ""),
            "computed": computed, "reason": reason}


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

    The columns of ``grading_summary.tier_summary`` plus ``n_patients`` and ``computed``, so the
    overall table feeds ``charts.tier_bars``.
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
    props = _proportions(n, np.where(is_ne, 0, total), confidence)
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


def tier_crosstab(table: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """``tier_table(..., by=by)`` wide: one row per group with its tier counts and ORR.

    Returns ``by``, MaR, MiR, SLR, NR, "not evaluable" (counts), ``n`` (patients), ``orr`` (%),
    ``ci_low``, ``ci_high`` and ``note``: why the interval is missing, or "small group (n < 5)".
    """
    wide = table.pivot(index=by, columns="tier", values="n").reindex(columns=[*TIERS, NOT_EVALUABLE])
    orr = table[table["tier"] == ORR].set_index(by)
    small = np.where(orr["total"].fillna(0).to_numpy() < 5, "small group (n < 5)", "")
    note = np.where(orr["reason"].to_numpy() != "", orr["reason"].to_numpy(), small)
    out = wide.assign(n=orr["n_patients"], orr=orr["pct"], ci_low=orr["ci_low"], ci_high=orr["ci_high"], note=note)
    out.columns.name = None
    return out.reset_index().astype({"note": "str"})


def response_patients(graded: pd.DataFrame, patients: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """``graded`` with the patient attributes the Response page groups by.

    Parameters
    ----------
    graded
        ``grade`` of the (filtered) cohort shown.
    patients
        ``Cohort.patients`` of a cohort containing those patients (attributes).
    reference
        ``grade`` of the whole cohort: a genotype's group is decided on every analysed patient,
        so a filter never moves a combination between groups (the paper's rule).

    Returns
    -------
    ``graded``'s columns plus ``splenectomy`` ("yes"/"no"), ``beta_class``, ``sex``,
    ``age_years`` (those present in ``patients``) and ``genotype_group`` ("MaR group",
    "SLR/NR group" or "not evaluable").
    """
    attributes = [c for c in ("splenectomy", "beta_class", "sex", "age_years") if c in patients]
    where = pd.Index(patients["patient_id"]).get_indexer(graded["patient_id"])
    if (where < 0).any():
        missing = graded["patient_id"].iloc[int(np.flatnonzero(where < 0)[0])]
        raise ValueError(f"patient_id: patient {missing} is graded but not among the cohort's patients.")
    # Taken as arrays (categoricals stay categoricals): a million patients share a handful of labels.
    extra = {c: patients[c].array.take(where) for c in attributes if c not in graded}
    if "splenectomy" in extra:
        spleen = pd.array(extra["splenectomy"], dtype="boolean").fillna(False).to_numpy(dtype=bool)
        extra["splenectomy"] = pd.Categorical.from_codes(spleen.astype(np.int8), categories=["no", "yes"])
    groups = genotype_groups(reference).set_index("genotype")["group"]
    group = fill_missing(graded["genotype"], "(unknown)").map(groups)
    group = fill_missing(group.astype("category"), NOT_EVALUABLE)
    out = graded.assign(**extra, genotype_group=group)
    return out.astype({c: "category" for c in ("beta_class", "sex") if c in out})


def non_mar_patients(patients: pd.DataFrame) -> pd.DataFrame:
    """Patients not graded MaR (MiR, SLR, NR, then not evaluable), each with the rule that decided.

    Returns ``patient_id``, ``genotype``, ``thal_type``, ``tier``, ``reduction_pct``, ``hb_rise``,
    ``ti_month``, ``rule_trace``, sorted by tier then patient.
    """
    rows = patients[patients["tier"].to_numpy() != "MaR"]
    order = pd.Categorical(rows["tier"], categories=TIER_ORDER).codes
    cols = ["patient_id", "genotype", "thal_type", "tier", "reduction_pct", "hb_rise", "ti_month", "rule_trace"]
    return rows.assign(_o=order).sort_values(["_o", "patient_id"], kind="stable")[cols].reset_index(drop=True)


def ti_timing(facts: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """When TDT patients stopped needing transfusions (Table 1's "detachment from transfusion").

    Parameters
    ----------
    facts
        ``transfusion.transfusion_facts`` of the analysed patients (``thal_type``, ``ti_month``,
        ``ti_status``); only TDT rows are counted.

    Returns
    -------
    One row per category of ``TI_CATEGORIES``: "transfusion-free" (independent at any month),
    "within 1 month" (independent from month ≤ 1), "at 3 months" (1 < month ≤ 3), "later",
    "still transfused" (at the last visit) and "not evaluable" (records missing):

    - ``category``, ``n``
    - ``total``: TDT patients whose status is known, the denominator (``<NA>`` on not evaluable)
    - ``n_tdt``: all TDT patients
    - ``pct``, ``ci_low``, ``ci_high``, ``ci_method``, ``computed``, ``reason`` as in ``tier_table``
    """
    tdt = facts[(facts["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)]
    ti = pd.to_numeric(tdt["ti_month"]).to_numpy(dtype=float, na_value=np.nan)
    status = tdt["ti_status"].astype("str").to_numpy()
    free, still = ~np.isnan(ti), status == "still transfused at the last visit"
    unknown = ~free & ~still
    with np.errstate(invalid="ignore"):
        n = np.array([free.sum(), (ti <= 1).sum(), ((ti > 1) & (ti <= 3)).sum(), (ti > 3).sum(),
                      still.sum(), unknown.sum()], dtype=np.int64)
    known = int(free.sum() + still.sum())
    is_ne = np.array(TI_CATEGORIES) == "not evaluable"
    props = _proportions(n, np.where(is_ne, 0, known), confidence)
    out = pd.DataFrame({"category": TI_CATEGORIES, "n": n,
                        "total": pd.array(np.where(is_ne, 0, known), dtype="Int64"),
                        "n_tdt": len(tdt), **props})
    out = out.assign(total=out["total"].mask(is_ne), reason=np.where(
        is_ne, "not in the percentages: rbc_units missing after the candidate month", out["reason"]))
    return out.astype({"category": "str", "ci_method": "str", "reason": "str"})


# (quantity, fact of the count, fact of the denominator, fact of the percentage); the paper prints these
# in the Abstract and Results and Table 1's "Amount to" row.
_PUBLISHED: tuple[tuple[str, str, str, str | None], ...] = (
    ("Major response (MaR)", "tier.MaR.n", "graded.n", "tier.MaR.pct"),
    ("Overall response rate (MaR + MiR + SLR)", "orr.n", "graded.n", "orr.pct"),
    ("TDT patients transfusion-free", "tdt.transfusion_free.n", "analysed.tdt.n", "tdt.transfusion_free.pct"),
    ("… from month 1 (\"within 1 month\")", "tdt.ti_month_1.n", "analysed.tdt.n", None),
    ("… from month 3 (\"at 3 months\")", "tdt.ti_month_3.n", "analysed.tdt.n", None),
)


def beside_published(tiers: pd.DataFrame, timing: pd.DataFrame) -> pd.DataFrame:
    """The paper's response figures next to the same quantities from ``tier_table`` / ``ti_timing``.

    Returns one row per figure: ``quantity``, ``published_n``, ``published_total``,
    ``published_pct`` (NaN when the paper prints no percentage), ``printed`` (the paper's text,
    e.g. "35/48 = 72.9%"), ``n``, ``total``, ``pct`` (computed) and ``same_count`` (bool: n and
    denominator equal the published ones).
    """
    facts = published_numbers().drop_duplicates("fact").set_index("fact")
    value = lambda fact: float(facts.at[fact, "value"]) if fact and fact in facts.index else np.nan
    overall = tiers.set_index("tier")
    ti = timing.set_index("category")
    computed = {
        "tier.MaR.n": overall.loc["MaR"], "orr.n": overall.loc[ORR],
        "tdt.transfusion_free.n": ti.loc["transfusion-free"], "tdt.ti_month_1.n": ti.loc["within 1 month"],
        "tdt.ti_month_3.n": ti.loc["at 3 months"]}
    rows = []
    for quantity, count, denominator, pct in _PUBLISHED:
        p_n, p_total, p_pct = value(count), value(denominator), value(pct)
        mine = computed[count]
        printed = f"{p_n:g}/{p_total:g} = {facts.at[pct, 'printed']}" if pct else f"{p_n:g}"
        total = float(mine["total"]) if pd.notna(mine["total"]) else np.nan
        rows.append({"quantity": quantity, "published_n": p_n, "published_total": p_total, "published_pct": p_pct,
                     "printed": printed, "n": int(mine["n"]), "total": total, "pct": float(mine["pct"]),
                     "same_count": bool(mine["n"] == p_n and total == p_total)})
    return pd.DataFrame(rows).astype({"quantity": "str", "printed": "str"})


def grouped_visits(visits: pd.DataFrame, patients: pd.DataFrame, *, genotype_group: str | None = None,
                   max_month: int | None = None) -> pd.DataFrame:
    """Visit rows of the graded patients with their ``tier`` and ``genotype_group`` attached.

    Parameters
    ----------
    visits
        Long visits frame (e.g. ``Cohort.visits`` of the filtered cohort).
    patients
        ``response_patients`` output; visits of patients not in it (withdrawn) are left out.
    genotype_group
        Keep only patients of this genotype group ("MaR group", …), e.g. for the paper's Fig. 2.
    max_month
        Keep visits at months ≤ this.

    Returns
    -------
    ``visits``'s rows and columns plus ``tier`` and ``genotype_group``, in the same order.
    """
    where = pd.Index(patients["patient_id"]).get_indexer(visits["patient_id"])
    keep = where >= 0
    group = patients["genotype_group"].to_numpy()
    if genotype_group is not None:
        keep &= np.where(keep, group[np.maximum(where, 0)] == genotype_group, False)
    if max_month is not None:
        keep &= visits["month"].to_numpy() <= max_month
    rows = rows_where(visits, keep)  # every visit kept (the usual view): the same frame, no copy
    at = where[keep]
    return rows.assign(tier=patients["tier"].array.take(at), genotype_group=patients["genotype_group"].array.take(at))
