"""What changes when the grading rules change: two gradings of the same patients, side by side.

The what-if page grades the cohort under a reference scenario and under the rules being edited;
everything here takes the two ``grading.grade`` frames (computed once each and cached by the
caller), so moving one threshold never regrades the reference. Tiers are counted with
``grading.summary.tier_table`` (Clopper–Pearson intervals), genotype groups with
``grading_summary.genotype_groups``, sweeps with ``sensitivity.sensitivity_grid``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from thaldash.data.cohort import rows_where
from thaldash.data.schema import MAR_GROUP, NOT_EVALUABLE, RESPONDING_TIERS, TIER_ORDER, TIERS
from thaldash.grading.rules import FIELDS_BY_NAME
from thaldash.grading.sensitivity import default_values
from thaldash.grading.summary import genotype_groups, tier_table
from thaldash.lazy import derived
from thaldash.published.numbers import published_numbers

SUMMARY_ROWS: tuple[str, ...] = (*TIERS, "ORR", NOT_EVALUABLE)
ENTERS, LEAVES = "enters the MaR group", "leaves the MaR group"
STAYS_IN, STAYS_OUT = "stays in the MaR group", "stays out of the MaR group"
EVIDENCE: tuple[str, ...] = ("hb_window_end", "hb_rise", "reduction_pct", "rule_trace")


def graded_rows(graded: pd.DataFrame, patient_ids: pd.Series | Sequence[str] | None) -> pd.DataFrame:
    """The rows of ``graded`` whose patient is in ``patient_ids`` (None: every row), in ``graded``'s order.

    A patient's tier depends on their own visits only, so the whole cohort graded once and
    restricted to a filter's patients equals grading the filtered cohort (a test checks it).
    """
    if patient_ids is None:
        return graded
    ids, wanted = graded["patient_id"], pd.Series(patient_ids)
    if (isinstance(ids.dtype, pd.CategoricalDtype) and isinstance(wanted.dtype, pd.CategoricalDtype)
            and ids.cat.categories.equals(wanted.cat.categories)):
        # Ids of one cohort share its categories: a lookup table over the codes, no hashing of text.
        present = np.zeros(len(ids.cat.categories) + 1, dtype=bool)
        present[wanted.cat.codes.to_numpy()] = True
        present[-1] = False  # code -1 (a missing id) is never wanted
        keep = present[ids.cat.codes.to_numpy()]
    else:
        keep = pd.Index(pd.unique(pd.Index(patient_ids))).get_indexer(ids) >= 0  # a hash lookup
    kept = rows_where(graded, keep)
    return kept if kept is graded else kept.reset_index(drop=True)


def tier_digest(graded: pd.DataFrame) -> str:
    """A short digest of the tiers in row order: for gradings of one cohort, equal digests mean
    equal tiers (a cache key: most threshold steps move no patient).

    Asked on every rerun of the What-if page with the same cached gradings (10 ms at a million
    patients), so it is kept while the grading frame lives (callers never mutate a grading).
    """
    return derived(graded, ("tier_digest",),
                   lambda: hashlib.sha256(tier_code_array(graded).astype(np.int8).tobytes()).hexdigest()[:32])


def check_same_patients(reference: pd.DataFrame, whatif: pd.DataFrame) -> None:
    ref_ids, alt_ids = reference["patient_id"].array, whatif["patient_id"].array
    if len(ref_ids) != len(alt_ids) or not bool((ref_ids == alt_ids).all()):
        raise ValueError("patient_id: the two gradings must list the same patients in the same order "
                         f"(got {len(ref_ids)} and {len(alt_ids)} rows); grade the same cohort under both rules.")


def tier_code_array(graded: pd.DataFrame) -> np.ndarray:
    """Tier codes (positions in ``TIER_ORDER``) of a grading, without comparing strings."""
    tiers = graded["tier"]
    if isinstance(tiers.dtype, pd.CategoricalDtype) and tuple(tiers.cat.categories) == TIER_ORDER:
        return tiers.cat.codes.to_numpy().astype(np.int64)
    return pd.Categorical(tiers, categories=TIER_ORDER).codes.astype(np.int64)


def transition_matrix(reference: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """Patients by tier under the reference (rows) and the what-if rules (columns), in ``TIER_ORDER``.

    It sums to the number of patients.
    """
    check_same_patients(reference, whatif)
    k = len(TIER_ORDER)
    counts = np.bincount(tier_code_array(reference) * k + tier_code_array(whatif), minlength=k * k).reshape(k, k)
    return pd.DataFrame(counts, index=pd.Index(TIER_ORDER, name="tier_reference"),
                        columns=pd.Index(TIER_ORDER, name="tier_whatif"))


def tier_changes(reference: pd.DataFrame, whatif: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Tier counts, percentages and exact CIs under both rules, the difference, and who moved.

    Returns
    -------
    One row each for MaR, MiR, SLR, NR, ORR and "not evaluable" (``tier``):

    - ``n_reference``, ``total_reference``, ``pct_reference``, ``ci_low_reference``,
      ``ci_high_reference``, ``reason_reference``: ``tier_table`` of the reference grading
      (total = evaluable patients, the denominator; pct and CI in percent, NaN when not computed)
    - the same with ``_whatif``
    - ``diff_n``: n under the what-if rules minus n under the reference
    - ``diff_pct``: the difference of the percentages, in percentage points (NaN if either is)
    - ``moved_in``, ``moved_out``: patients who are in the row's tier (ORR: any response) under
      the what-if rules but not the reference, and the other way round
    - ``ci_method``: the interval's name, e.g. "Clopper–Pearson exact 95%"
    - the difference between the two rule sets on the same patients, as a paired proportion
      (``stats.paired_proportions.paired_difference``: the information is in the patients who
      move, so two independent intervals would be wrong): ``paired_n`` (patients evaluable under
      both rule sets; every patient on the not-evaluable row), ``paired_diff_pct`` (what-if minus
      reference, percentage points, over those patients), ``paired_ci_low``, ``paired_ci_high``
      (Newcombe's method 10, percentage points), ``paired_ci_method``, ``p_mcnemar`` (exact
      McNemar), ``paired_test`` and ``paired_reason`` ("" or "not computed: …")
    """
    check_same_patients(reference, whatif)
    sides = []
    for side, graded in (("reference", reference), ("whatif", whatif)):
        summary = tier_table(graded, confidence=confidence).set_index("tier").reindex(SUMMARY_ROWS)
        sides.append(summary[["n", "total", "pct", "ci_low", "ci_high", "reason"]].add_suffix(f"_{side}"))
        method = next((m for m in summary["ci_method"] if m), f"Clopper–Pearson exact {confidence * 100:g}%")
    out = pd.concat(sides, axis=1)
    ref, alt = tier_code_array(reference), tier_code_array(whatif)
    members = {t: (ref == i, alt == i) for i, t in enumerate(TIER_ORDER)}
    members["ORR"] = (ref < len(RESPONDING_TIERS), alt < len(RESPONDING_TIERS))  # codes 0–2: MaR, MiR, SLR
    moved_in = [int((members[t][1] & ~members[t][0]).sum()) for t in SUMMARY_ROWS]
    moved_out = [int((members[t][0] & ~members[t][1]).sum()) for t in SUMMARY_ROWS]
    out = out.assign(diff_n=out["n_whatif"] - out["n_reference"], diff_pct=out["pct_whatif"] - out["pct_reference"],
                     moved_in=moved_in, moved_out=moved_out, ci_method=method)
    ne = len(TIER_ORDER) - 1
    both = (ref != ne) & (alt != ne)
    # Imported here: the exact McNemar test needs scipy.stats, which a cold start should not wait for.
    from thaldash.stats.paired_proportions import paired_difference

    paired = pd.concat([paired_difference(members[t][0][keep], members[t][1][keep], confidence=confidence)
                        for t in SUMMARY_ROWS for keep in [np.ones(len(ref), bool) if t == NOT_EVALUABLE else both]],
                       ignore_index=True)
    out = out.assign(paired_n=paired["n"].to_numpy(), paired_diff_pct=100 * paired["diff"].to_numpy(),
                     paired_ci_low=100 * paired["ci_low"].to_numpy(), paired_ci_high=100 * paired["ci_high"].to_numpy(),
                     paired_ci_method=paired["ci_method"].to_numpy(), p_mcnemar=paired["p"].to_numpy(),
                     paired_test=paired["test"].to_numpy(), paired_reason=paired["reason"].to_numpy())
    return out.rename_axis("tier").reset_index()


