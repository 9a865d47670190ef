"""Tests for the study flow, demographics and Table 1 (``thaldash.analyses.overview``) on the bundled cohort.

Reference values are the paper's (Yang et al. 2024, /work/shared/paper/yang2024.txt): the
"General conditions" paragraph of the Results and Table 1, as read in AUDIT.md.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from thaldash.data.alleles import genotype_label, normalise_allele
from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.grading.grade import grade
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.analyses.overview import TABLE_1_COLUMNS, demographics, provenance_summary, study_flow, table_1


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    result = load_cohort(bundled_cohort_path())
    assert result.ok
    return result.cohort


def cell(frame: pd.DataFrame, characteristic: str, category: str, column: str = "n") -> object:
    row = frame[(frame["characteristic"] == characteristic) & (frame["category"] == category)]
    assert len(row) == 1, (characteristic, category)
    return row[column].iloc[0]


def test_study_flow_52_enrolled_4_withdrawn_48_analysed(cohort):
    # Results: "Forty-eight of the 52 patients completed the 2-year follow-up ... Four patients
    # with TDT withdrew from the study".
    flow = study_flow(cohort)
    totals = flow[flow["level"] == "total"].set_index("stage")["n"]
    assert totals.to_dict() == {"enrolled": 52, "withdrawn": 4, "analysed": 48}
    assert list(flow["stage"]) == ["enrolled", "withdrawn", "withdrawn", "withdrawn", "withdrawn", "analysed"]


def test_study_flow_withdrawal_reasons(cohort):
    # Results: two severe rashes within two months, one menstrual disorder after five months,
    # one changed to haematopoietic stem cell transplantation (month not printed).
    reasons = study_flow(cohort).query("level == 'reason'").set_index("reason")
    assert reasons["n"].sum() == 4
    assert reasons.loc["severe rash", "n"] == 2
    assert reasons.loc["severe rash", "month_max"] <= 2
    assert reasons.loc["menstrual disorder", "n"] == 1
    assert reasons.loc["menstrual disorder", "month_min"] == 5
    assert any("stem cell" in r for r in reasons.index)


def test_demographics_match_the_paper(cohort):
    # Results, "General conditions": 30 male, 22 female, 12 to 41 years, median 16; 11 aged
    # 12–14 (read 12–13), 20 aged 14–18, 21 over 18; 38 TDT and 14 NTDT; 20 of the 52 splenectomised.
    demo = demographics(cohort)
    assert cell(demo, "sex", "M") == 30
    assert cell(demo, "sex", "F") == 22
    assert cell(demo, "age_years", "minimum", "value") == 12
    assert cell(demo, "age_years", "maximum", "value") == 41
    assert cell(demo, "age_years", "median", "value") == 16
    assert [cell(demo, "age_band", b) for b in ("12–13", "14–18", ">18")] == [11, 20, 21]
    assert cell(demo, "thal_type", "TDT") == 38
    assert cell(demo, "thal_type", "NTDT") == 14
    assert cell(demo, "splenectomy", "yes") == 20
    assert set(demo["total"]) == {52}
    assert set(demo["population"]) == {"enrolled"}


def test_demographics_percent_uses_the_named_denominator(cohort):
    demo = demographics(cohort, population="analysed")
    assert set(demo["total"]) == {48}
    # The paper's "11 patients (22.9%)" is 11 of 48 (AUDIT.md) although the 11 count all 52.
    assert cell(demo, "sex", "M", "pct") == pytest.approx(100 * cell(demo, "sex", "M") / 48)
    assert pd.isna(cell(demo, "age_years", "median", "pct"))


def test_demographics_reports_missing_values():
    frame = pd.DataFrame({
        "patient_id": ["a", "b"], "allele_1": ["CD17", "CD17"], "allele_2": ["-28", "-28"],
        "thal_type": ["TDT", "NTDT"], "splenectomy": [True, False], "pre_rbc_units_24m": [40.0, 0.0],
        "month": [0, 0], "hb_g_l": [80.0, 90.0], "hbf_pct": [10.0, 10.0], "sf_ng_ml": [900.0, 900.0],
        "rbc_units": [0.0, 0.0], "sex": ["F", None], "age_years": [11.0, None],
    })
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    demo = demographics(load_cohort(buffer.getvalue(), "two.parquet").cohort)
    assert cell(demo, "sex", "not recorded") == 1
    assert cell(demo, "age_band", "<12") == 1
    assert cell(demo, "age_band", "not recorded") == 1
    assert cell(demo, "age_years", "median", "n") == 1


# Table 1 as printed: combination, NTDT, TDT, TDT independent within 1 month, at 3 months (the
# second column is headed "within 1 m" too; 16 + 5 = 21, AUDIT.md), total, effect ("MaR" for
# combinations ①–⑩, "See Table 3" for ⑪–⑭, the SLR/NR group).
PAPER_TABLE_1 = [
    ("β-28/β-28", 3, 0, 0, 0, 3, "MaR group"),
    ("βCD17/β-29", 4, 0, 0, 0, 4, "MaR group"),
    ("βCD41-42/β-28", 4, 2, 2, 0, 6, "MaR group"),
    ("βCD41-42/β-29", 0, 2, 2, 0, 2, "MaR group"),
    ("βCD41-42/βCD17", 0, 5, 5, 0, 5, "MaR group"),
    ("βCD41-42/βIVS-II-654", 0, 4, 3, 1, 4, "MaR group"),
    ("βCD17/βCD17", 1, 2, 0, 2, 3, "MaR group"),
    ("βCD41-42/βCD71-72", 0, 3, 2, 1, 3, "MaR group"),
    ("βIVS-II-654/βEM", 0, 2, 1, 1, 2, "MaR group"),
    ("βCD41-42/β-43", 0, 1, 1, 0, 1, "MaR group"),
    ("βCD17/β-28", 2, 5, 0, 0, 7, "SLR/NR group"),
    ("βCD41-42/βCD41-42", 0, 4, 0, 0, 4, "SLR/NR group"),
    ("βCD17/βIVS-II-654", 0, 3, 0, 0, 3, "SLR/NR group"),
    ("βCD71-72/βEM", 0, 1, 0, 0, 1, "SLR/NR group"),
]
PAPER_TOTAL = (14, 34, 16, 5, 48)  # "Amount to 14 34 16 5 48"


def paper_genotype(printed: str) -> str:
    a, b = printed.split("/")
    return genotype_label(normalise_allele(a), normalise_allele(b))


@pytest.fixture(scope="module")
def table(cohort) -> pd.DataFrame:
    return table_1(cohort, grade(cohort))


@pytest.mark.parametrize("printed, ntdt, tdt, ti_1m, ti_3m, total, group", PAPER_TABLE_1)
def test_table_1_rows_match_the_paper(table, printed, ntdt, tdt, ti_1m, ti_3m, total, group):
    row = table.set_index("genotype").loc[paper_genotype(printed)]
    assert (row["n_ntdt"], row["n_tdt"], row["n_tdt_ti_1m"], row["n_tdt_ti_3m"], row["n_total"]) == \
        (ntdt, tdt, ti_1m, ti_3m, total)
    assert row["group"] == group


def test_table_1_total_row_and_shape(table):
    assert list(table.columns) == list(TABLE_1_COLUMNS)
    assert len(table) == len(PAPER_TABLE_1) + 1
    last = table.iloc[-1]
    assert last["genotype"] == "Total"
    assert (last["n_ntdt"], last["n_tdt"], last["n_tdt_ti_1m"], last["n_tdt_ti_3m"], last["n_total"]) == PAPER_TOTAL
    assert last["n_tdt_ti_later"] == 0
    # 34 TDT = 21 independent + 13 still transfused (the 13 of Table 3).
    assert last["n_tdt_not_ti"] == 13


def test_table_1_lists_the_mar_group_first(table):
    groups = list(table["group"].iloc[:-1])
    assert groups == sorted(groups, key=lambda g: g != "MaR group")


def test_table_1_groups_do_not_move_under_a_filter(cohort):
    # Only the 2 NTDT of βCD17/β-28 remain: both MaR, yet the combination stays in the SLR/NR group
    # because the group is decided on the whole cohort's grading.
    ntdt = CohortFilter(thal_types=("NTDT",)).apply(cohort)
    table = table_1(ntdt, grade(cohort)).set_index("genotype")
    assert table.loc["CD17/-28", "n_total"] == 2
    assert table.loc["CD17/-28", "group"] == "SLR/NR group"
    assert table.loc["Total", "n_total"] == 14


def test_table_1_of_an_empty_cohort_is_a_zero_total(cohort):
    empty = CohortFilter(thal_types=("nobody",)).apply(cohort)
    table = table_1(empty, grade(cohort))
    assert list(table["genotype"]) == ["Total"] and table["n_total"].iloc[0] == 0


def test_table_1_refuses_a_grading_that_lacks_patients(cohort):
    tdt_only = grade(CohortFilter(thal_types=("TDT",)).apply(cohort))
    with pytest.raises(ValueError, match="lacks 14 analysed patient"):
        table_1(cohort, tdt_only)


def test_provenance_summary_counts_every_value_once(cohort):
    summary = provenance_summary(cohort).set_index("measure")
    assert {"hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units"} <= set(summary.index)
    visits = summary[summary["counted"] == "visits"]
    assert set(visits["total"]) == {len(cohort.visits)}
    patients = summary[summary["counted"] == "patients"]
    assert set(patients["total"]) <= {len(cohort.patients)}
    # pandas value_counts of the column itself, independently of the summary's own counting
    raw = cohort.visits["hb_g_l_provenance"].value_counts()
    assert summary.loc["hb_g_l", "published"] == raw.get("published", 0)
    assert summary.loc["hb_g_l", "derived"] == raw.get("derived", 0)
    parts = summary[["published", "derived", "assumed", "not_recorded"]].sum(axis=1)
    assert (parts == summary["total"]).all()


def test_provenance_summary_without_provenance_columns_is_empty():
    frame = pd.DataFrame({
        "patient_id": ["a"], "allele_1": ["CD17"], "allele_2": ["-28"], "thal_type": ["NTDT"],
        "splenectomy": [False], "pre_rbc_units_24m": [0.0], "month": [0], "hb_g_l": [80.0], "hbf_pct": [10.0],
        "sf_ng_ml": [900.0], "rbc_units": [0.0]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    summary = provenance_summary(load_cohort(buffer.getvalue(), "one.parquet").cohort)
    assert len(summary) == 0 and "published" in summary.columns
