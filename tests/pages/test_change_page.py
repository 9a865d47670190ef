"""The Change and correlation page: Table 9 and Fig. 3's P reproduced, links, corrections, undefined cases."""

from __future__ import annotations

import math

import pandas as pd

from tests.pages.conftest import REPO, main_text
from thaldash.analyses.change import paired_view
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.published.numbers import printed_interval, published_numbers

PAGE = REPO / "pages" / "5_Change_and_correlation.py"
KEY = "thaldash.w.change-and-correlation."


def _agrees(shown: object, printed: str) -> bool:
    """``shown`` (a number, or the page's P text) prints as ``printed`` at the paper's precision."""
    low, high = printed_interval(printed)
    if isinstance(shown, str) and shown.startswith("<"):  # the page's "< 0.001"
        return low == -math.inf and float(shown.lstrip("< ")) <= high
    return low - 1e-9 <= float(shown) < high - 1e-9


def test_table_9_and_fig_3_are_reproduced(run_page):
    at = run_page(PAGE)
    assert not at.exception
    table = at.dataframe[0].value.set_index(["time_i", "time_j"])
    printed = published_numbers()
    rows = printed[(printed["source"] == "Table 9")]
    checked = 0
    for row in rows.itertuples():
        pair, field = row.fact.split(".")[3:]  # paired.analysed.sf_ng_ml.m0-m12.diff → m0-m12, diff
        i, j = (int(m[1:]) for m in pair.split("-"))
        if (i, j) not in table.index:  # the page shows I < J; Table 9 also prints each pair reversed
            continue
        cell = table.loc[(i, j)]
        assert cell[f"published_{field}"].removesuffix(" †") == row.value.replace("<", "< ")
        if row.contradiction:  # C3: Table 9's P for 12 vs 24 M
            assert cell[f"published_{field}"].endswith(" †")
            continue
        assert _agrees(cell[field], row.value), f"{row.ref}: page {cell[field]!r}, Table 9 prints {row.printed!r}"
        checked += 1
    assert checked == 8  # 3 pairs × (difference, SE, P), less the contradicted P of 12 vs 24 M
    correlation = at.dataframe[2].value.set_index("method")
    # Fig. 3 (Discussion): P = 0.009 for baseline HbF vs the Hb rise.
    assert correlation.loc["Pearson", "published_p"] == "0.009"
    assert _agrees(correlation.loc["Pearson", "p"], "0.009")
    assert "Some numbers do not print as the paper's" not in main_text(at)


def test_numbers_are_the_cores_with_a_correction(run_page):
    at = run_page(PAGE, query={"correction": "holm", "pairs": "0-6,6-24", "measure": "hb_g_l"})
    assert not at.exception
    assert at.radio(key=KEY + "correction").value == "holm"
    assert at.selectbox(key=KEY + "measure").value == "hb_g_l"
    assert at.multiselect(key=KEY + "pairs").value == ["0-6", "6-24"]
    core, _ = paired_view(load_cohort(bundled_cohort_path()).cohort, measure="hb_g_l", pairs=[(0, 6), (6, 24)],
                          correction="holm")
    shown = at.dataframe[0].value
    pd.testing.assert_series_equal(shown["diff"], core["diff"])
    expected = ["< 0.001" if p < 0.001 else f"{p:.3f}" for p in core["p_adjusted"]]
    assert shown["p_adjusted"].tolist() == expected
    assert "published_diff" not in shown  # the paper has no Table 9 for Hb
    assert "Holm-adjusted" in main_text(at)


def test_correlation_variables_from_a_link(run_page):
    at = run_page(PAGE, query={"x": "age_years", "y": "reduction_pct"})
    assert not at.exception
    assert at.selectbox(key=KEY + "x").value == "age_years"
    fit = at.dataframe[2].value
    assert "published_p" not in fit  # Fig. 3 is baseline HbF vs Hb rise only
    # Reduction exists for the still-transfused TDT patients only; the others are dropped and counted.
    assert (fit["n"] + fit["n_dropped"] == 48).all() and (fit["n_dropped"] > 0).all()


def test_same_variable_twice_is_a_message(run_page):
    at = run_page(PAGE, query={"x": "hb_rise", "y": "hb_rise"})
    assert not at.exception
    assert "Choose two different variables" in main_text(at)


def test_filtered_cohort_has_no_published_column(run_page):
    at = run_page(PAGE, query={"thal_type": "TDT"})
    assert "published_diff" not in at.dataframe[0].value
    assert at.dataframe[0].value["n_text"].tolist() == ["34", "34", "34"]


def test_tiny_cohort_states_what_is_not_computed(run_page):
    # Three analysed patients: a correlation needs 3 complete pairs, and the 18-month visit of N1 is missing.
    at = run_page(PAGE, "tiny", query={"pairs": "0-18", "y": "reduction_pct"})
    assert not at.exception
    table = at.dataframe[0].value
    assert table["n_dropped"].tolist() == [1] and table["n_text"].tolist() == ["2 ⚠ n < 5"]
    assert "not computed" in main_text(at)


def test_holm_is_on_by_default_and_says_how_many_tests(run_page):
    at = run_page(PAGE)
    assert at.radio(key=KEY + "correction").value == "holm"
    assert "Holm-adjusted within each test across the 3 tests on this page" in main_text(at)
    assert at.query_params.get("correction") is None  # the default is not written into the link
