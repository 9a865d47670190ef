"""Tier counts with exact CIs, transfusion-independence timing, groups and the published figures.

Reference intervals come from ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")`` (the
Clopper–Pearson interval) called here; reference counts are the paper's (Abstract, Results, Table 1)
or are counted here with plain pandas from ``grade``'s tiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.grading.grade import grade
from thaldash.analyses.response import (
    beside_published, grouped_visits, non_mar_patients, response_patients, ti_timing, tier_crosstab,
)
from thaldash.charts import tiers_by_group_chart
from thaldash.grading.summary import tier_table
from thaldash.grading.transfusion import transfusion_facts


def exact_ci(k: int, n: int) -> tuple[float, float]:
    # scipy.stats.binomtest(k, n).proportion_ci(method="exact"), in percent
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return 100 * ci.low, 100 * ci.high


@pytest.fixture(scope="module")
def graded(bundled):
    return grade(bundled)


@pytest.fixture(scope="module")
def patients(bundled, graded):
    return response_patients(graded, bundled.patients, graded)


@pytest.mark.parametrize("tier, n", [("MaR", 35), ("MiR", 0), ("SLR", 9), ("NR", 4), ("ORR", 44)])
def test_bundled_tiers_are_the_papers_with_exact_intervals(graded, tier: str, n: int) -> None:
    # Results: 35 MaR, 9 SLR, 4 NR of 48; ORR 44/48 = 91.7 %
    row = tier_table(graded).set_index("tier").loc[tier]
    assert (row["n"], row["total"]) == (n, 48)
    assert row["pct"] == pytest.approx(100 * n / 48)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(exact_ci(n, 48))
    assert row["ci_method"] == "Clopper–Pearson exact 95%" and row["computed"] and row["reason"] == ""


def test_not_evaluable_patients_are_counted_but_left_out_of_every_denominator(tiny) -> None:
    graded = grade(tiny)  # T-GAP has no 6-month visit: not evaluable
    table = tier_table(graded).set_index("tier")
    evaluable = int((graded["tier"] != "not evaluable").sum())
    assert table.loc["not evaluable", "n"] == 1 and pd.isna(table.loc["not evaluable", "total"])
    assert set(table.loc[["MaR", "MiR", "SLR", "NR", "ORR"], "total"]) == {evaluable}
    assert set(table["n_patients"]) == {len(graded)}
    assert np.isnan(table.loc["not evaluable", "pct"])


@pytest.mark.parametrize("by", ["genotype", "thal_type", "splenectomy", "genotype_group", "beta_class"])
def test_counts_by_group_match_a_plain_crosstab(patients, by: str) -> None:
    table = tier_table(patients, by=by)
    for (group, tier), n in patients.groupby([by, "tier"]).size().items():  # counted here with pandas
        assert table[(table[by] == group) & (table["tier"] == tier)]["n"].item() == n
    mar = table[table["tier"] == "MaR"]
    for row in mar.itertuples(index=False):
        total = int((patients[by] == getattr(row, by)).sum())
        assert row.total == total
        if total >= 2:
            assert (row.ci_low, row.ci_high) == pytest.approx(exact_ci(row.n, total))


def test_a_one_patient_group_keeps_its_count_but_gets_no_interval(patients) -> None:
    table = tier_table(patients, by="genotype")
    row = table[(table["genotype"] == "CD41-42/CD43") & (table["tier"] == "MaR")].iloc[0]  # Table 1: one case
    assert (row["n"], row["total"], row["pct"]) == (1, 1, 100.0)
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"]) and not row["computed"]
    assert row["reason"] == "not computed: only 1 evaluable patient (an interval needs at least 2)"


def test_a_group_without_evaluable_patients_says_so() -> None:
    graded = pd.DataFrame({"patient_id": ["a", "b"], "tier": ["not evaluable", "MaR"], "g": ["x", "y"]})
    row = tier_table(graded, by="g").query("g == 'x' and tier == 'ORR'").iloc[0]
    assert row["total"] == 0 and np.isnan(row["pct"]) and row["reason"] == "not computed: no evaluable patients"


def test_crosstab_is_the_long_table_wide_with_small_groups_flagged(patients) -> None:
    wide = tier_crosstab(tier_table(patients, by="thal_type"), by="thal_type").set_index("thal_type")
    assert wide.loc["TDT", ["MaR", "SLR", "NR"]].tolist() == [21, 9, 4]  # Results: 21 TDT transfusion-free
    assert wide.loc["NTDT", "n"] == 14 and wide.loc["NTDT", "orr"] == 100.0
    small = tier_crosstab(tier_table(patients, by="genotype"), by="genotype").set_index("genotype")
    assert small.loc["CD17/CD17", "note"] == "small group (n < 5)"
    assert small.loc["CD41-42/CD43", "note"].startswith("not computed: only 1")
    assert small.loc["CD41-42/-28", "note"] == ""  # 6 patients


def test_genotype_groups_come_from_the_whole_cohort_not_the_filter(bundled, graded) -> None:
    # CD17/-28 has 2 MaR and 5 SLR (Table 1): the two MaR alone would look like a "MaR group".
    mar_only = graded[(graded["genotype"] == "CD17/-28") & (graded["tier"] == "MaR")]
    rows = response_patients(mar_only, bundled.patients, graded)
    assert set(rows["genotype_group"]) == {"SLR/NR group"}
    assert set(response_patients(mar_only, bundled.patients, mar_only)["genotype_group"]) == {"MaR group"}


def test_attributes_are_attached_by_patient(patients, bundled) -> None:
    spleen = bundled.patients.set_index("patient_id")["splenectomy"]
    expected = patients["patient_id"].map(spleen).map({True: "yes", False: "no"})
    assert patients["splenectomy"].tolist() == expected.tolist()


def test_a_graded_patient_missing_from_the_attributes_is_an_error(bundled, graded) -> None:
    with pytest.raises(ValueError, match="patient P01 is graded but not among"):
        response_patients(graded, bundled.patients[bundled.patients["patient_id"] != "P01"], graded)


def test_non_mar_patients_are_the_other_tiers_in_tier_order(patients) -> None:
    rows = non_mar_patients(patients)
    assert len(rows) == 13 and "MaR" not in set(rows["tier"])  # 9 SLR + 4 NR
    assert rows["tier"].tolist() == ["SLR"] * 9 + ["NR"] * 4


def test_transfusion_independence_timing_is_table_1s(bundled) -> None:
    timing = ti_timing(transfusion_facts(bundled)).set_index("category")
    # Abstract/Results: 21 of 34 TDT transfusion-free, 16 within 1 month, 5 at 3 months
    assert timing["n"].to_dict() == {"transfusion-free": 21, "within 1 month": 16, "at 3 months": 5, "later": 0,
                                     "still transfused": 13, "never transfused": 0, "not evaluable": 0}
    assert set(timing["n_tdt"]) == {34}
    for category in ("transfusion-free", "within 1 month", "at 3 months"):
        row = timing.loc[category]
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(exact_ci(int(row["n"]), 34))


def test_transfusion_independence_leaves_unknown_status_out_of_the_denominator() -> None:
    facts = pd.DataFrame({
        "patient_id": ["a", "b", "c", "d", "e", "f"], "thal_type": ["TDT", "TDT", "TDT", "TDT", "NTDT", "TDT"],
        "ti_month": [1.0, 6.0, np.nan, np.nan, np.nan, np.nan],
        "ti_status": ["independent", "independent", "still transfused at the last visit",
                      "not evaluable: rbc_units missing after month 3", "never transfused", "never transfused"]})
    timing = ti_timing(facts).set_index("category")
    # f: a TDT patient never transfused is of known status, but not "transfusion-free" (never dependent).
    assert timing["n"].to_dict() == {"transfusion-free": 2, "within 1 month": 1, "at 3 months": 0, "later": 1,
                                     "still transfused": 1, "never transfused": 1, "not evaluable": 1}
    assert timing.loc["transfusion-free", "total"] == 4 and set(timing["n_tdt"]) == {5}
    assert pd.isna(timing.loc["not evaluable", "total"])


def test_the_published_figures_sit_beside_the_computed_ones(bundled, graded) -> None:
    table = beside_published(tier_table(graded), ti_timing(transfusion_facts(bundled)))
    assert table["printed"].tolist() == ["35/48 = 72.9%", "44/48 = 91.7%", "21/34 = 61.8%", "16", "5"]
    assert table["same_count"].all()


def test_a_different_count_is_not_the_same(bundled, graded) -> None:
    fewer = graded[graded["patient_id"] != "P01"]  # one MaR fewer
    table = beside_published(tier_table(fewer), ti_timing(transfusion_facts(bundled))).set_index("quantity")
    assert not table.loc["Major response (MaR)", "same_count"]


def test_grouped_visits_restrict_to_a_genotype_group_and_months(bundled, patients) -> None:
    rows = grouped_visits(bundled.visits, patients, genotype_group="MaR group", max_month=6)
    assert rows["patient_id"].nunique() == 33 and rows["month"].max() == 6  # Results: 33 MaR-group cases
    tiers = patients.set_index("patient_id")["tier"]
    assert (rows["tier"] == rows["patient_id"].map(tiers)).all()
    everyone = grouped_visits(bundled.visits, patients)
    assert everyone["patient_id"].nunique() == 48 and "W1" not in set(everyone["patient_id"])


def test_the_group_chart_labels_each_bar_with_its_orr(patients) -> None:
    chart = tiers_by_group_chart(tier_table(patients, by="thal_type"), by="thal_type")
    texts = [r.get("text") for d in chart.to_dict()["datasets"].values() for r in d]
    assert "ORR 30/34 = 88.2%" in texts and "ORR 14/14 = 100.0%" in texts
