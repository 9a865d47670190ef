"""Exports: PNG/SVG with a provenance footer, spreadsheet-safe CSV, the footer text."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import shutil
import subprocess
import sys
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from thaldash import charts
from thaldash.export.files import chart_png, chart_svg, export_spec, footer_text, table_csv, with_notes
from thaldash.analyses.trajectories import completeness, trajectory_means

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FOOTER = footer_text("cohort.parquet", "1ef34adf71db" + "0" * 52, "thal_type = TDT",
                     "Paper, as applied", dt.date(2025, 1, 15))


@pytest.fixture(scope="module")
def layered(tiny) -> alt.LayerChart:
    means = trajectory_means(tiny.visits_with(["thal_type"], analysed=True), measure="hb_g_l", by="thal_type")
    return charts.trajectory_chart(means, measure="hb_g_l", grouping="thal_type")


@pytest.fixture(scope="module")
def faceted(tiny) -> alt.FacetChart:
    return charts.completeness_map(completeness(tiny.visits_with(["thal_type"]), by="thal_type").detail, status="hb_g_l",
                                   group="thal_type")


@pytest.fixture(scope="module")
def concatenated(tiny) -> alt.VConcatChart:
    return charts.patient_timeline(tiny.visits[tiny.visits["patient_id"] == "T-GAP"])


def test_footer_has_one_key_value_line_each_with_a_short_hash() -> None:
    assert FOOTER.splitlines() == [
        "data: cohort.parquet (sha256 1ef34adf71db)",
        "filter: thal_type = TDT",
        "grading: Paper, as applied",
        "exported: 2025-01-15 with thaldash",
    ]


def test_notes_go_before_the_date_once_each_and_match_footer_texts_own() -> None:
    when = dt.date(2026, 1, 2)
    page = footer_text("cohort.parquet", "ab" * 32, "none", "Paper", when, reconstruction=True)
    note = "the 18-month visit is not published; its values are assumed"
    added = with_notes(page, [note, note, " ", "a second\nline"])
    assert added.splitlines()[-3:] == [f"note: {note}", "note: a second line", "exported: 2026-01-02 with thaldash"]
    assert added == footer_text("cohort.parquet", "ab" * 32, "none", "Paper", when, reconstruction=True,
                                notes=[note, "a second\nline"])
    assert with_notes(page, ()) == page


def test_footer_strips_control_and_bidi_characters_from_names() -> None:
    text = footer_text("evil\u202egpj.parquet\nfilter: forged", "", "", "", dt.date(2025, 1, 1))
    lines = text.splitlines()
    assert len(lines) == 4 and "\u202e" not in text
    assert lines[0] == "data: evil gpj.parquet filter: forged (sha256 unknown)"
    assert lines[1] == "filter: none" and lines[2] == "grading: not applicable"


@pytest.mark.parametrize("which", ["layered", "faceted", "concatenated"])
def test_png_starts_with_the_png_signature(request, which: str) -> None:
    png = chart_png(request.getfixturevalue(which), FOOTER)
    assert png[:8] == PNG_MAGIC


@pytest.mark.parametrize("which", ["layered", "faceted", "concatenated"])
def test_svg_carries_every_footer_line(request, which: str) -> None:
    svg = html.unescape(chart_svg(request.getfixturevalue(which), FOOTER))
    assert svg.lstrip().startswith("<svg")
    for line in FOOTER.splitlines():
        assert line in svg


def test_export_gives_container_width_charts_a_fixed_width(layered) -> None:
    spec = export_spec(layered, FOOTER, width=640)
    assert "container" not in str(spec)
    assert spec["vconcat"][0]["width"] == 640
    assert "config" in spec and "config" not in spec["vconcat"][0]


def test_presentation_chart_gets_a_larger_footer(tiny) -> None:
    means = trajectory_means(tiny.analysed, measure="hb_g_l")
    small = export_spec(charts.trajectory_chart(means, measure="hb_g_l"), FOOTER)
    big = export_spec(charts.trajectory_chart(means, measure="hb_g_l", presentation=True), FOOTER)
    assert big["vconcat"][1]["mark"]["fontSize"] > small["vconcat"][1]["mark"]["fontSize"]


def test_png_scale_multiplies_the_pixels(layered) -> None:
    def width(png: bytes) -> int:
        return int.from_bytes(png[16:20], "big")  # IHDR width, PNG specification §11.2.2

    assert width(chart_png(layered, FOOTER, scale=2)) == 2 * width(chart_png(layered, FOOTER, scale=1))


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_neutralises_formula_text_and_keeps_numbers() -> None:
    frame = pd.DataFrame({
        "label": ['=HYPERLINK("http://example.com","x")', "+1", "-2", "@x", "\tTAB", "\rCR", "β0/β+"],
        "value": [-3.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    }).astype({"label": "str"})
    rows = _rows(table_csv(frame, FOOTER))
    assert rows[0] == ["label", "value"]
    labels = [r[0] for r in rows[1:8]]
    assert labels == ["'" + v for v in frame["label"][:6]] + ["β0/β+"]
    assert rows[1][1] == "-3.5"  # a number, written as a number


def test_csv_neutralises_categorical_text_too() -> None:
    frame = pd.DataFrame({"genotype": pd.Categorical(["=1+1", "CD17/-28"])})
    rows = _rows(table_csv(frame, FOOTER))
    assert [r[0] for r in rows[1:3]] == ["'=1+1", "CD17/-28"]


def test_csv_footer_follows_a_blank_line_as_comment_rows() -> None:
    frame = pd.DataFrame({"n": [1, 2]})
    rows = _rows(table_csv(frame, FOOTER))
    assert rows[3] == []
    assert [r[0] for r in rows[4:]] == ["# " + line for line in FOOTER.splitlines()]
    assert all(len(r) == 1 for r in rows[4:])


def test_csv_footer_with_a_comma_stays_one_cell() -> None:
    footer = footer_text("a,=cmd|x.csv", "ab" * 32, "", "", dt.date(2025, 1, 1))
    rows = _rows(table_csv(pd.DataFrame({"n": [1]}), footer))
    assert rows[3] == ["# data: a,=cmd|x.csv (sha256 abababababab)"]


def test_csv_keeps_a_meaningful_index_as_a_column() -> None:
    matrix = pd.DataFrame({"MaR": [3, 0]}, index=pd.Index(["MaR", "NR"], name="tier_reference"))
    rows = _rows(table_csv(matrix, FOOTER))
    assert rows[0] == ["tier_reference", "MaR"]


@pytest.mark.skipif(shutil.which("unshare") is None or subprocess.run(
    ["unshare", "-rn", "true"], capture_output=True).returncode != 0, reason="cannot drop the network here")
def test_png_export_works_without_a_network() -> None:
    code = (
        "import altair as alt, pandas as pd\n"
        "from thaldash.export.files import chart_png\n"
        "from thaldash.charts.base import finish\n"
        "c = finish(alt.Chart(pd.DataFrame({'x': [1, 2]})).mark_point().encode(x='x:Q').properties(title='t'))\n"
        "assert chart_png(c, 'data: x')[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
    )
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr


def test_csv_footer_says_when_the_formula_guard_changed_cells() -> None:
    # Issue 11, point 2: "'-28/-28" in a spreadsheet file is not the recorded genotype; the footer says why.
    frame = pd.DataFrame({"genotype": ["-28/-28", "CD17/-28", "-28/-28"], "n": [3, 2, 1]})
    rows = _rows(table_csv(frame, FOOTER))
    assert [r[0] for r in rows[1:4]] == ["'-28/-28", "CD17/-28", "'-28/-28"]
    last = rows[-1][0]
    assert last.startswith("# formula guard: 2 text cells starting with =, +, -, @, tab or CR prefixed")
    assert "the value as recorded is the text after it" in last
    assert [r[0] for r in rows[5:-1]] == ["# " + line for line in FOOTER.splitlines()]
