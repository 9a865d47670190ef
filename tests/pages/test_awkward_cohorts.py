"""Every page on valid but awkward cohorts, at 48 and 20,000 patients (issue 14).

Each cohort of ``tests.cohorts.awkward_cohort`` is written to Parquet once and served through
``THALDASH_DATA``; the cases run cohort by cohort, so each is loaded once (the app's load cache keeps
two files). While the pages run, ``guard`` of every chart module is replaced by a recorder: a page
must hand its builders data within their limit (aggregated, or sampled with a caption saying so),
never rely on the guard to refuse it.

To stay within a few minutes on a 2-core CI machine, not every variant × size × view runs:

- at 48 patients (1 for "single_patient") every variant runs every page with its defaults, and the
  per-patient views (``EXTRA``) run on the off-schedule and single-patient cohorts;
- at 20,000 patients the two variants that stress what reaches a chart run every page and every
  extra view: many chelation stops (one mark and one line per stopped patient, issue 14's report)
  and off-schedule months (every second patient seen monthly to month 36, so 400 patients' lines
  are more rows than a chart embeds). The one-type, one-genotype and required-columns variants
  change which groups exist, not how many rows a chart gets; they break at any size or none, and
  48 patients show it. All of them ran at 20,000 too when this test was written, and passed
  (about 4 more minutes: add them to ``LARGE_VARIANTS`` to run them again).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.cohorts import AWKWARD_VARIANTS, awkward_cohort
from tests.pages.conftest import PAGE_FILES, REPO
from thaldash import charts
from thaldash.charts import base
from thaldash.data.loading import DATA_ENV

SIZES: tuple[int, ...] = (48, 20_000)
# A 20,000-patient file is loaded, validated and graded on the first page of its cohort.
TIMEOUT = 300
# Views off the default that draw per-patient data or other groupings (run on the cohorts of ``_views``).
EXTRA: tuple[tuple[str, dict[str, str]], ...] = (
    ("pages/3_Trajectories.py", {"lines": "1"}),
    ("pages/3_Trajectories.py", {"measure": "sf_ng_ml", "grouping": "genotype", "lines": "1", "log": "1"}),
    ("pages/7_Transfusion_and_iron.py", {"ferritin": "stops", "period": "24m"}),
    ("pages/6_What-if.py", {"view": "Genotype groups"}),
    ("pages/6_What-if.py", {"view": "Where the conclusions tip"}),
    ("pages/12_Independence.py", {"by": "beta_class"}),
    ("pages/11_Genotype_look-up.py", {"by": "allele", "carrier": "CD17"}),
)
# At 20,000 patients: the variants that change how many rows reach a chart (see the module docstring).
LARGE_VARIANTS: tuple[str, ...] = ("many_chelation_stops", "off_schedule_months")
EXTRA_AT_48: tuple[str, ...] = ("off_schedule_months", "single_patient")


def _views(variant: str, size: int) -> list[tuple[Path, dict[str, str]]]:
    extra = size > SIZES[0] or variant in EXTRA_AT_48
    return [*((p, {}) for p in PAGE_FILES), *(((REPO / p, q) for p, q in EXTRA) if extra else ())]


CASES: list[tuple[str, int, Path, dict[str, str]]] = [
    (variant, size, page, query)
    for variant in AWKWARD_VARIANTS for size in SIZES
    if size == SIZES[0] or (variant in LARGE_VARIANTS and variant != "single_patient")
    for page, query in _views(variant, size)
]
# Every module of thaldash.charts that uses the guard (a new family is covered as soon as it exists).
CHART_MODULES = [m for m in (importlib.import_module(f"thaldash.charts.{i.name}")
                             for i in pkgutil.iter_modules(charts.__path__)) if getattr(m, "guard", None) is base.guard]


def case_id(case: tuple[str, int, Path, dict[str, str]]) -> str:
    variant, size, page, query = case
    return "-".join([variant, str(size) if variant != "single_patient" else "1", page.stem,
                     *(f"{k}={v}" for k, v in query.items())])


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory: pytest.TempPathFactory):
    """``cohort_file(variant, size)`` → a Parquet file of that cohort, written on first use."""
    folder = tmp_path_factory.mktemp("awkward")
    written: dict[tuple[str, int], Path] = {}

    def path(variant: str, size: int) -> Path:
        if (variant, size) not in written:
            written[variant, size] = folder / f"{variant}-{size}.parquet"
            awkward_cohort(variant, size).to_parquet(written[variant, size], index=False)
        return written[variant, size]

    return path


@pytest.fixture(scope="module")
def guard_calls() -> Iterator[list[tuple[str, int, int]]]:
    """Every ``guard(frame, chart=..., limit=...)`` call of the chart builders as (chart, rows, limit)."""
    calls: list[tuple[str, int, int]] = []
    original = base.guard

    def recording(frame, *, chart: str, limit: int = base.MAX_ROWS) -> None:
        calls.append((chart, len(frame), limit))
        original(frame, chart=chart, limit=limit)

    with pytest.MonkeyPatch.context() as patch:
        for module in CHART_MODULES:
            patch.setattr(module, "guard", recording)
        yield calls


@pytest.mark.parametrize("case", CASES, ids=map(case_id, CASES))
def test_page_runs_and_charts_get_data_within_limits(case, cohort_file, guard_calls, monkeypatch):
    variant, size, page, query = case
    monkeypatch.setenv(DATA_ENV, str(cohort_file(variant, size)))
    at = AppTest.from_file(str(page), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    first = len(guard_calls)
    at.run()
    too_big = [(chart, rows, limit) for chart, rows, limit in guard_calls[first:] if rows > limit]
    assert not too_big, f"a page handed a chart builder more rows than it accepts (chart, rows, limit): {too_big}"
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, "the page drew its title"
    if size > SIZES[0] and (_draws_lines(query) or (variant == "many_chelation_stops" and query.get("ferritin"))):
        assert any("random" in c.value for c in at.caption), "a page that samples patients says so in a caption"


def _draws_lines(query: dict[str, str]) -> bool:
    """Trajectories with patients' lines, or a look-up matching thousands: more patients than a chart draws."""
    return "lines" in query or "carrier" in query


def test_the_recorder_sees_the_builders(cohort_file, guard_calls, monkeypatch):
    # A size no case uses, so that no cached view hides the builders' calls.
    monkeypatch.setenv(DATA_ENV, str(cohort_file("many_chelation_stops", 60)))
    first = len(guard_calls)
    at = AppTest.from_file(str(REPO / "pages/7_Transfusion_and_iron.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    seen = {chart for chart, _, _ in guard_calls[first:]}
    assert {"before_after_units", "reduction_histogram", "transfusion_timeline", "ferritin_with_stops"} <= seen
