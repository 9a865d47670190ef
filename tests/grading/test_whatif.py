"""What-if core (``thaldash.grading.whatif``): two gradings of the same patients compared.

Reference values come from independent paths: grading the filtered cohort again, plain pandas sets and groupbys written here, ``scipy.stats.binomtest`` for the exact intervals,
and the paper's printed text for the published counts.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.data.filters import CohortFilter
from thaldash.data.schema import NOT_EVALUABLE, TIER_ORDER
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS
from thaldash.grading.sensitivity import sensitivity_grid
from thaldash.grading.whatif import (ENTERS, LEAVES, STAYS_IN, STAYS_OUT, genotype_moves,
                             graded_rows, patient_moves, published_tiers, sweep_summary, sweep_values,
                             tier_changes, tier_digest, transition_matrix)

PAIRS = [
    ("paper vs strict", SCENARIOS["Paper, as applied"], SCENARIOS["Strict clinical"]),
    ("paper vs printed", SCENARIOS["Paper, as applied"], SCENARIOS["Paper, as printed"]),
    ("thresholds", GradingRules(), GradingRules(mir_reduction_pct=35, slr_reduction_pct=20)),
    ("window 12", GradingRules(), GradingRules(window_months=12, transfusion_free_months=6)),
    ("g/dL vs best Hb", SCENARIOS["Paper criteria read as g/dL"],
     dataclasses.replace(SCENARIOS["Paper criteria read as g/dL"], hb_rise_measure="best_within_window")),
]
IDS = [p[0] for p in PAIRS]


@pytest.fixture(params=["bundled", "tiny"])
def cohort(request, bundled, tiny):
    return bundled if request.param == "bundled" else tiny


@pytest.mark.parametrize("flt", [CohortFilter(thal_types=("TDT",)), CohortFilter(genotypes=("CD17/-28",)),
                                 CohortFilter(include_withdrawn=True), CohortFilter()], ids=repr)
def test_restricting_the_whole_grading_equals_grading_the_filtered_cohort(cohort, flt):
    rules = SCENARIOS["Strict clinical"]
    filtered = flt.apply(cohort)
    expected = grade(filtered, rules)
    got = graded_rows(grade(cohort, rules), filtered.patients["patient_id"])
    # Text columns are categoricals whose categories are the sentences present: compare the values.
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_categorical=False)


@pytest.mark.parametrize("name, reference, whatif", PAIRS, ids=IDS)
def test_transition_matrix_counts_each_pair_of_tiers(cohort, name, reference, whatif):
    ref, alt = grade(cohort, reference), grade(cohort, whatif)
    matrix = transition_matrix(ref, alt)
    # pandas.crosstab of the two gradings, written here
    expected = pd.crosstab(pd.Categorical(ref["tier"].astype(str), categories=TIER_ORDER),
                           pd.Categorical(alt["tier"].astype(str), categories=TIER_ORDER), dropna=False)
    np.testing.assert_array_equal(matrix.to_numpy(), expected.to_numpy())
    assert list(matrix.index) == list(TIER_ORDER) and int(matrix.to_numpy().sum()) == len(ref)


def test_transition_matrix_refuses_two_different_patient_lists(tiny):
    ref = grade(tiny)
    with pytest.raises(ValueError, match="same patients"):
        transition_matrix(ref, ref.iloc[1:])


@pytest.mark.parametrize("name, reference, whatif", PAIRS, ids=IDS)
def test_tier_changes_counts_moves_and_exact_intervals(cohort, name, reference, whatif):
    ref, alt = grade(cohort, reference), grade(cohort, whatif)
    table = tier_changes(ref, alt).set_index("tier")
    assert list(table.index) == ["MaR", "MiR", "SLR", "NR", "ORR", NOT_EVALUABLE]
    sides = {"reference": ref, "whatif": alt}
    for side, graded in sides.items():
        tiers = graded["tier"]
        evaluable = int((tiers != NOT_EVALUABLE).sum())
        for tier in ("MaR", "MiR", "SLR", "NR", "ORR"):
            members = tiers.isin(["MaR", "MiR", "SLR"]) if tier == "ORR" else tiers == tier
            k = int(members.sum())
            assert table.loc[tier, f"n_{side}"] == k
            assert table.loc[tier, f"total_{side}"] == evaluable
            if evaluable:
                ci = stats.binomtest(k, evaluable).proportion_ci(method="exact")  # Clopper–Pearson
                assert table.loc[tier, f"pct_{side}"] == pytest.approx(100 * k / evaluable)
                assert table.loc[tier, f"ci_low_{side}"] == pytest.approx(100 * ci.low, abs=1e-9)
                assert table.loc[tier, f"ci_high_{side}"] == pytest.approx(100 * ci.high, abs=1e-9)
        assert table.loc[NOT_EVALUABLE, f"n_{side}"] == int((tiers == NOT_EVALUABLE).sum())
    assert (table["diff_n"] == table["n_whatif"] - table["n_reference"]).all()
    before = dict(zip(ref["patient_id"], ref["tier"]))
    after = dict(zip(alt["patient_id"], alt["tier"]))
    for tier in TIER_ORDER:
        was = {p for p, t in before.items() if t == tier}
        now = {p for p, t in after.items() if t == tier}
        assert table.loc[tier, "moved_in"] == len(now - was)
        assert table.loc[tier, "moved_out"] == len(was - now)
    responders = lambda tiers: {p for p, t in tiers.items() if t in ("MaR", "MiR", "SLR")}  # noqa: E731
    assert table.loc["ORR", "moved_in"] == len(responders(after) - responders(before))
    assert table.loc["ORR", "moved_out"] == len(responders(before) - responders(after))
    assert set(table["ci_method"]) == {"Clopper–Pearson exact 95%"}


@pytest.mark.parametrize("name, reference, whatif", PAIRS, ids=IDS)
def test_tier_changes_give_the_paired_difference_its_interval_and_mcnemar_p(cohort, name, reference, whatif):
    # Issue 11: the difference between two rule sets on the same patients gets a paired interval and
    # an exact McNemar P (it read "exact, no interval").
    ref, alt = grade(cohort, reference), grade(cohort, whatif)
    table = tier_changes(ref, alt).set_index("tier")
    both = ((ref["tier"] != NOT_EVALUABLE) & (alt["tier"] != NOT_EVALUABLE)).to_numpy()
    for tier in ("MaR", "MiR", "SLR", "NR", "ORR"):
        rows = ["MaR", "MiR", "SLR"] if tier == "ORR" else [tier]
        was, now = ref["tier"].isin(rows).to_numpy()[both], alt["tier"].isin(rows).to_numpy()[both]
        gained, lost = int((now & ~was).sum()), int((was & ~now).sum())
        row = table.loc[tier]
        assert row["paired_n"] == both.sum()
        assert row["paired_diff_pct"] == pytest.approx(100 * (gained - lost) / both.sum())
        # scipy.stats.binomtest on the discordant patients: the exact McNemar test
        p = 1.0 if gained + lost == 0 else stats.binomtest(gained, gained + lost, 0.5).pvalue
        assert row["p_mcnemar"] == pytest.approx(p)
        assert row["paired_ci_low"] <= row["paired_diff_pct"] <= row["paired_ci_high"]
        assert row["paired_ci_method"].startswith("Newcombe (1998) method 10")


def test_strict_clinical_mar_difference_is_far_from_zero(bundled):
    table = tier_changes(grade(bundled), grade(bundled, SCENARIOS["Strict clinical"])).set_index("tier")
    mar = table.loc["MaR"]
    # 21 of 48 lose MaR, none gain it: −43.75 points, exact McNemar P = 2 × 0.5^21 (scipy below).
    assert mar["paired_diff_pct"] == pytest.approx(-43.75)
    assert mar["p_mcnemar"] == pytest.approx(stats.binomtest(0, 21, 0.5).pvalue)
    assert mar["paired_ci_high"] < 0


def test_default_rules_give_the_published_counts(bundled):
    # The paper, Results: "The ORR was 91.7% (44/48 cases), and 72.9% showed MaR (35/48 cases)";
    # Table 3: 9 SLR and 4 NR among the 13 still-transfused; so 0 MiR.
    table = tier_changes(grade(bundled), grade(bundled)).set_index("tier")
    assert [table.loc[t, "n_whatif"] for t in ("MaR", "MiR", "SLR", "NR")] == [35, 0, 9, 4]
    assert round(table.loc["ORR", "pct_whatif"], 1) == 91.7


def test_published_tiers_are_the_papers_numbers():
    # Abstract: ORR 91.7% (44/48), MaR 72.9% (35/48); Results: 4 NR; Table 3: 9 patients graded SlR.
    paper = published_tiers().set_index("tier")
    assert paper.loc[["MaR", "MiR", "SLR", "NR", "ORR"], "n"].tolist() == [35, 0, 9, 4, 44]
    assert (paper["total"] == 48).all()
    assert paper.loc["ORR", "pct"] == 91.7 and paper.loc["MaR", "pct"] == 72.9
    assert paper.loc["SLR", "pct"] == pytest.approx(100 * 9 / 48)
    assert paper["source"].str.len().min() > 0


@pytest.mark.parametrize("name, reference, whatif", PAIRS, ids=IDS)
def test_changed_patients_lists_exactly_the_movers_with_their_evidence(cohort, name, reference, whatif):
    ref, alt = grade(cohort, reference), grade(cohort, whatif)
    merged = ref.merge(alt, on="patient_id", suffixes=("_r", "_w"))
    movers = set(merged.loc[merged["tier_r"] != merged["tier_w"], "patient_id"])
    changed, _ = patient_moves(ref, alt)
    assert set(changed["patient_id"]) == movers and len(changed) == len(movers)
    by_id = merged.set_index("patient_id")
    for row in changed.itertuples(index=False):
        expected = by_id.loc[row.patient_id]
        assert (row.tier_reference, row.tier_whatif) == (expected["tier_r"], expected["tier_w"])
        assert row.trace_reference == expected["rule_trace_r"] and row.trace_whatif == expected["rule_trace_w"]
        np.testing.assert_equal([row.hb_rise_reference, row.hb_rise_whatif, row.reduction_pct_whatif],
                                [expected["hb_rise_r"], expected["hb_rise_w"], expected["reduction_pct_w"]])
        rank = {t: i for i, t in enumerate(TIER_ORDER)}
        r, w = rank[row.tier_reference], rank[row.tier_whatif]
        want = ("becomes not evaluable" if row.tier_whatif == NOT_EVALUABLE else "becomes evaluable"
                if row.tier_reference == NOT_EVALUABLE else "better" if w < r else "worse")
        assert row.direction == want


def test_not_evaluable_patients_are_listed_with_the_reason(tiny):
    ref, alt = grade(tiny), grade(tiny, GradingRules(window_months=12, transfusion_free_months=3))
    _, missing = patient_moves(ref, alt)
    assert "T-GAP" in set(missing["patient_id"])  # no month-6 visit in the tiny cohort
    row = missing.set_index("patient_id").loc["T-GAP"]
    assert row["tier_reference"] == NOT_EVALUABLE
    assert "month 6" in row["trace_reference"]
    expected = set(ref.loc[ref["tier"] == NOT_EVALUABLE, "patient_id"]) | set(alt.loc[alt["tier"] == NOT_EVALUABLE,
                                                                                        "patient_id"])
    assert set(missing["patient_id"]) == expected


def test_patient_moves_splits_a_union_with_both_kinds(tiny):
    # The tiny cohort under a 12-month window has movers and not-evaluable patients, some both.
    ref, alt = grade(tiny), grade(tiny, GradingRules(window_months=12, transfusion_free_months=3))
    changed, missing = patient_moves(ref, alt)
    assert len(changed) and len(missing)
    merged = ref.merge(alt, on="patient_id", suffixes=("_r", "_w"))
    assert set(changed["patient_id"]) == set(merged.loc[merged["tier_r"] != merged["tier_w"], "patient_id"])
    either = (merged["tier_r"] == NOT_EVALUABLE) | (merged["tier_w"] == NOT_EVALUABLE)
    assert set(missing["patient_id"]) == set(merged.loc[either, "patient_id"])
    assert set(changed["patient_id"]) & set(missing["patient_id"])  # a patient can be in both


def _groups_by_hand(graded: pd.DataFrame) -> dict[str, bool]:
    """genotype → in the MaR group (every evaluable patient MaR, at least one evaluable)."""
    evaluable = graded[graded["tier"] != NOT_EVALUABLE]
    return {g: bool(len(rows)) and bool((rows["tier"] == "MaR").all())
            for g, rows in evaluable.groupby("genotype")} | {
        g: False for g in set(graded["genotype"]) - set(evaluable["genotype"])}


@pytest.mark.parametrize("name, reference, whatif", PAIRS, ids=IDS)
def test_genotype_moves_match_the_papers_rule(cohort, name, reference, whatif):
    ref, alt = grade(cohort, reference), grade(cohort, whatif)
    before, after = _groups_by_hand(ref), _groups_by_hand(alt)
    moves = genotype_moves(ref, alt).set_index("genotype")
    assert set(moves.index) == set(before)
    for genotype, row in moves.iterrows():
        b, a = before[genotype], after[genotype]
        want = ENTERS if a and not b else LEAVES if b and not a else STAYS_IN if a else STAYS_OUT
        assert row["move"] == want, genotype
    order = moves["move"].map({ENTERS: 0, LEAVES: 1, STAYS_IN: 2, STAYS_OUT: 2}).tolist()
    assert order == sorted(order), "changes come first"


def test_strict_reading_moves_genotypes_out_of_the_mar_group(bundled):
    moves = genotype_moves(grade(bundled), grade(bundled, SCENARIOS["Strict clinical"]))
    assert (moves["move"] == LEAVES).sum() > 0
    assert moves["n"].sum() == 48


def test_gradings_of_other_patients_are_refused(bundled, tiny):
    with pytest.raises(ValueError, match="patient_id"):
        tier_changes(grade(bundled), grade(tiny))


def test_tier_digest_changes_with_any_tier(bundled):
    graded = grade(bundled)
    assert tier_digest(graded) == tier_digest(grade(bundled))
    other = "NR" if graded.loc[3, "tier"] != "NR" else "MaR"
    moved = graded.assign(tier=graded["tier"].where(graded.index != 3, other))
    assert tier_digest(moved) != tier_digest(graded)
    assert tier_digest(graded) != tier_digest(graded.iloc[:-1])


def test_sweep_helpers(bundled):
    values = sweep_values("mar_hb_rise_g_l", 20.0, 23.5)
    assert 20.0 in values and 23.5 in values and values == sorted(set(values))
    assert all(isinstance(v, int) for v in sweep_values("transfusion_free_months", 3))
    rules = GradingRules(mir_reduction_pct=40)
    grid = sensitivity_grid(bundled, rules, x="slr_reduction_pct", x_values=[10, 25, 45], y="window_months",
                            y_values=[3, 6])
    span = sweep_summary(grid, "orr_pct")
    valid = grid[grid["valid"]]
    assert span["invalid"] == 2  # slr 45 % > mir 40 %
    assert (span["low"], span["high"]) == (valid["orr_pct"].min(), valid["orr_pct"].max())
    nothing = sweep_summary(grid.assign(valid=False), "orr_pct")
    assert nothing["valid"] == 0 and np.isnan(nothing["low"])


@pytest.mark.parametrize("name, reference, whatif", PAIRS, ids=IDS)
def test_categorical_tiers_give_the_same_results(cohort, name, reference, whatif):
    # grade gives the tiers as a categorical; the same tiers as plain text must give the same results.
    cat_ref, cat_alt = grade(cohort, reference), grade(cohort, whatif)
    assert isinstance(cat_ref["tier"].dtype, pd.CategoricalDtype)
    ref, alt = (g.assign(tier=g["tier"].astype(str)) for g in (cat_ref, cat_alt))
    pd.testing.assert_frame_equal(transition_matrix(cat_ref, cat_alt), transition_matrix(ref, alt))
    pd.testing.assert_frame_equal(tier_changes(cat_ref, cat_alt), tier_changes(ref, alt))
    for got, expected in zip(patient_moves(cat_ref, cat_alt), patient_moves(ref, alt)):
        pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(genotype_moves(cat_ref, cat_alt), genotype_moves(ref, alt))
    assert tier_digest(cat_alt) == tier_digest(alt)


def test_tier_digest_is_kept_while_its_grading_lives(bundled):
    import gc

    from thaldash import lazy

    graded = grade(bundled)
    key = (id(graded), "tier_digest")
    digest = tier_digest(graded)
    assert lazy._DERIVED[key][1] == digest and tier_digest(graded) == digest
    del graded
    gc.collect()
    assert key not in lazy._DERIVED
