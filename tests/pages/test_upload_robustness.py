"""The upload on the Data page, fed every bad file of the catalogue (tests/adversarial.py).

Each upload goes through the real ``st.file_uploader`` of ``pages/10_Data.py`` in AppTest. A
file with errors: no exception, an error naming the file, the problems table naming the column
(and the patient), and the current data left in place. A file with warnings only: accepted for
this session, its warnings listed. The uploaded file on disk is never changed.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from tests.adversarial import (CASES, Case, matching_problems, write_binary_text_column, write_csv_named_parquet,
                               write_valid_csv)
from tests.pages.conftest import REPO, sidebar_text

DATA = REPO / "pages" / "10_Data.py"
BUNDLED_N = "n = 48 of 48 analysed patients"
VALID_N = "n = 6 of 6 analysed patients"  # tests/adversarial.valid_frame: six patients, none withdrawn


def _problems_tables(at) -> list[pd.DataFrame]:
    return [d.value for d in at.main.dataframe if {"severity", "column", "problem"} <= set(d.value.columns)]


def _all_text(at) -> str:
    parts = [*at.main.markdown, *at.main.caption, *at.main.error, *at.main.warning, *at.main.info,
             *at.main.success, *at.sidebar.markdown]
    return "\n".join(str(p.value) for p in parts)


def _upload(run_page, path):
    at = run_page(DATA)
    at.file_uploader[0].upload(path.name, path.read_bytes()).run()
    return at


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_bad_upload_is_explained_without_a_traceback(tmp_path, run_page, case: Case):
    path = case.build(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    at = _upload(run_page, path)
    assert not at.exception
    assert "Traceback" not in _all_text(at)
    tables = _problems_tables(at)
    assert tables, "the problems are shown as a table"
    problems = pd.concat(tables, ignore_index=True)
    rows = matching_problems(problems, case)
    assert rows["problem"].str.lower().str.contains(case.text.lower(), regex=False).any(), problems.to_string()
    if case.outcome == "warning":
        assert VALID_N in sidebar_text(at), "a file with warnings only is used for this session"
        assert any("In use for this session" in s.value for s in at.success)
    else:
        assert any("cannot be used" in e.value and path.name in e.value.replace("\\", "") for e in at.error)
        assert BUNDLED_N in sidebar_text(at), "the current data stay in place"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("build", [write_valid_csv, write_csv_named_parquet], ids=["csv", "csv renamed .parquet"])
def test_a_valid_csv_is_accepted_whatever_its_name(tmp_path, run_page, build):
    at = _upload(run_page, build(tmp_path))
    assert not at.exception
    assert VALID_N in sidebar_text(at)


def test_a_bad_upload_after_a_good_one_keeps_the_good_one(tmp_path, run_page):
    at = _upload(run_page, write_valid_csv(tmp_path))
    assert VALID_N in sidebar_text(at)
    bad = next(c for c in CASES if c.name == "Hb in g/dL").build(tmp_path)
    at.file_uploader[0].upload(bad.name, bad.read_bytes()).run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    assert VALID_N in sidebar_text(at)


def test_a_hostile_upload_is_explained_and_the_current_data_stay(tmp_path, run_page):
    # 1 MB on disk, 8 GB as plain text: refused from the footer, in the upload's own worker process.
    path = write_binary_text_column(tmp_path)
    at = _upload(run_page, path)
    assert not at.exception
    problems = pd.concat(_problems_tables(at), ignore_index=True)
    rows = problems[problems["column"] == "withdrawal_reason"]
    assert rows["problem"].str.startswith("stored as binary; the contract expects text").any()
    assert BUNDLED_N in sidebar_text(at)
