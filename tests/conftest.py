"""Shared fixtures: the bundled cohort (loaded once) and a small hand-written cohort."""

from __future__ import annotations

import hashlib

import pytest

from thaldash.data.cohort import Cohort
from thaldash.data.cohort_build import build_cohort
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.data.validation import validate
from tests.cohorts import tiny_frame


@pytest.fixture(scope="session")
def bundled() -> Cohort:
    result = load_cohort(bundled_cohort_path())
    assert result.ok, result.problems
    return result.cohort


@pytest.fixture(scope="session")
def tiny() -> Cohort:
    frame = tiny_frame()
    result = validate(frame)
    assert result.ok, result.problems
    digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return build_cohort(result.frame, "tiny", digest)
