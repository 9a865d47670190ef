"""The Comparisons page: the paper's Tables 4–7 and 10 reproduced on screen, links, undefined cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.pages.conftest import REPO, main_text
from thaldash.analyses.comparisons import compare_view
from thaldash.analyses.patients import patient_table
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.grading.rules import GradingRules
from thaldash.published.numbers import printed_interval, published_numbers
from thaldash.stats import WELCH_T

PAGE = REPO / "pages" / "4_Comparisons.py"
KEY = "thaldash.w.comparisons."
LABELS = {"SLR/NR": "SLR/NR group", "MaR": "MaR group"}
# The published tables and the choice that shows each: (measure, subset) → "Table N".
TABLES = [("hb_g_l", "analysed", "Table 4"), ("hbf_pct", "analysed", "Table 5"), ("hb_g_l", "TDT", "Table 6"),
          ("hbf_pct", "TDT", "Table 7"), ("sf_ng_ml", "TDT", "Table 10")]


def _agrees(shown: object, printed: str) -> bool:
    """``shown`` (a number, or the page's P text) prints as ``printed`` at the paper's precision."""
    low, high = printed_interval(printed)
    if isinstance(shown, str) and shown.startswith("<"):  # the page's "< 0.001"
        return low == -math.inf and float(shown.lstrip("< ")) <= high
    value = float(shown)
    return low - 1e-9 <= value < high - 1e-9


@pytest.mark.parametrize("measure, subset, source", TABLES)
def test_published_tables_are_reproduced(run_page, measure, subset, source):
    at = run_page(PAGE, query={"measure": measure, "subset": subset})
    assert not at.exception
    table = at.dataframe[0].value
    printed = published_numbers()
    rows = printed[(printed["source"] == source) & printed["fact"].str.startswith("cmp.")]
    assert len(rows) == 36  # per month: 2 groups × (n, mean, SD) + difference, SE, P; 4 months
    checked = 0
    for row in rows.itertuples():
        month, *rest = row.fact.split(".")[3:]  # cmp.<subset>.<measure>.m6.MaR.mean → m6, [MaR, mean]
        field, at_month = rest[-1], table[table["month"] == int(month[1:])]
        # n, mean, SD sit on their group's row; difference, SE and P on the month's first row.
        line = at_month[at_month["label"] == LABELS[rest[0]]] if len(rest) == 2 else at_month.iloc[:1]
        assert len(line) == 1, row.fact
        cell = line.iloc[0]
        assert cell[f"published_{field}"].removesuffix(" †") == row.value.replace("<", "< ")
        if row.contradiction:
            assert cell[f"published_{field}"].endswith(" †"), row.fact
            continue
        assert _agrees(cell[field], row.value), f"{row.ref}: page {cell[field]!r}, {source} prints {row.printed!r}"
        checked += 1
    assert checked == (rows["contradiction"] == "").sum()
    assert "Some numbers do not print as the paper's" not in main_text(at)


def test_numbers_are_the_cores(run_page):
    at = run_page(PAGE, query={"measure": "hbf_pct", "subset": "TDT"})
    cohort = load_cohort(bundled_cohort_path()).cohort
    core = compare_view(cohort, patient_table(cohort, GradingRules()), measure="hbf_pct", subset="TDT",
                        published=True).table
    shown = at.dataframe[0].value
    pd.testing.assert_series_equal(shown["mean"], core["mean"])
    pd.testing.assert_series_equal(shown["n"], core["n"])
    more = at.dataframe[1].value
    pd.testing.assert_series_equal(more["median"], core["median"])


def test_a_link_reproduces_the_view(run_page):
    query = {"measure": "sf_ng_ml", "grouping": "tier", "group_a": "SLR", "group_b": "MaR", "test": "welch",
             "subset": "TDT", "months": "0,12"}
    at = run_page(PAGE, query=query)
    assert not at.exception
    for name in ("measure", "grouping", "group_a", "group_b", "test", "subset"):
        assert at.selectbox(key=KEY + name).value == query[name]
    assert at.multiselect(key=KEY + "months").value == ["0", "12"]
    table = at.dataframe[0].value
    assert sorted(set(table["month"])) == [0, 12]
    assert set(table["label"].str.replace(" ⚠ n < 5", "")) == {"SLR", "MaR"}
    assert "published_mean" not in table  # no published table compares tiers
    assert WELCH_T in main_text(at)


def test_filter_that_empties_a_group_gives_no_p(run_page):
    # Every -28/-28 patient is in the MaR genotype group: the SLR/NR group is empty.
    at = run_page(PAGE, query={"genotype": "-28/-28"})
    table = at.dataframe[0].value
    first = table.iloc[0]
    assert first["n"] == 0 and first["p"] == "not computed"
    assert "not computed" in main_text(at)
    assert "published_p" not in table  # filtered: the paper's numbers do not describe these patients


def test_one_patient_group_is_not_computed(run_page):
    # Tiny cohort: two TDT and one NTDT analysed patient.
    at = run_page(PAGE, "tiny", query={"grouping": "thal_type", "months": "0"})
    table = at.dataframe[0].value
    assert table["n"].tolist() == [2, 1]
    assert table.iloc[0]["p"] == "not computed"
    assert "⚠ n < 5" in table.iloc[0]["label"]
    assert "not computed" in main_text(at)


def test_same_group_twice_is_a_message(run_page):
    at = run_page(PAGE, query={"grouping": "tier", "group_a": "MaR", "group_b": "MaR"})
    assert not at.exception
    assert "choose two different groups" in main_text(at)


def test_genotype_sets_from_a_link(run_page):
    at = run_page(PAGE, query={"grouping": "genotype_sets", "set_a": "-28/-28", "set_b": "CD17/-28",
                               "measure": "hb_rise"})
    assert not at.exception
    table = at.dataframe[0].value
    assert table["label"].str.replace(" ⚠ n < 5", "").tolist() == ["set A", "set B"]
    assert "month" not in table  # a per-patient measure has no time column


def test_missing_choices_are_asked_for(run_page):
    at = run_page(PAGE, query={"grouping": "genotype_sets", "set_a": "-28/-28"})
    assert not at.exception and "Choose the genotypes of set A and of set B" in main_text(at)
    assert not at.dataframe


def test_the_csv_of_an_assumed_comparison_says_why_in_its_footer(run_page, monkeypatch):
    import thaldash.ui.frame as frame_module

    footers: dict[str, str] = {}
    original = frame_module.table

    def recording(frame, *, name, footer, **kwargs):
        footers[name] = footer
        return original(frame, name=name, footer=footer, **kwargs)

    monkeypatch.setattr(frame_module, "table", recording)
    at = run_page(PAGE, query={"months": "6,18"})
    assert not at.exception
    assert at.selectbox(key="thaldash.w.comparisons.test").value == "default"
    # No month-18 value is published, so the 18-month comparison rests on the reconstruction's assumption.
    assert "note: the 18-month visit is not published; its values are assumed" in footers["comparison"]
    assert "cohort: reconstructed from published aggregates, not patient data" in footers["comparison"]
    assert any("defined by the outcome" in i.value for i in at.info)
