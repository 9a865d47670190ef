"""The What-if page view: its parts are the what-if core's, their cache keys follow what they show,
and the page draws exactly the view's blocks.

Reference numbers: tiers counted here with pandas from ``grading.grade.grade`` (the CLI's grading),
exact intervals from ``scipy.stats.binomtest``, the sweep from ``grading.sensitivity.sensitivity_grid``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import REPO, TIMEOUT
from tests.views.checks import assert_page_draws, assert_page_is_complete, context
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import DATA_ENV, bundled_cohort_path, load_cohort
from thaldash.data.schema import TIER_ORDER
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import SCENARIOS, rules_text
from thaldash.grading.sensitivity import sensitivity_grid
from thaldash.grading.whatif import genotype_moves, patient_moves, sweep_values, tier_changes
from thaldash.views.sweep import sweep_grid, sweep_section
from thaldash.views.reference import PINNED, resolve_reference
from thaldash.views.whatif import groups_key, groups_section, moves_section, whatif_view
from thaldash.views.whatif_tiers import tier_key, tier_section

PAGE = REPO / "pages" / "6_What-if.py"
MOVED = GradingRules(mir_reduction_pct=30, slr_reduction_pct=20)  # T3-02 and others change tier


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(bundled_cohort_path()).cohort


def test_the_tier_section_counts_as_pandas_and_scipy(cohort):
    section = tier_section(context(cohort, rules=MOVED), reference="strict-clinical")
    tiers = grade(cohort, MOVED)["tier"].astype(str)
    evaluable = int((tiers != "not evaluable").sum())
    k = int(tiers.isin(["MaR", "MiR", "SLR"]).sum())
    ci = stats.binomtest(k, evaluable).proportion_ci(method="exact")  # Clopper–Pearson
    table = section.table.frame.set_index("tier")
    assert table.loc["ORR", "whatif"] == (f"{k}/{evaluable} = {100 * k / evaluable:.1f} % "
                                          f"({100 * ci.low:.1f}–{100 * ci.high:.1f})")
    assert section.headlines[0].value == f"{100 * k / evaluable:.1f} %" and section.headlines[0].n == evaluable
    reference = grade(cohort, SCENARIOS["Strict clinical"])["tier"].astype(str)
    assert section.reference == "Strict clinical" and "Strict clinical" in section.table.columns["reference"].label
    crossed = pd.crosstab(pd.Categorical(reference, categories=TIER_ORDER), pd.Categorical(tiers, categories=TIER_ORDER),
                          dropna=False)
    drawn = section.transitions.chart.data.pivot(index="tier_reference", columns="tier_whatif", values="n")
    assert (drawn.loc[list(TIER_ORDER), list(TIER_ORDER)].to_numpy() == crossed.to_numpy()).all()
    assert section.headlines[2].value == str(int((reference != tiers).sum()))
    assert "paper" in section.table.columns  # bundled and unfiltered: the published counts beside


def test_tier_key_follows_the_tiers_not_the_thresholds(cohort):
    ctx = context(cohort)
    assert tier_key(ctx) == tier_key(context(cohort, rules=GradingRules(mir_reduction_pct=51)))  # no one moves
    assert tier_key(ctx) != tier_key(context(cohort, rules=MOVED))
    assert tier_key(ctx) != tier_key(ctx, reference="strict-clinical")
    assert tier_key(ctx) != tier_key(context(cohort, CohortFilter(thal_types=("TDT",))))
    # Equal keys, equal sections: nothing in the section names the rules themselves.
    same = tier_section(context(cohort, rules=GradingRules(mir_reduction_pct=51), scenario="Paper (modified)"))
    assert same.table.displayed().equals(tier_section(ctx).table.displayed())
    assert same.transitions.notes == tier_section(ctx).transitions.notes
    assert groups_key(ctx) == groups_key(context(cohort, CohortFilter(thal_types=("TDT",))))  # whole cohort


def test_the_moves_are_the_cores(cohort):
    section = moves_section(context(cohort, rules=MOVED))
    changed, _ = patient_moves(grade(cohort), grade(cohort, MOVED))
    pd.testing.assert_frame_equal(section.changed.frame, changed)
    assert section.changed.title == f"{len(changed)} of 48 patients change tier"
    # Same window and Hb measure: the evidence is shown once, without the reference's copy.
    assert "hb_rise_reference" not in section.changed.columns and "hb_rise_whatif" in section.changed.columns
    row = section.row("T3-02")
    assert row["tier_whatif"] == grade(cohort, MOVED).set_index("patient_id").loc["T3-02", "tier"]
    assert section.traces("T3-02").startswith("T3-02 under Paper, as applied: ")
    assert section.row("P01") is None and section.missing is None and "none of the 48" in section.missing_note
    wider = moves_section(context(cohort, rules=GradingRules(window_months=12, transfusion_free_months=6)))
    assert "hb_rise_reference" in wider.changed.columns


def test_the_genotype_groups_are_the_cores_on_the_whole_cohort(cohort):
    strict = SCENARIOS["Strict clinical"]
    section = groups_section(context(cohort, CohortFilter(thal_types=("TDT",)), rules=strict))
    moves = genotype_moves(grade(cohort), grade(cohort, strict))
    moved = moves[moves["move"].str.startswith(("enters", "leaves"))].reset_index(drop=True)
    pd.testing.assert_frame_equal(section.table.frame.reset_index(drop=True), moved)
    leave = int((moves["move"] == "leaves the MaR group").sum())
    assert section.table.title.endswith(f", {leave} leave it.")


def test_the_sweep_is_the_cores_and_its_key_ignores_an_unswept_rule_that_changes_nothing(cohort):
    section = sweep_section(context(cohort, rules=GradingRules(mir_reduction_pct=40)))
    grid = sensitivity_grid(cohort, GradingRules(mir_reduction_pct=40), x="slr_reduction_pct",
                            x_values=sweep_values("slr_reduction_pct", 25.0), y="window_months",
                            y_values=sweep_values("window_months", 6))
    valid = grid[grid["valid"]]
    assert f"ORR from {valid['orr_pct'].min():.1f} % to {valid['orr_pct'].max():.1f} %" in section.figure.caption
    # ORR does not depend on the MiR threshold (any reduction above SLR's responds): the same figure.
    a, b = (sweep_grid(context(cohort, rules=GradingRules(mir_reduction_pct=m))) for m in (50, 60))
    assert a.key("orr_pct", False) == b.key("orr_pct", False)
    c = sweep_grid(context(cohort, rules=GradingRules(slr_reduction_pct=30)))
    assert a.key("orr_pct", False) != c.key("orr_pct", False)  # the marker of the rules in use moves
    assert sweep_section(context(cohort), sweep_x="window_months").problem == "Choose two different rules to sweep."


def test_references_from_the_link(cohort):
    pinned = rules_text(MOVED)
    assert resolve_reference(PINNED, pinned).rules == MOVED
    bad = resolve_reference(PINNED, "mir_reduction_pct:lots")
    assert bad.name == "Paper, as applied" and "mir_reduction_pct" in bad.problem
    assert resolve_reference("no-such-scenario").name == "Paper, as applied"
    assert resolve_reference("strict-clinical", pinned).params() == {"reference": "strict-clinical", "pinned": ""}


def test_the_whole_page_for_the_deck(cohort):
    view = whatif_view(context(cohort, rules=MOVED), patient="T3-02")
    page = assert_page_is_complete(view)
    assert [b.key for b in page.items()] == ["whatif_transitions", "whatif_tiers", "whatif_changed", "patient_T3-02",
                                             "whatif_genotype_groups", "whatif_sweep"]
    assert "Under the what-if rules: " in view.course.notes
    assert whatif_view(context(cohort), patient="T3-02").course is None  # keeps their tier: no course


def test_the_page_draws_the_views_blocks(cohort, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/6_What-if.py")
    for key, value in {"mir_reduction_pct": "30", "slr_reduction_pct": "20", "patient": "T3-02"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    view = whatif_view(context(cohort, rules=MOVED), patient="T3-02")
    # The open tab (patients who change tier); the other tabs do not run.
    assert_page_draws(at, (view.tiers.transitions, view.tiers.table, view.moves.changed, view.course))


def test_the_tier_table_gives_the_paired_difference_and_mcnemar_p(cohort):
    strict = SCENARIOS["Strict clinical"]
    section = tier_section(context(cohort, rules=strict))
    paper, alt = (grade(cohort, r)["tier"].astype(str).to_numpy() for r in (GradingRules(), strict))
    # MaR under each rule set, counted here with pandas; all evaluable under both on the bundled cohort.
    a, b = paper == "MaR", alt == "MaR"
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    p = stats.binomtest(only_a, only_a + only_b).pvalue  # exact McNemar: binomial test on the discordant pairs
    row = section.table.frame.set_index("tier").loc["MaR"]
    changes = tier_changes(grade(cohort), grade(cohort, strict)).set_index("tier").loc["MaR"]
    diff = 100 * (b.sum() - a.sum()) / len(a)
    assert row["paired"] == (f"{diff:+.1f} ({changes['paired_ci_low']:.1f} to {changes['paired_ci_high']:.1f}), "
                             f"n = {len(a)}")
    assert row["mcnemar"] == ("< 0.001" if p < 0.001 else f"{p:.3f}") and row["change"] == f"{b.sum() - a.sum():+d}"
    assert "McNemar" in section.table.columns["mcnemar"].label and "Newcombe" in section.table.caption
    assert "exact for this cohort, so no interval" not in section.table.caption
    # Strict clinical moves no one in or out of SLR (counted above the same way: 9 under both).
    assert ((paper == "SLR") == (alt == "SLR")).all()
    assert section.table.frame.set_index("tier").loc["SLR", "paired"].startswith("0.0 (")


def test_the_effect_of_strict_clinical_is_said_in_words(cohort):
    section = tier_section(context(cohort, rules=SCENARIOS["Strict clinical"]))
    # Issue 11: all 21 transfusion-free TDT lose MaR under Strict clinical, resting on month-1 units.
    assert section.effect.startswith("All 21 TDT patients graded MaR under the reference lose MaR (21 become MiR).")
    assert section.effect in section.transitions.caption and section.effect in section.transitions.notes
    assert "move no patient" in tier_section(context(cohort)).effect


def test_the_movers_show_their_transfusion_status(cohort):
    section = moves_section(context(cohort, rules=SCENARIOS["Strict clinical"]))
    assert section.changed.columns["ti_status"].label == "Transfusion status"
    assert set(section.changed.frame["ti_status"]) <= set(grade(cohort)["ti_status"].astype(str))
