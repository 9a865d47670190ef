"""What the app computes once and reuses: loaded cohorts, filtered cohorts, gradings.

Everything here is keyed on content, never on Streamlit's default hashing of DataFrames (which
samples rows): a file by its SHA-256, a ``Cohort`` by its ``sha256`` (a filtered cohort's carries
the filter's tag), a ``GradingRules`` or ``CohortFilter`` by its URL parameters. Results live in
``st.cache_resource``: the same immutable object is handed to every rerun and every session,
so nothing is pickled per rerun. Callers must not mutate what they get (the house rule anyway).

Other pages cache their own analyses with ``cache_on_cohort``::

    @cache_on_cohort
    def trajectories(cohort: Cohort, rules: GradingRules, measure: str) -> pd.DataFrame: ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter, FilterOptions, options
from thaldash.grading.grade import grade
from thaldash.data.loading import LoadResult, load_cohort
from thaldash.analyses.overview import table_1
from thaldash.grading.rules import GradingRules
from thaldash.grading.whatif import graded_rows
from thaldash.views.context import ViewContext


def _cohort_key(cohort: Cohort) -> str:
    return cohort.sha256


def _params_key(settings: GradingRules | CohortFilter) -> str:
    return type(settings).__name__ + repr(sorted(settings.to_params().items()))


HASH_FUNCS: dict[type, Callable[[Any], Any]] = {
    Cohort: _cohort_key,
    GradingRules: _params_key,
    CohortFilter: _params_key,
}
"""How cached functions hash the project's own types (pass to ``st.cache_*(hash_funcs=...)``)."""

F = TypeVar("F", bound=Callable[..., Any])
V = TypeVar("V")


def cache_on_cohort(func: F | None = None, *, max_entries: int = 32) -> F:
    """``st.cache_resource`` that hashes ``Cohort``/``GradingRules``/``CohortFilter`` by content.

    Use it for analyses of a cohort whose result is small and never mutated by the caller.
    """
    decorator = st.cache_resource(hash_funcs=HASH_FUNCS, max_entries=max_entries, show_spinner=False)
    return decorator(func) if func is not None else decorator  # type: ignore[return-value]


@st.cache_data(max_entries=16, show_spinner=False)
def file_sha256(path: str, mtime_ns: int, size: int) -> str:
    """SHA-256 of a file, recomputed only when its modification time or size changes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def path_sha256(path: Path) -> str:
    """``file_sha256`` of ``path``, or "" when it cannot be read (``load_cohort`` then says why)."""
    try:
        info = path.stat()
        return file_sha256(str(path), info.st_mtime_ns, info.st_size)
    except OSError:
        return ""


# Up to 4 sources (the configured file plus a few uploads) are kept; an upload reaches this cache
# only under the hash of its own bytes, so another session cannot obtain it without the file.
@st.cache_resource(max_entries=4, show_spinner="Loading and checking the data…")
def load(sha256: str, name: str, _source: str | Path | bytes) -> LoadResult:
    """``load_cohort`` once per content hash (``_source`` is not hashed: the hash stands for it)."""
    return load_cohort(_source, name=name)


@cache_on_cohort(max_entries=16)
def filter_options(cohort: Cohort) -> FilterOptions:
    """The choices of each sidebar filter for ``cohort``."""
    return options(cohort)


@cache_on_cohort(max_entries=8)
def filtered(cohort: Cohort, flt: CohortFilter) -> Cohort:
    """``flt.apply(cohort)``, once per cohort and filter."""
    return flt.apply(cohort)


@cache_on_cohort(max_entries=16)
def graded(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    """``thaldash.grading.grade.grade(cohort, rules)`` (analysed patients), once per cohort and rules.

    A filtered cohort takes its rows of the whole cohort's grading (a patient's tier depends on
    their own visits only; tests/test_whatif.py checks the equality): one grading per rule set,
    and the default filter's is the whole cohort's, not a second copy.
    """
    if cohort.parent is not None:
        return graded_rows(graded(cohort.parent, rules), cohort.patients["patient_id"])
    return grade(cohort, rules)


@cache_on_cohort(max_entries=8)
def patient_table(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    """``analysis.patient_table(cohort, rules)``: one per rule set, shared by the Comparisons, Change and
    Reproduction pages. Imported here: the analyses need ``scipy.stats``, which a cold start should not wait for."""
    from thaldash.analyses.patients import patient_table as table

    return table(cohort, rules)


@cache_on_cohort(max_entries=16)
def genotype_table(filtered: Cohort, cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    """``overview.table_1`` of ``filtered``, genotype groups decided on ``cohort`` under ``rules``."""
    return table_1(filtered, graded(cohort, rules))


@cache_on_cohort(max_entries=4)
def reproduction(cohort: Cohort) -> pd.DataFrame:
    """``reproduction.reproduction_report(cohort)`` under the paper's rules, once per cohort.

    Shared by the home page and the Reproduction page. Imported here, not at the top: the
    report needs ``scipy.stats`` (a second to import), which a cold start should not wait for.
    """
    from thaldash.reports.reproduction import reproduction_report

    paper = GradingRules()  # the published numbers were graded under the paper's rules
    return reproduction_report(cohort, paper, patients=patient_table(cohort, paper))


def reproduction_counts(cohort: Cohort) -> pd.Series:
    """Published numbers by status ("match", …, "total") of ``reproduction(cohort)``."""
    from thaldash.reports.reproduction import report_counts

    return report_counts(reproduction(cohort)).set_index("status")["n"]


@st.cache_resource(max_entries=64, show_spinner=False)
def _view(name: str, context_key: tuple, params_key: tuple, _builder: Callable[..., Any], _context: Any,
          _params: dict[str, Any]) -> Any:
    return _builder(_context, **_params)


def cached_view(builder: Callable[..., V], context: ViewContext, **params: Any) -> V:
    """``builder(context, **params)`` (a page view of ``thaldash.views``), once per view of the data.

    Keyed on the builder, the context's content (``ViewContext.key``) and the page's settings, which
    must be hashable (text, numbers, tuples).
    """
    name = f"{builder.__module__}.{builder.__qualname__}"
    return _view(name, context.key(), tuple(sorted(params.items())), builder, context, params)


@cache_on_cohort(max_entries=16)
def group_choices(cohort: Cohort, rules: GradingRules, grouping: str) -> tuple[str, ...]:
    """``comparisons.group_choices`` of ``patient_table(cohort, rules)``: the groups a page offers for ``grouping``."""
    from thaldash.analyses.comparisons import group_choices as choices

    return choices(patient_table(cohort, rules), grouping)


@st.cache_resource(max_entries=64, show_spinner=False)
def _part(name: str, content: tuple, _builder: Callable[..., Any], _args: tuple, _kwargs: dict[str, Any]) -> Any:
    return _builder(*_args, **_kwargs)


def cached_on(content: tuple, builder: Callable[..., V], *args: Any, **kwargs: Any) -> V:
    """``builder(*args, **kwargs)``, once per ``content``, for a part of a page view that depends on its
    arguments only through ``content``, which its view module computes (e.g. ``views.whatif.tier_key``: the
    tiers two gradings give, and the part's params).

    A change that leaves ``content`` alone (a threshold step that moves no patient) then reuses the part,
    its figures included, whose Vega-Lite specs the chart widget reuses in turn.
    """
    return _part(f"{builder.__module__}.{builder.__qualname__}", content, builder, args, kwargs)
