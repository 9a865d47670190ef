"""``thaldash.published.constraints``: how far the paper constrains each result on the reconstruction.

The expected labels follow from the paper (data/published.csv: what is printed where) and
data/COHORT.md (what the generator assumed), named in the comment beside each case.
"""

from __future__ import annotations

import pandas as pd
import pytest

from thaldash.analyses.patients import baseline_hbf_vs_rise, compare_measure, paired_ferritin, patient_table
from thaldash.analyses.response import grouped_visits, response_patients
from thaldash.analyses.trajectories import trajectory_means
from thaldash.grading.grade import grade
from thaldash.grading.summary import tier_table
from thaldash.published.constraints import CONSTRAINTS, constraint_rules, label_constraints


@pytest.fixture(scope="module")
def table(bundled):
    return patient_table(bundled)


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, where
    return rows.iloc[0]


@pytest.mark.parametrize("subset, measure, month, test, constraint, words", [
    # Table 4 prints Hb at 12 M: P < 0.001 (Student t, pooled variance).
    ("analysed", "hb_g_l", 12, "Student t (pooled variance)", "published", "Table 4"),
    # Welch from Table 4's printed n, means and SDs: fixed, though never printed.
    ("analysed", "hb_g_l", 12, "Welch t", "constrained", "n, means and SDs printed in Table 4"),
    # Table 5's SDs are Table 4's (C2): nothing fixes each group's own SD.
    ("analysed", "hbf_pct", 12, "Welch t", "assumed", "SD"),
    # Table 4's P at 0 M is under C1; Table 2's means (Results) and Table 4's SE fix it.
    ("analysed", "hb_g_l", 0, "Student t (pooled variance)", "constrained", "C1"),
    # Rank tests depend on the shape the generator drew.
    ("TDT", "sf_ng_ml", 24, "Mann–Whitney U", "assumed", "shape"),
    # Table 10 is TDT only; NTDT ferritin is assumed (COHORT.md).
    ("analysed", "sf_ng_ml", 24, "Student t (pooled variance)", "assumed", "NTDT ferritin"),
    # The 18-month visit is assumed.
    ("analysed", "hb_g_l", 18, "Student t (pooled variance)", "assumed", "18-month"),
    # HbF at months 1 and 3 is assumed.
    ("TDT", "hbf_pct", 3, "Welch t", "assumed", "months 1, 3 and 18"),
])
def test_comparisons(bundled, table, subset, measure, month, test, constraint, words) -> None:
    rows = compare_measure(bundled, table, measure=measure, subset=subset, months=(month,))
    row = _one(label_constraints(rows, "comparison"), test=test)
    assert row["constraint"] == constraint and words in row["constraint_note"]


@pytest.mark.parametrize("grouping, groups, words", [
    ("sex", ("F", "M"), "sexes are assumed"),             # COHORT.md: most sexes assumed
    ("splenectomy", ("yes", "no"), "splenectomy"),         # COHORT.md: who had a splenectomy, assumed
    ("thal_type", ("TDT", "NTDT"), "only the genotype groups"),
])
def test_subgroups_the_paper_does_not_compare_are_assumed(bundled, table, grouping, groups, words) -> None:
    rows = label_constraints(compare_measure(bundled, table, measure="hbf_pct", grouping=grouping, groups=groups,
                                             months=(0, 12)), "comparison")
    assert set(rows["constraint"]) == {"assumed"} and rows["constraint_note"].str.contains(words).all()


def test_paired_changes(bundled, table) -> None:
    rows = label_constraints(paired_ferritin(bundled, table), "paired")
    # Table 9: 0 vs 12 and 0 vs 24 printed; 12 vs 24's printed P is under C3, its difference and SE are kept.
    assert _one(rows, time_i=0, time_j=12, test="paired t")["constraint"] == "published"
    late = _one(rows, time_i=12, time_j=24, test="paired t")
    assert late["constraint"] == "constrained" and "C3" in late["constraint_note"]
    assert set(rows.loc[rows["test"] == "Wilcoxon signed-rank", "constraint"]) == {"assumed"}


def test_correlations(bundled, table) -> None:
    _, fig3 = baseline_hbf_vs_rise(table)
    rows = label_constraints(fig3, "correlation", x="hbf_baseline", y="hb_rise")
    # Fig. 3 / Discussion print the Pearson P = 0.009; no Spearman.
    assert _one(rows, method="Pearson")["constraint"] == "published"
    assert _one(rows, method="Spearman")["constraint"] == "assumed"
    _, age = baseline_hbf_vs_rise(table, x="age_years")
    aged = label_constraints(age, "correlation", x="age_years", y="hb_rise")
    assert set(aged["constraint"]) == {"assumed"} and aged["constraint_note"].str.contains("ages").all()


def test_tier_counts(bundled) -> None:
    graded = grade(bundled)
    rows = label_constraints(tier_table(graded), "tiers").set_index("tier")
    # Abstract: MaR 35/48, ORR 44/48; Results: NR 4. MiR and SLR follow from Table 3 and those.
    assert rows.loc[["MaR", "NR", "ORR"], "constraint"].tolist() == ["published"] * 3
    assert rows.loc[["MiR", "SLR"], "constraint"].tolist() == ["constrained"] * 2
    by_type = label_constraints(tier_table(graded, by="thal_type").rename(columns={"thal_type": "population"}),
                                "tiers")
    assert set(by_type["constraint"]) == {"constrained"}  # TDT = all − 14 NTDT, all MaR by rule
    other = label_constraints(tier_table(graded), "tiers", paper_rules=False)
    assert set(other["constraint"]) == {"assumed"}


def test_trajectory_means(bundled) -> None:
    graded = grade(bundled)
    visits = grouped_visits(bundled.visits, response_patients(graded, bundled.patients, graded))
    by_group = label_constraints(trajectory_means(visits, measure="hb_g_l", by="genotype_group"), "trajectory",
                                 measure="hb_g_l", grouping="genotype_group")
    # Table 4 prints both groups at 12 M; Table 2's genotype means fix the MaR group at 1 M; 18 M is assumed.
    assert _one(by_group, genotype_group="SLR/NR group", month=12)["constraint"] == "published"
    assert _one(by_group, genotype_group="MaR group", month=1)["constraint"] == "constrained"
    assert _one(by_group, genotype_group="MaR group", month=18)["constraint"] == "assumed"
    overall = label_constraints(trajectory_means(visits, measure="hbf_pct"), "trajectory", measure="hbf_pct")
    assert _one(overall, month=6)["constraint"] == "constrained"  # weighted mean of Table 5's group means
    assert _one(overall, month=3)["constraint"] == "assumed"      # COHORT.md: HbF at 1 and 3 M assumed


def test_a_filtered_subgroup_is_assumed(bundled, table) -> None:
    rows = compare_measure(bundled, table, measure="hb_g_l", months=(12,))
    assert set(label_constraints(rows, "comparison", whole_cohort=False)["constraint"]) == {"assumed"}


def test_the_rules_are_valid_data() -> None:
    rules = constraint_rules()
    assert set(rules["constraint"]) <= set(CONSTRAINTS)
    for kind, rows in rules.groupby("kind"):
        last = rows.iloc[-1]
        # every kind ends with a catch-all, so no row goes unlabelled
        assert (last["measure"], last["month"], last["grouping"], last["subset"], last["test"]) == ("*",) * 5, kind
