"""Tests for ``python -m thaldash deck`` (``thaldash.cli.deck``): the files it writes and its one-line refusals.

Run in-process through ``thaldash.cli.main`` (the module's own parser), on the hand-written cohort of
``tests.cohorts`` written to a CSV here, and on the bundled cohort.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pptx import Presentation

from thaldash.cli import main
from thaldash.export.deck.model import RECONSTRUCTION_LINE
from tests.cohorts import tiny_frame


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("deck") / "eight.csv"
    tiny_frame().to_csv(path, index=False)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["deck", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_pptx_of_named_pages_and_items(cohort_csv, tmp_path, capsys):
    out = tmp_path / "deck.pptx"
    status, said, err = run([str(cohort_csv), "--out", str(out), "--page", "Response#response_tiers",
                             "--page", "Dose and NTDT?thal_type=TDT#dose_ages", "--state", "scenario=strict-clinical"],
                            capsys)
    assert status == 0, err
    assert said.startswith(f"{out}: 2 figures and tables,") and " KiB, built in " in said
    prs = Presentation(io.BytesIO(out.read_bytes()))
    slides = list(prs.slides)
    assert len(slides) == 3
    texts = ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in slides]
    assert texts[1].startswith("Response tiers") and "grading: Strict clinical" in texts[1]
    assert "filter: TDT" in texts[2] and "filter: all analysed" in texts[1]
    assert any(shape.has_table for shape in slides[2].shapes)
    assert not any(RECONSTRUCTION_LINE in t for t in texts)  # not the bundled cohort


def test_html_handout_of_the_bundled_cohort(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("THALDASH_DATA", raising=False)
    out = tmp_path / "handout.html"
    status, _, err = run(["--out", str(out), "--page", "Response#response_tiers"], capsys)
    assert status == 0, err
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html.lower()
    assert RECONSTRUCTION_LINE in html


@pytest.mark.parametrize(("argv", "said"), [
    (["--page", "Nope"], "error: there is no page 'Nope'; the pages are: Home,"),
    (["--state", "by=zzz", "--page", "Response"], "error: Response: by: 'zzz' is not allowed here; choose from"),
    (["--state", "bogus=1"], "error: bogus: not a setting of Overview, Response,"),
    (["--state", "thal_type=XYZ"], "error: Filter thal_type: 'XYZ' is not among this cohort's values."),
    (["--page", "Response#nope"], "error: Response has no figure or table 'nope'; it has:"),
])
def test_a_bad_page_or_state_exits_2_with_one_line(argv, said, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("THALDASH_DATA", raising=False)
    out = tmp_path / "deck.pptx"
    status, printed, err = run([*argv, "--out", str(out)], capsys)
    assert status == 2 and printed == ""
    assert err.startswith(said) and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.parametrize(("out", "said"), [
    ("deck.pdf", "write a .pptx (slides) or a .html (handout) file; .pdf is neither"),
    ("deck", "write a .pptx (slides) or a .html (handout) file; no suffix is neither"),
    ("missing/deck.pptx", "the folder"),
    ("folder.pptx", "this is a folder, not a file"),
])
def test_an_output_that_cannot_be_written_exits_2_before_building(out, said, tmp_path, capsys):
    (tmp_path / "folder.pptx").mkdir()
    status, _, err = run(["--out", str(tmp_path / out)], capsys)
    assert status == 2 and said in err and err.count("\n") == 1, err


def test_a_file_that_breaks_the_contract_is_not_made_into_a_deck(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    tiny_frame().drop(columns=["hb_g_l"]).to_csv(bad, index=False)
    status, _, err = run([str(bad), "--out", str(tmp_path / "deck.pptx")], capsys)
    assert status == 1 and "not made into a deck" in err
    assert not (tmp_path / "deck.pptx").exists()


def test_min_cell_hides_small_counts_of_a_real_cohort(cohort_csv, tmp_path, capsys):
    """Eight hand-written patients: every tier count is 1 to 4; ``--min-cell`` sets k, 0 shows every count."""
    out = tmp_path / "cells.html"
    page = ["--page", "Response#response_tiers_table"]
    status, _, err = run([str(cohort_csv), "--out", str(out), *page, "--min-cell", "3"], capsys)
    assert status == 0, err
    html = out.read_text(encoding="utf-8")
    assert "&lt; 3" in html and "counts below 3 shown as &lt; 3" in html
    status, _, err = run([str(cohort_csv), "--out", str(out), *page, "--min-cell", "0"], capsys)
    assert status == 0, err
    assert "small cells" not in out.read_text(encoding="utf-8")
    status, _, err = run([str(cohort_csv), "--out", str(out), *page, "--min-cell", "many"], capsys)
    assert status == 2 and "--min-cell expects a whole number from 0 to 100; got 'many'" in err
