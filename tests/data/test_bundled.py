"""``thaldash.data.bundled``: which cohort is the bundled reconstruction, decided once, by its bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil

import pandas as pd

from thaldash.cli import main
from thaldash.data.bundled import DIGEST_FILE, RECONSTRUCTION_NOTE, digest_is_reconstruction, is_reconstruction
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.export.files import footer_text
from thaldash.reports.report import full_report, report_markdown


def test_the_recorded_digest_is_the_bundled_files() -> None:
    # Regenerating data/cohort.parquet without its digest would silently drop every reconstruction label.
    digest = hashlib.sha256(bundled_cohort_path().read_bytes()).hexdigest()
    assert DIGEST_FILE.read_text(encoding="utf-8") == f"{digest}  cohort.parquet\n"


def test_the_bundled_cohort_and_its_filters_are_the_reconstruction(bundled) -> None:
    assert is_reconstruction(bundled)
    tdt = CohortFilter(thal_types=("TDT",)).apply(bundled)
    assert tdt.sha256 != bundled.sha256 and is_reconstruction(tdt)


def test_a_renamed_copy_is_still_the_reconstruction(tmp_path) -> None:
    copy = tmp_path / "my_patients.parquet"
    shutil.copyfile(bundled_cohort_path(), copy)
    assert is_reconstruction(load_cohort(copy).cohort)
    assert is_reconstruction(load_cohort(copy.read_bytes(), name="upload").cohort)


def test_an_edited_copy_is_not(tmp_path) -> None:
    frame = pd.read_parquet(bundled_cohort_path())
    frame.loc[0, "hb_g_l"] = frame.loc[0, "hb_g_l"] + 1.0
    edited = tmp_path / "cohort.parquet"
    frame.to_parquet(edited, index=False)
    result = load_cohort(edited)
    assert result.ok and not is_reconstruction(result.cohort)


def test_another_cohort_is_not(tiny) -> None:
    assert not is_reconstruction(tiny)
    assert not digest_is_reconstruction("") and not digest_is_reconstruction("0" * 64)


def test_the_export_footer_says_reconstructed() -> None:
    when = dt.date(2026, 1, 2)
    marked = footer_text("cohort.parquet", "ab" * 32, "none", "Paper, as applied", when, reconstruction=True)
    assert marked.splitlines()[1] == "cohort: reconstructed from published aggregates, not patient data"
    plain = footer_text("cohort.parquet", "ab" * 32, "none", "Paper, as applied", when)
    assert RECONSTRUCTION_NOTE not in plain and len(plain.splitlines()) == 4


def test_the_report_says_so_at_the_top(bundled, tiny, capsys) -> None:
    report = full_report(bundled, today=dt.date(2026, 1, 1))
    assert report["reconstruction"] is True
    assert RECONSTRUCTION_NOTE in report_markdown(report).split("\n## ")[0]
    other = full_report(tiny, today=dt.date(2026, 1, 1))
    assert other["reconstruction"] is False
    assert "not the bundled reconstruction" in report_markdown(other).split("\n## ")[0]
    assert main(["report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["reconstruction"] is True