def _side_by_side(reference: pd.DataFrame, whatif: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    ref_code, alt_code = tier_code_array(reference), tier_code_array(whatif)
    # lexsort is stable: within a pair of tiers the gradings' own order (by patient_id) is kept.
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((alt_code[rows], ref_code[rows]))]
    r, a = ref_code[rows], alt_code[rows]
    ne = len(TIER_ORDER) - 1
    columns = {name: reference[name].iloc[rows].array for name in ("patient_id", "genotype", "thal_type")}
    columns |= {"tier_reference": np.asarray(TIER_ORDER, dtype=object)[r],
                "tier_whatif": np.asarray(TIER_ORDER, dtype=object)[a],
                "direction": np.select([r == a, a == ne, r == ne, a < r],
                                       ["same", "becomes not evaluable", "becomes evaluable", "better"], "worse"),
                "hb_baseline": reference["hb_baseline"].to_numpy()[rows],
                "ti_month": reference["ti_month"].to_numpy()[rows],
                "ti_status": reference["ti_status"].iloc[rows].array}
    for column in EVIDENCE:
        name = "trace" if column == "rule_trace" else column
        columns[f"{name}_reference"] = reference[column].iloc[rows].array
        columns[f"{name}_whatif"] = whatif[column].iloc[rows].array
    return pd.DataFrame(columns).astype({"tier_reference": "str", "tier_whatif": "str", "direction": "str"})


