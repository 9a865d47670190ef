"""Response to thalidomide: tier counts with exact CIs (overall and by subgroup), transfusion
independence timing among TDT patients, and the paper's printed figures beside them.

Everything takes the output of ``thaldash.grading.grade.grade`` (or ``transfusion_facts``); tier
counts with their intervals are ``thaldash.grading.summary.tier_table``. Percentages are of the
*evaluable* patients; not-evaluable patients are counted on their own row and never in a denominator.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from thaldash.data.coded_text import fill_missing
from thaldash.data.cohort import positions, rows_where
from thaldash.grading.summary import ORR, genotype_groups
from thaldash.stats.proportions import proportions
from thaldash.published.numbers import published_numbers
from thaldash.data.schema import NOT_EVALUABLE, TIER_ORDER, TIERS
from thaldash.grading.transfusion import NEVER_TRANSFUSED

GROUPINGS: dict[str, str] = {
    "genotype": "Genotype combination",
    "genotype_group": "Genotype group (decided on the whole cohort)",
    "thal_type": "TDT / NTDT",
    "splenectomy": "Splenectomy",
    "beta_class": "β0/β+ class",
}
TI_CATEGORIES: tuple[str, ...] = (
    "transfusion-free", "within 1 month", "at 3 months", "later", "still transfused", NEVER_TRANSFUSED,
    "not evaluable")


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
    ``age_years``, ``centre`` (those present in ``patients``) and ``genotype_group`` ("MaR group",
    "SLR/NR group" or "not evaluable").
    """
    attributes = [c for c in ("splenectomy", "beta_class", "sex", "age_years", "centre") if c in patients]
    where = positions(patients["patient_id"], graded["patient_id"])
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
    ``ti_month``, ``ti_status`` (says "never transfused" where ``ti_month`` is empty for that reason),
    ``rule_trace``, sorted by tier then patient.
    """
    rows = patients[patients["tier"].to_numpy() != "MaR"]
    order = pd.Categorical(rows["tier"], categories=TIER_ORDER).codes
    cols = ["patient_id", "genotype", "thal_type", "tier", "reduction_pct", "hb_rise", "ti_month", "ti_status",
            "rule_trace"]
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
    "still transfused" (at the last visit), "never transfused" (no transfusion before enrolment
    nor after: never dependent, so never "independent") and "not evaluable" (records missing):

    - ``category``, ``n``
    - ``total``: TDT patients whose status is known, the denominator (``<NA>`` on not evaluable)
    - ``n_tdt``: all TDT patients
    - ``pct``, ``ci_low``, ``ci_high``, ``ci_method``, ``computed``, ``reason`` as in ``tier_table``
      (``thaldash.stats.proportions.proportions``)
    """
    tdt = facts[(facts["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)]
    ti = pd.to_numeric(tdt["ti_month"]).to_numpy(dtype=float, na_value=np.nan)
    status = tdt["ti_status"].astype("str").to_numpy()
    free, still = ~np.isnan(ti), status == "still transfused at the last visit"
    never = status == NEVER_TRANSFUSED
    unknown = ~free & ~still & ~never
    with np.errstate(invalid="ignore"):
        n = np.array([free.sum(), (ti <= 1).sum(), ((ti > 1) & (ti <= 3)).sum(), (ti > 3).sum(),
                      still.sum(), never.sum(), unknown.sum()], dtype=np.int64)
    known = int(free.sum() + still.sum() + never.sum())
    is_ne = np.array(TI_CATEGORIES) == "not evaluable"
    props = proportions(np.where(is_ne, 0, n), np.where(is_ne, 0, known), confidence=confidence, noun="TDT patient of known status")
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
    ``visits``'s rows and columns plus, from ``patients``, ``tier``, ``genotype_group`` and the
    groupings a trajectory can be drawn by (``GROUPINGS``, and ``centre``) that ``patients`` has, in the same order.
    """
    where = positions(patients["patient_id"], visits["patient_id"])
    keep = where >= 0
    group = patients["genotype_group"].to_numpy()
    if genotype_group is not None:
        keep &= np.where(keep, group[np.maximum(where, 0)] == genotype_group, False)
    if max_month is not None:
        keep &= visits["month"].to_numpy() <= max_month
    rows = rows_where(visits, keep)  # every visit kept (the usual view): the same frame, no copy
    at = where[keep]
    attached = dict.fromkeys(["tier", "genotype_group", *GROUPINGS, "centre"])
    return rows.assign(**{c: patients[c].array.take(at) for c in attached if c in patients and c not in rows})
