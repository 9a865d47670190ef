"""Shared fixtures: the bundled cohort (loaded once) and a small hand-written cohort.

Also how the suite is split between pytest-xdist's two workers (``--dist loadgroup``, pytest.ini): a test
without an ``xdist_group`` mark is grouped with its module, so a module's fixtures are set up once, on one
worker; modules whose tests share no expensive setup are spread test by test (``SPREAD``).
"""

from __future__ import annotations

import hashlib

import pytest

from thaldash.data.cohort import Cohort, build_cohort
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.data.validation import validate
from tests.cohorts import tiny_frame

# Each test is its own AppTest run; what they share (the loaded cohorts, imports) is cached per process.
SPREAD: frozenset[str] = frozenset({"tests/pages/test_frame.py"})
# The streamlit servers of tests/browser (module or session fixtures): every test of one server on one worker,
# whichever module it is in, so each server starts once.
SERVERS: tuple[str, ...] = ("app_url", "hostile_url", "centres_url")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks into the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::")[0]
        if item.get_closest_marker("xdist_group") is not None:
            continue
        server = next((name for name in SERVERS if name in item.fixturenames), None)
        if server is not None:
            item.add_marker(pytest.mark.xdist_group(f"server-{server}"))
        elif module not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(module))


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
