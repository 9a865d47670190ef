"""The headline numbers, each with the population it is about: TDT and NTDT apart, per protocol and
intention to treat, and the transfusion reduction both ways it can be averaged.

Why apart: every NTDT patient of the paper was never transfused, so the paper's rule makes them all
MaR ("no transfusion in months 3–6"); the pooled ORR of 91.7 % mixes 14 such patients with 34 TDT,
whose ORR alone is 30/34. Tier counts come from ``grading.summary.tier_table`` (the one
implementation), proportions from ``stats.proportions``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.data.coded_text import equals
from thaldash.data.schema import THAL_TYPES
from thaldash.grading.summary import ANALYSES, ORR, tier_table
from thaldash.grading.transfusion import NEVER_TRANSFUSED
from thaldash.stats.proportions import proportions

POPULATIONS: tuple[str, ...] = (*THAL_TYPES, "all")
ENDPOINTS: tuple[str, ...] = ("ORR", "MaR", "transfusion-free")
HEADLINE_COLUMNS: tuple[str, ...] = (
    "population", "endpoint", "analysis", "n", "total", "n_patients", "pct", "ci_low", "ci_high", "ci_method",
    "computed", "reason", "note")
UNWEIGHTED_MEAN = "mean of the per-patient reductions (unweighted)"
POOLED = "pooled volume reduction: 1 − Σ units ÷ Σ expected units"


def _withdrawn(graded: pd.DataFrame) -> np.ndarray:
    return (graded["withdrawn"].fillna(False).astype(bool).to_numpy() if "withdrawn" in graded
            else np.zeros(len(graded), bool))


def response_headlines(graded: pd.DataFrame, *, confidence: float = 0.95,
                       not_evaluable_as_failure: bool = False) -> pd.DataFrame:
    """ORR, MaR and transfusion-free rates for TDT, NTDT and everyone, per protocol and intention to treat.

    Parameters
    ----------
    graded
        ``grade(cohort, rules, include_withdrawn=True)`` (``thal_type``, ``tier``, ``ti_month``,
        ``ti_status``, ``withdrawn``); without withdrawn rows the two analyses agree.
    not_evaluable_as_failure
        Count not-evaluable patients as failures (``tier_table``'s option) in every row.

    Returns
    -------
    One row per population ("TDT", "NTDT", "all") × endpoint ("ORR", "MaR", "transfusion-free")
    × analysis ("per-protocol", "intention-to-treat"):

    - ``population``, ``endpoint``, ``analysis``
    - ``n``, ``total`` (the denominator), ``n_patients`` (every patient of the population given)
    - ``pct``, ``ci_low``, ``ci_high``, ``ci_method``, ``computed``, ``reason`` as in ``tier_table``
    - ``note``: what the number rests on, e.g. "all 14 NTDT were never transfused, so every one
      is MaR by the transfusion-free rule: this says nothing about the drug"

    "transfusion-free" (independent at the last visit, ``ti_month`` set) is given for the TDT only:
    NTDT were never dependent, so their row is not computed, and the pooled one neither.
    """
    frames = []
    for analysis in ANALYSES:
        by_type = tier_table(graded, by="thal_type", confidence=confidence, analysis=analysis,
                             not_evaluable_as_failure=not_evaluable_as_failure)
        by_type = by_type.rename(columns={"thal_type": "population"})
        overall = tier_table(graded, confidence=confidence, analysis=analysis,
                             not_evaluable_as_failure=not_evaluable_as_failure).assign(population="all")
        tiers = pd.concat([by_type, overall], ignore_index=True)
        tiers = tiers[tiers["tier"].isin([ORR, "MaR"])].rename(columns={"tier": "endpoint"})
        frames += [tiers, _transfusion_free(graded, analysis, confidence, not_evaluable_as_failure)]
    out = pd.concat(frames, ignore_index=True)
    out = out[out["population"].astype(str).isin(POPULATIONS)].astype({"population": "str"})
    order = (out["population"].map({p: i for i, p in enumerate(POPULATIONS)}) * 100
             + out["endpoint"].map({e: i for i, e in enumerate(ENDPOINTS)}) * 10
             + out["analysis"].map({a: i for i, a in enumerate(ANALYSES)}))
    out = out.assign(_o=order.to_numpy()).sort_values("_o", kind="stable").reset_index(drop=True)
    out = out.assign(note=_notes(graded, out))
    return out.reindex(columns=list(HEADLINE_COLUMNS)).astype(
        {"endpoint": "str", "analysis": "str", "ci_method": "str", "reason": "str", "note": "str"})


def _transfusion_free(graded: pd.DataFrame, analysis: str, confidence: float, ne_fail: bool) -> pd.DataFrame:
    """TDT patients independent of transfusion (a ``ti_month``), of TDT whose status is known."""
    tdt = equals(graded["thal_type"], "TDT")
    gone = _withdrawn(graded)
    ti = pd.to_numeric(graded["ti_month"]).to_numpy(dtype=float, na_value=np.nan)
    free = tdt & ~gone & ~np.isnan(ti)
    settled = equals(graded["ti_status"], "still transfused at the last visit") | equals(graded["ti_status"], NEVER_TRANSFUSED)
    known = tdt & ~gone & (~np.isnan(ti) | settled)
    unknown = tdt & ~gone & ~known
    total = int(known.sum()) + (int(unknown.sum()) if ne_fail else 0) + \
        (int((tdt & gone).sum()) if analysis == "intention-to-treat" else 0)
    props = proportions(np.array([int(free.sum())]), np.array([total]), confidence=confidence, noun="TDT patient")
    rows = [{"population": "TDT", "endpoint": "transfusion-free", "analysis": analysis, "n": int(free.sum()),
             "total": total, "n_patients": int(tdt.sum()), **{k: v[0] for k, v in props.items()}}]
    ntdt = equals(graded["thal_type"], "NTDT")
    why = {"NTDT": "not computed: NTDT were never transfusion-dependent, so being transfusion-free says nothing "
                   "about the drug",
           "all": "not computed: it would pool the TDT with NTDT, who were never transfusion-dependent; read the "
                  "TDT row"}
    for population, members in (("NTDT", ntdt), ("all", np.ones(len(graded), bool))):
        rows.append({"population": population, "endpoint": "transfusion-free", "analysis": analysis,
                     "n": pd.NA, "total": pd.NA, "n_patients": int(members.sum()), "pct": np.nan, "ci_low": np.nan,
                     "ci_high": np.nan, "ci_method": "", "computed": False, "reason": why[population]})
    return pd.DataFrame(rows).astype({"n": "Int64", "total": "Int64"})


def _notes(graded: pd.DataFrame, rows: pd.DataFrame) -> list[str]:
    gone = _withdrawn(graded)
    ntdt = equals(graded["thal_type"], "NTDT") & ~gone
    never = ntdt & equals(graded["ti_status"], NEVER_TRANSFUSED)
    by_rule = int((never & equals(graded["tier"], "MaR")).sum())
    n_ntdt, n_tdt = int(ntdt.sum()), int((equals(graded["thal_type"], "TDT") & ~gone).sum())
    lead = f"all {n_ntdt} NTDT were" if by_rule == n_ntdt else f"{by_rule} of the {n_ntdt} NTDT were"
    rule = (f"{lead} never transfused, so each is MaR by the transfusion-free rule: this says nothing about "
            "the drug") if by_rule else ""
    notes = []
    for row in rows.itertuples(index=False):
        if row.endpoint == "transfusion-free":
            notes.append("TDT only: independent of transfusion at the last visit (a transfusion-independence month)"
                         if row.population == "TDT" else "")
        elif row.population == "NTDT":
            notes.append(rule)
        elif row.population == "all":
            notes.append(f"pools {n_tdt} TDT and {n_ntdt} NTDT" + (f"; {rule}" if rule else ""))
        else:
            notes.append("")
    return notes


def reduction_summary(graded: pd.DataFrame) -> pd.DataFrame:
    """The transfusion reduction of the TDT still transfused, averaged two ways.

    The paper's "31.3 %" is the unweighted mean of the 13 per-patient reductions (Table 3); the
    reduction of the volume those patients received together is 30.8 %. A patient on few units
    weighs as much as one on many in the first, in proportion to their volume in the second.

    Parameters
    ----------
    graded
        ``grade`` output; withdrawn rows are left out. The patients are the TDT without a
        transfusion-independence month whose reduction is defined.

    Returns
    -------
    Two rows, ``estimate`` ``UNWEIGHTED_MEAN`` then ``POOLED``: ``n`` (patients),
    ``units_in_window`` and ``expected_units_in_window`` (their sums), ``pct`` (the reduction, %;
    NaN without a patient), ``reason`` ("" or "not computed: …").
    """
    ti = pd.to_numeric(graded["ti_month"]).to_numpy(dtype=float, na_value=np.nan)
    red = pd.to_numeric(graded["reduction_pct"]).to_numpy(dtype=float, na_value=np.nan)
    still = ((graded["thal_type"].astype(str) == "TDT").to_numpy() & ~_withdrawn(graded) & np.isnan(ti)
             & ~np.isnan(red))
    units = pd.to_numeric(graded["units_in_window"]).to_numpy(dtype=float, na_value=np.nan)[still]
    expected = pd.to_numeric(graded["expected_units_in_window"]).to_numpy(dtype=float, na_value=np.nan)[still]
    n = int(still.sum())
    reason = "" if n else "not computed: no TDT patient still transfused with a defined reduction"
    mean = float(red[still].mean()) if n else np.nan
    pooled = 100 * (1 - units.sum() / expected.sum()) if n and expected.sum() > 0 else np.nan
    return pd.DataFrame({"estimate": [UNWEIGHTED_MEAN, POOLED], "n": [n, n],
                         "units_in_window": [units.sum(), units.sum()],
                         "expected_units_in_window": [expected.sum(), expected.sum()],
                         "pct": [mean, pooled], "reason": [reason, reason]})