def patient_moves(reference: pd.DataFrame, whatif: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The patients who change tier, and those not evaluable under either rule set, with the evidence.

    Returns ``(changed, not_evaluable)``, two frames with the same columns, one row per patient,
    sorted by reference tier, what-if tier, patient_id: ``patient_id``, ``genotype``, ``thal_type``,
    ``tier_reference``, ``tier_whatif``, ``direction`` ("same", "better", "worse", "becomes not
    evaluable", "becomes evaluable"), ``hb_baseline`` (g/L), ``ti_month`` (empty when never
    transfused), ``ti_status`` ("independent", "never transfused", …), then under each rule set
    (suffix ``_reference`` / ``_whatif``, as the window and the Hb measure may differ):
    ``hb_window_end``, ``hb_rise`` (g/L), ``reduction_pct`` (%), and ``trace_reference`` /
    ``trace_whatif`` (the rule trace; for a not-evaluable patient it names the missing value).

    What the What-if page shows on every slider move: built once and split (each row of either
    table is a row of the union, in the same order), which halves the cost of a rerun's tables.
    """
    check_same_patients(reference, whatif)
    ne = len(TIER_ORDER) - 1
    ref, alt = tier_code_array(reference), tier_code_array(whatif)
    both = _side_by_side(reference, whatif, (ref != alt) | (ref == ne) | (alt == ne))
    changed = (both["tier_reference"] != both["tier_whatif"]).to_numpy()
    missing = ((both["tier_reference"] == TIER_ORDER[ne]) | (both["tier_whatif"] == TIER_ORDER[ne])).to_numpy()
    return both[changed].reset_index(drop=True), both[missing].reset_index(drop=True)


def genotype_moves(reference: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """Each genotype combination's group under both gradings, and whether it enters or leaves the MaR group.

    Pass gradings of the whole cohort: the paper decides the groups on every analysed patient,
    so a sidebar filter never moves a combination (``analysis.patient_table`` does the same).

    Returns
    -------
    One row per genotype, the changes first (entering, then leaving), then by genotype:
    ``genotype``, ``n`` (graded patients), ``group_reference``, ``group_whatif`` ("MaR group",
    "SLR/NR group" or "not evaluable"), ``tiers_reference``, ``tiers_whatif`` (the tiers present,
    e.g. "MaR, SLR"), ``move`` (enters / leaves / stays in / stays out of the MaR group).
    """
    ref = genotype_groups(reference).set_index("genotype")
    alt = genotype_groups(whatif).set_index("genotype").reindex(ref.index)
    inside_ref, inside_alt = ref["group"].to_numpy() == MAR_GROUP, alt["group"].to_numpy() == MAR_GROUP
    move = np.select([~inside_ref & inside_alt, inside_ref & ~inside_alt, inside_ref], [ENTERS, LEAVES, STAYS_IN],
                     STAYS_OUT)
    out = pd.DataFrame({"genotype": ref.index, "n": ref["n"].to_numpy(), "group_reference": ref["group"].to_numpy(),
                        "group_whatif": alt["group"].to_numpy(), "tiers_reference": ref["tiers_present"].to_numpy(),
                        "tiers_whatif": alt["tiers_present"].to_numpy(), "move": move})
    rank = pd.Series(move).map({ENTERS: 0, LEAVES: 1, STAYS_IN: 2, STAYS_OUT: 2}).to_numpy()
    order = np.lexsort((out["genotype"].to_numpy(), rank))
    return out.iloc[order].reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def published_tiers() -> pd.DataFrame:
    """The paper's response counts, from ``data/published.csv`` (read once; do not modify the frame).

    Returns
    -------
    One row each for MaR, MiR, SLR, NR and ORR: ``tier``, ``n``, ``total`` (48 graded), ``pct``
    (the printed percentage where the paper prints one, else 100 × n / total), ``source``
    (where it is printed, or how it follows from what is: the paper prints no MiR or SLR count;
    SLR is the number of Table 3 patients graded SLR, MiR what remains of the 48).
    """
    facts = published_numbers().drop_duplicates("fact").set_index("fact")
    def value(fact: str) -> float:
        return float(facts.loc[fact, "value"])

    total = int(value("graded.n"))
    table3 = published_numbers()
    table3 = table3[table3["fact"].str.match(r"^patient\[T3-\d+\]\.tier$")]
    slr = int((table3["value"] == "SLR").sum())
    mar, nr, orr = int(value("tier.MaR.n")), int(value("tier.NR.n")), int(value("orr.n"))
    mir = total - mar - slr - nr
    return pd.DataFrame({
        "tier": ["MaR", "MiR", "SLR", "NR", "ORR"], "n": [mar, mir, slr, nr, orr], "total": total,
        "pct": [value("tier.MaR.pct"), 100 * mir / total, 100 * slr / total, 100 * nr / total, value("orr.pct")],
        "source": ["Abstract and Results", f"derived: {total} − {mar} MaR − {slr} SLR − {nr} NR",
                   f"Table 3: {slr} patients graded SLR", "Results", "Abstract, Results and Discussion"]})


def sweep_values(field: str, *also: float) -> list[float]:
    """The grid of ``field`` for a sweep: ``sensitivity.default_values`` plus ``also`` (e.g. the
    value in use and the paper's, so both can be marked on the grid), sorted and unique."""
    spec = FIELDS_BY_NAME[field]
    values = {*default_values(field), *also}
    return sorted(int(v) if spec.kind == "int" else float(v) for v in values)


def sweep_summary(grid: pd.DataFrame, value: str) -> dict[str, float | int]:
    """The range of ``value`` (e.g. "orr_pct") over a ``sensitivity_grid``'s valid cells.

    Returns ``valid`` (cells computed), ``invalid`` (refused combinations), ``low``/``high`` (the
    smallest and largest value, NaN without a valid cell) and ``n_min``/``n_max`` (evaluable
    patients per cell, 0 without a valid cell).
    """
    ok = grid[grid["valid"].astype(bool) & grid[value].notna()]
    if not len(ok):
        return {"valid": 0, "invalid": len(grid), "low": np.nan, "high": np.nan, "n_min": 0, "n_max": 0}
    return {"valid": len(ok), "invalid": len(grid) - len(ok), "low": float(ok[value].min()),
            "high": float(ok[value].max()), "n_min": int(ok["n_graded"].min()), "n_max": int(ok["n_graded"].max())}
