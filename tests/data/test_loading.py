"""load_cohort(): one call from a file or bytes to a Cohort, never raising for bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import thaldash
import thaldash.data.loading as loading
from tests.adversarial import (TARGET_PATIENT, write_bad_cell, write_empty, write_truncated_parquet,
                               write_unknown_allele, write_valid_parquet)
from thaldash.data.cohort import Cohort
from thaldash.data.loading import (LoadResult, bundled_cohort_path, default_data_path, load_cohort,
                              load_cohort_isolated)
from thaldash.data.validation import PROBLEM_COLUMNS


def test_valid_file_gives_a_cohort(tmp_path):
    path = write_valid_parquet(tmp_path)
    result = load_cohort(path)
    assert result.ok and not result.unreadable and result.problems.empty
    assert isinstance(result.cohort, Cohort)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.cohort.sha256 == result.sha256
    assert result.source_name == result.cohort.source_name == "cohort.parquet"
    assert len(result.cohort.patients) == 6 and len(result.cohort.visits) == 42
    assert {"genotype", "beta_class"} <= set(result.cohort.patients.columns)


def test_bytes_with_a_name(tmp_path):
    result = load_cohort(write_valid_parquet(tmp_path).read_bytes(), name="upload.parquet")
    assert result.ok and result.source_name == "upload.parquet"


def test_warnings_still_load(tmp_path):
    result = load_cohort(write_unknown_allele(tmp_path))
    assert result.ok and result.n_warnings == 1
    assert list(result.problems["severity"]) == ["warning"]


def test_contract_violation_gives_problems_and_no_cohort(tmp_path):
    result = load_cohort(write_bad_cell(tmp_path, "hb_g_l", "9,5"))
    assert result.cohort is None and not result.ok and not result.unreadable
    assert list(result.problems.columns) == list(PROBLEM_COLUMNS)
    assert (result.problems[["column", "patient_id"]].iloc[0] == ["hb_g_l", TARGET_PATIENT]).all()
    assert result.n_errors == 1


@pytest.mark.parametrize("builder, fragment", [(write_empty, "empty"), (write_truncated_parquet, "truncated")])
def test_unreadable_file_gives_one_problem_row(tmp_path, builder, fragment):
    path = builder(tmp_path)
    result = load_cohort(path)
    assert result.unreadable and result.cohort is None and len(result.problems) == 1
    row = result.problems.iloc[0]
    assert row["severity"] == "error" and fragment in row["problem"]
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.source_name == path.name


def test_missing_path_is_unreadable_not_an_exception(tmp_path):
    result = load_cohort(tmp_path / "absent.parquet")
    assert result.unreadable and result.sha256 == "" and result.source_name == "absent.parquet"
    assert "no such file" in result.problems["problem"].iloc[0]


def test_an_internal_failure_is_reported_not_raised(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("genotype")

    monkeypatch.setattr(loading, "build_cohort", broken)
    result = load_cohort(write_valid_parquet(tmp_path))
    assert result.cohort is None and not result.unreadable
    assert "internal error" in result.problems["problem"].iloc[0]


def test_load_result_is_frozen(tmp_path):
    result = load_cohort(write_valid_parquet(tmp_path))
    assert isinstance(result, LoadResult)
    with pytest.raises(AttributeError):
        result.cohort = None  # type: ignore[misc]


def test_bundled_path_is_data_cohort_parquet_in_the_repository():
    repo = Path(thaldash.__file__).resolve().parent.parent
    assert bundled_cohort_path() == repo / "data" / "cohort.parquet"


def test_default_data_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("THALDASH_DATA", raising=False)
    assert default_data_path() == bundled_cohort_path()
    monkeypatch.setenv("THALDASH_DATA", str(tmp_path / "mine.csv"))
    assert default_data_path() == tmp_path / "mine.csv"
    monkeypatch.setenv("THALDASH_DATA", "  ")
    assert default_data_path() == bundled_cohort_path()
    monkeypatch.setenv("THALDASH_DATA", "~/x.parquet")
    assert default_data_path() == Path.home() / "x.parquet"


def test_an_isolated_load_gives_the_same_result_as_a_direct_one(tmp_path):
    for data in (write_valid_parquet(tmp_path).read_bytes(), write_bad_cell(tmp_path, "hb_g_l", "9,5").read_bytes(),
                 b"PAR1 not really"):
        direct, isolated = load_cohort(data, name="upload"), load_cohort_isolated(data, "upload")
        pd.testing.assert_frame_equal(isolated.problems, direct.problems)
        assert (isolated.ok, isolated.unreadable, isolated.sha256, isolated.source_name, isolated.n_errors,
                isolated.n_warnings) == (direct.ok, direct.unreadable, direct.sha256, direct.source_name,
                                         direct.n_errors, direct.n_warnings)
        if direct.ok:
            pd.testing.assert_frame_equal(isolated.cohort.visits, direct.cohort.visits)
            pd.testing.assert_frame_equal(isolated.cohort.patients, direct.cohort.patients)


_MEMORY_PROBE = """
import sys
from thaldash.data.loading import load_cohort_isolated
data = open(sys.argv[1], "rb").read()
result = load_cohort_isolated(data, "upload", memory_limit_bytes=64 * 1024**2)
print(result.cohort is None, result.n_errors, result.problems["problem"].tolist()[0] if len(result.problems) else "")
print(load_cohort_isolated(open(sys.argv[2], "rb").read(), "upload").ok)
"""


def test_an_upload_that_needs_more_memory_than_allowed_fails_alone(tmp_path):
    # In a fresh interpreter: the worker's server is forked once per process, and what it has already
    # reserved (address space mapped by earlier loads in the same test session) decides whether a small
    # load fits under a small limit. 64 MiB is less than Python with pandas and pyarrow maps on its own.
    import subprocess
    import sys

    from tools.synthetic import synthetic_cohort

    big, small = tmp_path / "big.parquet", write_valid_parquet(tmp_path)
    synthetic_cohort(2_000, seed=2).to_parquet(big, index=False)
    done = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(big), str(small)], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    verdict, next_upload = done.stdout.strip().splitlines()[-2:]
    assert verdict == "True 1 the file needs more memory than an upload may use (limit 0.0625 GiB)"
    assert next_upload == "True", "the next upload is checked as usual"


def test_an_upload_that_takes_too_long_is_stopped(tmp_path):
    result = load_cohort_isolated(write_valid_parquet(tmp_path).read_bytes(), "upload", time_limit_s=1e-4)
    assert result.cohort is None
    assert result.problems["problem"].iloc[0].startswith("checking the file took longer than an upload may take")
