"""What a rule set does to this cohort, in words computed from the two gradings (never hand-written).

A scenario's description says what its rules are (``rules.SCENARIO_DESCRIPTIONS``); this says what
they do to the patients loaded: who changes tier, and on which transfusions the change rests, with
the provenance of those values (on the bundled reconstruction, month-1 units are reconstructed:
one of many values consistent with the published aggregates, not printed anywhere).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.data.schema import TIER_ORDER, provenance_column
from thaldash.grading.rules import GradingRules
from thaldash.grading.panel import visit_panel

MOVE_COLUMNS: tuple[str, ...] = ("thal_type", "tier_reference", "tier_whatif", "n", "n_reference")
_PROVENANCE_WORDS = {"published": "printed in the paper", "derived": "reconstructed, one of many values consistent "
                     "with the published aggregates", "assumed": "assumed by the reconstruction"}


def tier_moves(reference: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """Patients who change tier, counted by type and by the pair of tiers.

    ``reference`` and ``whatif`` are ``grade`` frames of the same patients in the same order.

    Returns
    -------
    One row per (``thal_type``, ``tier_reference``, ``tier_whatif``) with at least one patient
    moving, in tier order: ``n`` (patients moving) and ``n_reference`` (patients of that type in
    that tier under the reference).
    """
    if not reference["patient_id"].reset_index(drop=True).equals(whatif["patient_id"].reset_index(drop=True)):
        raise ValueError("patient_id: the two gradings must list the same patients in the same order; "
                         "grade the same cohort under both rules.")
    # Each row refers to its category's text (one pointer a patient, kept as objects): a text made per row
    # and then converted to Arrow was 240 MiB at a million patients.
    frame = pd.DataFrame({"thal_type": reference["thal_type"].astype("object").to_numpy(),
                          "tier_reference": reference["tier"].astype("object").to_numpy(),
                          "tier_whatif": whatif["tier"].astype("object").to_numpy()}, dtype=object)
    sizes = frame.groupby(["thal_type", "tier_reference"]).size().rename("n_reference")
    moved = frame[frame["tier_reference"] != frame["tier_whatif"]]
    counts = moved.groupby(["thal_type", "tier_reference", "tier_whatif"]).size().rename("n").reset_index()
    counts = counts.join(sizes, on=["thal_type", "tier_reference"])
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    order = np.lexsort((counts["tier_whatif"].map(rank), counts["tier_reference"].map(rank), counts["thal_type"]))
    return counts.iloc[order].reset_index(drop=True).reindex(columns=list(MOVE_COLUMNS))


def rule_effect(reference: pd.DataFrame, whatif: pd.DataFrame, *, reference_rules: GradingRules,
                whatif_rules: GradingRules, visits: pd.DataFrame | None = None) -> str:
    """Sentences saying what ``whatif_rules`` do to these patients compared with ``reference_rules``.

    For example, "Strict clinical" on the bundled cohort: "All 21 TDT patients graded MaR under the
    reference lose MaR (21 become MiR). Their MaR rested on months 3–6; these rules also check
    months 0–3, where all 21 were transfused at month 1 (rbc_units reconstructed, one of many values
    consistent with the published aggregates, for 21)."

    ``visits`` (the graded patients' visit rows, with ``rbc_units`` and ``rbc_units_provenance``
    when the file has it) lets the text name the transfusions a lost MaR rests on.
    """
    moves = tier_moves(reference, whatif)
    if moves.empty:
        return "On this cohort these rules move no patient: every tier is the same as under the reference."
    sentences = []
    for (thal, before), rows in moves.groupby(["thal_type", "tier_reference"], sort=False):
        n, size = int(rows["n"].sum()), int(rows["n_reference"].iloc[0])
        who = f"All {n} {thal}" if n == size else f"{n} of the {size} {thal}"
        ranks = [TIER_ORDER.index(t) for t in rows["tier_whatif"]]
        verb = ("lose" if min(ranks) > TIER_ORDER.index(before) else
                "move up from" if max(ranks) < TIER_ORDER.index(before) else "change from")
        to = ", ".join(f"{int(r.n)} become{'s' if r.n == 1 else ''} {r.tier_whatif}"
                       for r in rows.itertuples(index=False))
        sentences.append(f"{who} patients graded {before} under the reference {verb} {before} ({to}).")
    lost_mar = moves[moves["tier_reference"] == "MaR"]
    if len(lost_mar) and visits is not None and whatif_rules.free_span[0] < reference_rules.free_span[0]:
        sentences.append(_rests_on(reference, whatif, reference_rules, whatif_rules, visits))
    return " ".join(s for s in sentences if s)


def _rests_on(reference: pd.DataFrame, whatif: pd.DataFrame, reference_rules: GradingRules,
              whatif_rules: GradingRules, visits: pd.DataFrame) -> str:
    """Which newly checked visits hold the transfusions that cost the MaR, and their provenance."""
    start, old_start = whatif_rules.free_span[0], reference_rules.free_span[0]
    lost = (reference["tier"].astype(str).to_numpy() == "MaR") & (whatif["tier"].astype(str).to_numpy() != "MaR")
    ids = pd.Index(reference["patient_id"].astype(str).to_numpy()[lost])
    rows = visits[ids.get_indexer(visits["patient_id"].astype(str)) >= 0]
    source = provenance_column("rbc_units")
    panel = visit_panel(rows, measures=("rbc_units",))
    parts = []
    for month in (m for m in panel.months.tolist() if start < m <= old_start):
        j = panel.column(month)
        given = panel.values["rbc_units"][:, j] > 0
        if not given.any():
            continue
        text = f"{int(given.sum())} at month {month}"
        if source in rows:
            at = rows[(rows["month"] == month).to_numpy() & (rows["rbc_units"] > 0).to_numpy()]
            tally = at[source].astype(str).value_counts()
            text += " (rbc_units " + "; ".join(f"{_PROVENANCE_WORDS.get(k, k)}, for {v}"
                                               for k, v in tally.items()) + ")"
        parts.append(text)
    if not parts:
        return ""
    return (f"Their MaR rested on months {old_start}–{reference_rules.window_months} free of transfusion; these "
            f"rules also check months {start}–{old_start}, where they were transfused: " + ", ".join(parts) + ".")
