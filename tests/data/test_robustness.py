"""The loading path under adversarial input and at scale: never a traceback, the file untouched.

The CLI runs the same catalogue (tests/test_cli_validate.py) and the upload page too
(tests/pages/test_upload_robustness.py); here ``load_cohort`` is called directly, for paths and
for bytes (an upload), and the faster loading path is checked against plain pandas.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.adversarial import CASES, TARGET_PATIENT, matching_problems, valid_frame, write_ten_million_rows
from thaldash.data.cohort_build import build_cohort
from thaldash.data.loading import load_cohort
from thaldash.data.validation import validate
from thaldash.data.validation_problems import UNSAFE_CHARACTERS
from tools.synthetic import synthetic_cohort


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("as_bytes", [False, True], ids=["path", "bytes"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_adversarial_file_gives_a_sentence_naming_the_column(tmp_path, case, as_bytes):
    path = case.build(tmp_path)
    before = _sha(path)
    result = load_cohort(path.read_bytes() if as_bytes else path, name=path.name)
    problems = result.problems
    assert result.ok == (case.outcome == "warning")
    assert result.unreadable == (case.outcome == "unreadable")
    rows = matching_problems(problems, case)
    assert rows["problem"].str.lower().str.contains(case.text.lower(), regex=False).any(), problems.to_string()
    assert not problems["problem"].str.contains("Traceback|internal error", regex=True).any()
    assert result.sha256 == before or (result.unreadable and result.sha256 in ("", before))
    assert _sha(path) == before, "the source file is never written"


def test_a_ten_million_row_file_is_refused_from_its_footer_without_reading_it(tmp_path, monkeypatch):
    path = write_ten_million_rows(tmp_path)

    def never(*args, **kwargs):
        raise AssertionError("the data pages were read")

    monkeypatch.setattr(pq.ParquetFile, "read", never)
    result = load_cohort(path)
    assert result.unreadable
    assert "10,000,000 rows" in result.problems["problem"].iloc[0]


def test_unsafe_text_never_reaches_a_problem_sentence_raw(tmp_path):
    # The value column may hold the raw cell (shown in a table, never interpreted); the sentence must not.
    case = next(c for c in CASES if c.name == "bidi override in patient_id")
    result = load_cohort(case.build(tmp_path))
    assert not result.problems["problem"].str.contains(UNSAFE_CHARACTERS.pattern, regex=True).any()


def test_extra_columns_are_named_with_their_type_and_never_read(tmp_path):
    frame = valid_frame().assign(notes="free text", chelator="deferasirox")
    path = tmp_path / "wide.parquet"
    frame.to_parquet(path, index=False)
    result = load_cohort(path)
    assert result.ok
    assert "notes" not in result.cohort.visits.columns and "notes" not in result.cohort.patients.columns
    assert result.cohort.patients["chelator"].eq("deferasirox").all(), "contract columns are always read"
    skipped = result.problems[result.problems["column"] == "notes"]
    assert skipped["severity"].tolist() == ["warning"]
    assert skipped["problem"].iloc[0].startswith("not read: a column outside the contract (stored as large_string)")


def test_extra_columns_stay_out_of_the_cohort(tmp_path):
    # No analysis reads a column outside the contract; the cohort keeps only what the contract defines.
    path = tmp_path / "extra.parquet"
    valid_frame().assign(notes="free text").to_parquet(path, index=False)
    cohort = load_cohort(path).cohort
    assert "notes" not in cohort.visits.columns and "notes" not in cohort.patients.columns


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical text columns as plain text: the reference below is plain pandas on plain text."""
    return frame.astype({c: "str" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def _reference_cohort(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cohort as plain pandas builds it: sort, then the first non-missing value per patient."""
    from thaldash.data.alleles import genotype_columns
    from thaldash.data.schema import PATIENT_LEVEL

    visits = frame.assign(withdrawn=frame["withdrawn"].fillna(False).astype(bool))
    visits = pd.concat([visits, genotype_columns(visits)], axis=1)
    # A cohort lists the analysed patients first, then the withdrawn ones, each by patient and month.
    visits = visits.sort_values(["withdrawn", "patient_id", "month"], kind="stable").reset_index(drop=True)
    cols = [c for c in visits.columns if c in PATIENT_LEVEL or c in ("genotype", "beta_class")]
    patients = visits.groupby("patient_id", sort=True, as_index=False).agg(
        **{c: (c, "first") for c in cols if c != "patient_id"}, n_visits=("month", "size"))
    patients = patients.sort_values(["withdrawn", "patient_id"], kind="stable").reset_index(drop=True)
    # The visits keep the visit-level columns only: a patient's facts are never repeated per visit.
    visit_cols = ["patient_id", *(c for c in frame.columns if c not in PATIENT_LEVEL and c in visits)]
    return visits[visit_cols], patients


@pytest.mark.parametrize("order", ["sorted", "shuffled", "reversed"])
def test_the_cohort_equals_plain_pandas_whatever_the_row_order(order):
    frame = validate(synthetic_cohort(300, seed=3)).frame
    frame = {"sorted": frame, "shuffled": frame.sample(frac=1, random_state=7),
             "reversed": frame.iloc[::-1]}[order]
    cohort = build_cohort(frame, "synthetic", "x")
    visits, patients = _reference_cohort(_plain(frame))
    assert cohort.visits["month"].dtype == np.int16  # stored compactly (the contract's months fit), values equal:
    pd.testing.assert_frame_equal(_plain(cohort.visits).astype({"month": visits["month"].dtype}), visits)
    pd.testing.assert_frame_equal(_plain(cohort.patients), patients)


def test_a_synthetic_cohort_is_valid_and_keeps_its_size():
    result = validate(synthetic_cohort(2_000, seed=1))
    assert result.ok and result.n_errors == 0
    cohort = build_cohort(result.frame, "synthetic", "x")
    assert len(cohort.patients) == 2_000 and len(cohort.visits) == 14_000
    assert (cohort.patients["n_visits"] == 7).all()


def test_a_missing_value_on_one_row_of_a_patient_level_column_is_an_error():
    # Patients take their first row's values, so missing-versus-recorded must be caught first.
    frame = valid_frame()
    frame.loc[(frame["patient_id"] == TARGET_PATIENT) & (frame["month"] == 6), "age_years"] = np.nan
    result = validate(frame)
    varying = result.problems[(result.problems["column"] == "age_years")
                              & (result.problems["patient_id"] == TARGET_PATIENT)]
    assert not result.ok and varying["problem"].str.contains("differs").any()
