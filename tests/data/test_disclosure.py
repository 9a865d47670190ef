"""Small cells (``data.disclosure``): counts 1 … k − 1 as "< k" in CSV downloads and the CLI's --min-cell."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

import thaldash.data.disclosure as disclosure
from thaldash.cli import main
from thaldash.data.disclosure import (DEFAULT_MIN_CELL, default_min_cell, suppress_small_counts, suppression_note,
                                      valid_min_cell)
from thaldash.export.files import table_csv
from thaldash.reports.cells import COUNT_FIELDS, POPULATION_COUNTS
from thaldash.views.blocks import Col, Table


def _crosstab() -> pd.DataFrame:
    return pd.DataFrame({"centre": ["a", "b", "c", "d"], "n": [0, 3, 5, 12], "pct": [float("nan"), 33.3, 60.0, 50.0],
                         "ci_low": [float("nan"), 0.8, 14.7, 21.1]})


def test_counts_from_1_to_k_minus_1_are_hidden_and_their_rates_emptied():
    out = suppress_small_counts(_crosstab(), counts=["n"], derived=["pct", "ci_low"], min_cell=5)
    assert out.frame["n"].tolist() == [0, "< 5", 5, 12]  # zero identifies no one; 5 is not below 5
    assert out.frame.loc[1, "pct"] is None and out.frame.loc[1, "ci_low"] is None
    assert out.frame.loc[2, "pct"] == 60.0
    assert (out.n_counts, out.n_derived, out.min_cell) == (1, 2, 5)
    assert suppression_note(out).startswith("small cells: counts below 5 shown as < 5 (1 cell)")


@pytest.mark.parametrize("k", [None, 0, 1])
def test_k_off_leaves_the_table(k):
    frame = _crosstab()
    out = suppress_small_counts(frame, counts=["n"], min_cell=k)
    assert out.frame is frame and not out.checked and suppression_note(out) == ""


def test_a_checked_table_without_small_counts_says_so():
    out = suppress_small_counts(_crosstab().iloc[[0, 2, 3]], counts=["n"], min_cell=5)
    assert out.checked and out.n_counts == 0 and "none in this table" in suppression_note(out)


def test_table_csv_writes_the_hidden_counts_and_the_footer_line():
    body = table_csv(_crosstab(), "data: x", counts=["n"], derived=["pct"], min_cell=5).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["centre", "n", "pct", "ci_low"]
    assert rows[2][:3] == ["b", "< 5", ""]
    assert any(r and r[0].startswith("# small cells: counts below 5 shown as < 5") for r in rows)
    plain = table_csv(_crosstab(), "data: x", counts=["n"]).decode("utf-8-sig")  # no k: every count
    assert "< 5" not in plain and "small cells" not in plain


def test_a_table_names_its_count_columns():
    table = Table("t", "T", _crosstab(), {"centre": Col("Centre"), "n": Col("n", count=True),
                                          "pct": Col("%", from_counts=True)})
    assert table.counts == ("n",) and table.from_counts == ("pct",)


def test_k_from_the_environment_then_the_config_file_then_5(monkeypatch, tmp_path):
    monkeypatch.setattr(disclosure, "CONFIG_FILE", tmp_path / "thaldash.toml")
    monkeypatch.delenv(disclosure.MIN_CELL_ENV, raising=False)
    assert default_min_cell() == DEFAULT_MIN_CELL == 5
    (tmp_path / "thaldash.toml").write_text("[exports]\nmin_cell = 10\n")
    assert default_min_cell() == 10
    monkeypatch.setenv(disclosure.MIN_CELL_ENV, "3")
    assert default_min_cell() == 3
    monkeypatch.setenv(disclosure.MIN_CELL_ENV, "three")  # not a number: the next source
    assert default_min_cell() == 10
    assert [valid_min_cell(v) for v in ("0", "11", "2.5", "-1", "101", "x")] == [0, 11, None, None, None, None]


def _tiny_csv(tmp_path) -> str:
    from tests.cohorts import tiny_frame

    path = tmp_path / "tiny.csv"
    tiny_frame().to_csv(path, index=False)
    return str(path)


def test_grade_min_cell_hides_the_summary_counts(tmp_path, capsys):
    path = _tiny_csv(tmp_path)
    assert main(["grade", path]) == 0
    shown = capsys.readouterr().out
    assert main(["grade", path, "--min-cell", "5"]) == 0
    hidden = capsys.readouterr().out
    assert "< 5" not in shown and "patients graded" in shown
    import re

    before = [line for line in shown.splitlines() if "patients graded" in line][0]
    after = [line for line in hidden.splitlines() if "patients graded" in line][0]
    # Each count of the line: 1-4 becomes "< 5", 0 and 5 or more stay (the tiny cohort has 7 analysed).
    expected = re.sub(r"\b([1-4])\b", "< 5", before)
    assert after == expected and after != before and after.startswith("7 patients graded")
    assert "small cells: counts below 5 shown as < 5 (--min-cell 5)" in hidden
    assert main(["grade", path, "--min-cell", "five"]) == 2
    assert "whole number" in capsys.readouterr().err


def test_report_min_cell_hides_counts_in_every_section(tmp_path, capsys):
    path = _tiny_csv(tmp_path)
    assert main(["report", path, "--format", "json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["small_cells"] is None
    assert main(["report", path, "--format", "json", "--min-cell", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["small_cells"]["min_cell"] == 5 and report["small_cells"]["counts_hidden"] > 0
    for field in POPULATION_COUNTS:
        value = full["population"][field]
        assert report["population"][field] == ("< 5" if 1 <= value < 5 else value)
    for section, (counts, _) in COUNT_FIELDS.items():
        for before, after in zip(full.get(section) or [], report.get(section) or []):
            for field in counts:
                value = before.get(field)
                if isinstance(value, (int, float)) and 1 <= value < 5:
                    assert after[field] == "< 5", (section, field)


def test_every_count_field_of_the_report_exists():
    from thaldash.reports.report import SECTION_FIELDS

    for section, (counts, derived) in COUNT_FIELDS.items():
        assert section in SECTION_FIELDS, section
        assert set(counts) | set(derived) <= set(SECTION_FIELDS[section]), section


def test_counts_written_as_pairs_in_text_are_hidden_but_not_genotypes():
    frame = pd.DataFrame({"table": ["per genotype: CD17/-28 0/5, CD17/CD17 2/2, CD41-42/IVS-II-654 4/14",
                                    "β0/β0 11/15 independent vs β0/β+ 8/17"], "n": [34, 32]})
    out = suppress_small_counts(frame, counts=["n"], fractions=["table"], min_cell=5)
    assert out.frame["table"].tolist() == [
        "per genotype: CD17/-28 0/5, CD17/CD17 < 5/< 5, CD41-42/IVS-II-654 < 5/14",
        "β0/β0 11/15 independent vs β0/β+ 8/17"]
    assert out.n_counts == 3 and out.frame["n"].tolist() == [34, 32]
    assert frame["table"].iloc[0].endswith("4/14")  # the input is not changed


def test_a_count_shown_as_text_with_a_mark_is_read_by_its_number():
    frame = pd.DataFrame({"n_text": ["3 †", "12", "4.5", "none"]})
    out = suppress_small_counts(frame, counts=["n_text"], min_cell=5)
    assert out.frame["n_text"].tolist() == ["< 5", "12", "4.5", "none"]  # 4.5 is not a count


@pytest.mark.parametrize("text, leading, expected, hidden", [
    ("ORR 3/15 = 20.0%", False, "ORR < 5/15", 1),  # the percentage would give 3 back (3 = 20 % of 15)
    ("3/15 = 20.0 % (5.1–45.4)", False, "< 5/15", 1),  # the interval goes with it
    ("3 (6.3%)", True, "< 5", 1),  # a chart label that is a count
    ("3 (6.3%)", False, "3 (6.3%)", 0),  # in running text a leading number is not read as a count
    ("n=3 at month 6", False, "n < 5 at month 6", 1),
    ("66.7 % (n = 6; 4 patients · 95% CI 22.3–95.7 %)", False, " (n = 6; < 5 patients · 95% CI )", 1),
    ("pools 5 TDT and 2 NTDT", False, "pools 5 TDT and < 5 NTDT", 1),
    ("ORR 44/48 = 91.7% (95% CI 80.0–97.7)", False, "ORR 44/48 = 91.7% (95% CI 80.0–97.7)", 0),
    ("CD17/-28 in 0/12, 24 months, 1 month", False, "CD17/-28 in 0/12, 24 months, 1 month", 0),  # not counts
])
def test_counts_in_text_are_hidden_with_the_percentages_that_would_give_them_back(text, leading, expected, hidden):
    assert disclosure.hide_counts_in_text(text, 5, leading=leading) == (expected, hidden)


@pytest.mark.parametrize("k", [None, 0, 1])
def test_k_off_leaves_text(k):
    assert disclosure.hide_counts_in_text("ORR 3/4 = 75.0%", k) == ("ORR 3/4 = 75.0%", 0)


def test_a_fraction_column_loses_its_percentages_with_a_hidden_count():
    frame = pd.DataFrame({"computed": ["3/48 (6.3%)", "44/48 (91.7%)"]})
    out = suppress_small_counts(frame, counts=[], fractions=["computed"], min_cell=5)
    assert out.frame["computed"].tolist() == ["< 5/48", "44/48 (91.7%)"] and out.n_counts == 1


def test_notes_are_guarded_line_by_line():
    notes = "MaR: 66.7 % (n = 6; 4 patients)\nORR: 91.7 % (n = 48; 44 patients)"
    assert disclosure.hide_counts_in_lines(notes, 5) == ("MaR:  (n = 6; < 5 patients)\nORR: 91.7 % (n = 48; 44 patients)",
                                                        1)
