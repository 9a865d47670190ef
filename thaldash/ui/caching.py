"""What the app computes once and reuses: loaded cohorts, filtered cohorts, gradings, page views.

Everything here is keyed on content (``thaldash.ui.memo``): a file by its SHA-256, a ``Cohort`` by
its ``sha256`` (a filtered cohort's carries the filter's tag), a ``GradingRules`` or
``CohortFilter`` by its URL parameters, a page view by its ``ViewContext``. The same immutable
object is handed to every rerun, so nothing is pickled per rerun. Results from the configured file
are shared by every session; results from a session's upload stay in that session. Both stores
are bounded by bytes and by entries (``thaldash.ui.memo``). Callers must not mutate what they get.

A page caches what it shows as one page view, ``cached_view(view_function, frame.context(), **params)``
(``cached_file_view`` for a view of the whole file that ignores the sidebar); the shared pieces live
here too (gradings, filtered cohorts, the patient table).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from thaldash.data.cohort import Cohort
from thaldash.data.cohort_build import drop_hash_tables
from thaldash.data.filters import CohortFilter, FilterOptions, options
from thaldash.grading.grade import grade
from thaldash.data.io import UnreadableFile
from thaldash.data.loading import LoadResult, load_cohort, load_cohort_isolated
from thaldash.data.memory import release_memory
from thaldash.data.schedule import scheduled as read_on_schedule
from thaldash.data.sources import folder_digest, folder_parts
from thaldash.grading.rules import GradingRules
from thaldash.grading.whatif import graded_rows
from thaldash.ui.memo import SHARED, content_key, memo, private, session_store
from thaldash.views.context import ViewContext


V = TypeVar("V")
cache_on_cohort = memo
"""Cache an analysis of a cohort by the content of its arguments (``thaldash.ui.memo.memo``)."""


@st.cache_data(max_entries=16, show_spinner=False)
def file_sha256(path: str, mtime_ns: int, size: int) -> str:
    """SHA-256 of a file, recomputed only when its modification time or size changes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def path_sha256(path: Path) -> str:
    """``file_sha256`` of ``path``, or "" when it cannot be read (``load_cohort`` then says why).

    For a folder of centres, ``sources.folder_digest`` of its files' digests: the digest its load gives,
    so a changed, added or removed file loads the folder again.
    """
    try:
        if path.is_dir():
            folder = folder_parts(path)
            return folder_digest((part.name, path_sha256(part.source)) for part in folder.parts)
        info = path.stat()
        return file_sha256(str(path), info.st_mtime_ns, info.st_size)
    except (OSError, UnreadableFile):
        return ""


@memo(max_entries=2, pinned=True)  # the current file and the one before it, outside the byte bound (memo)
def _load_shared(sha256: str, name: str, _source: str | Path) -> LoadResult:
    return load_cohort(_source, name=name)


def load(sha256: str, name: str, source: str | Path) -> LoadResult:
    """``load_cohort`` of the configured file, once per content hash, shared by every session."""
    with st.spinner("Loading and checking the data…"):
        return _load_shared(sha256, name, source)


def load_upload(sha256: str, name: str, data: bytes | tuple[tuple[str, bytes], ...]) -> LoadResult:
    """``load_cohort`` of a session's upload (one file's bytes, or several files as (name, bytes) pairs, each
    a centre), kept in that session only (``memo.session_store``).

    Its cohort is marked ``scope="session"``, so everything computed from it stays in the session too.
    """
    store = session_store()
    key = ("upload", sha256)
    found, result = store.get(key)
    if not found:
        with st.spinner("Loading and checking the data…"):
            # In a worker process with a memory limit: a hostile file can only fail its own load.
            result = load_cohort_isolated(data, name)
        if result.cohort is not None:
            result = replace(result, cohort=replace(result.cohort, scope="session"))
        store.put(key, result, max_entries=4, pinned=True)
    return result


@memo(max_entries=16)
def filter_options(cohort: Cohort) -> FilterOptions:
    """The choices of each sidebar filter for ``cohort``."""
    return options(cohort)


@memo(max_entries=8)
def filtered(cohort: Cohort, flt: CohortFilter) -> Cohort:
    """``flt.apply(cohort)``, once per cohort and filter."""
    return flt.apply(cohort)


@memo(max_entries=8)
def scheduled(cohort: Cohort, schedule: str) -> Cohort:
    """``data.schedule.scheduled(cohort, schedule)``: the visits read at study months, once per cohort and choice."""
    return read_on_schedule(cohort, schedule)


def graded(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    """``thaldash.grading.grade.grade(cohort, rules)`` (analysed patients), once per cohort and rules.

    A filtered cohort takes its rows of the whole cohort's grading (a patient's tier depends on
    their own visits only; tests/test_whatif.py checks the equality): one grading per rule set,
    and the default filter's is the whole cohort's, not a second copy.
    """
    if cohort.parent is None:
        return _whole_graded(cohort, rules, include_withdrawn=False)
    return _graded_rows(cohort, rules, include_withdrawn=False)


def graded_everyone(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    """``grade(cohort, rules, include_withdrawn=True)``: every patient of ``cohort``, withdrawn ones graded too;
    a filtered cohort takes its rows of the whole cohort's, as ``graded`` does."""
    if cohort.parent is None:
        return _whole_graded(cohort, rules, include_withdrawn=True)
    return _graded_rows(cohort, rules, include_withdrawn=True)


@memo(max_entries=32)
def _graded_rows(cohort: Cohort, rules: GradingRules, include_withdrawn: bool) -> pd.DataFrame:
    whole = _whole_graded(cohort.parent, rules, include_withdrawn=include_withdrawn)
    return graded_rows(whole, cohort.patients["patient_id"])


def _whole_graded(cohort: Cohort, rules: GradingRules, *, include_withdrawn: bool) -> pd.DataFrame:
    # What every filter's grading is read from: pinned beside the load (outside the byte bound, in the shared
    # store or the session's for an upload), not in the LRU, where at 1M a new filtered cohort evicted it and
    # each filter change graded a million patients twice again (10 s). Bounded by entries: four (rule sets ×
    # with or without the withdrawn).
    store = session_store() if private(cohort) else SHARED
    key = ("whole_graded", cohort.sha256, content_key(rules), include_withdrawn)
    found, result = store.get(key)
    if not found:
        if include_withdrawn or cohort.n_analysed == len(cohort.patients):
            result = grade(cohort, rules, include_withdrawn=include_withdrawn)
        else:
            # The analysed patients' rows of everyone's grading (a patient's tier depends on their own visits
            # only, as for a filter): one grading of a million patients held, not two (71 MiB less at 1M).
            everyone = _whole_graded(cohort, rules, include_withdrawn=True)
            result = graded_rows(everyone, cohort.analysed_patients["patient_id"])
        store.put(key, result, max_entries=4, pinned=True)
    return result


@memo(max_entries=8)
def patient_table(cohort: Cohort, rules: GradingRules) -> pd.DataFrame:
    """``analysis.patient_table(cohort, rules)``: one per rule set, shared by the Comparisons, Change,
    Reproduction and home pages. Imported here: the analyses need ``scipy.stats``, which a cold start should not wait for."""
    from thaldash.analyses.patients import patient_table as table

    return table(cohort, rules, graded=graded(cohort, rules))


@memo(max_entries=4)
def patient_labels(cohort: Cohort) -> pd.Series:
    """``analyses.patient.patient_labels`` of every patient of ``cohort``, for the Patient page's picker."""
    from thaldash.analyses.patient import patient_labels as labels

    return labels(cohort.patients)


@memo(max_entries=64)
def _view(name: str, context: ViewContext, params_key: tuple, _builder: Callable[..., Any],
          _params: dict[str, Any]) -> Any:
    view = _builder(context, **_params)
    # A page's first computation frees its temporaries (hundreds of MiB at a million patients); Arrow's pool
    # and malloc's arenas would keep them for the server's life, and a lookup by text would keep pandas' hash
    # table on the patient ids (62 MiB) for the cohort's. Once per computed view, not per rerun.
    drop_hash_tables(context.cohort.patients)
    release_memory()
    return view


def cached_view(builder: Callable[..., V], context: ViewContext, **params: Any) -> V:
    """``builder(context, **params)`` (a page view of ``thaldash.views``), once per view of the data.

    Keyed on the builder, the context's content (``ViewContext.key``) and the page's settings, which
    must be hashable (text, numbers, tuples).
    """
    name = f"{builder.__module__}.{builder.__qualname__}"
    return _view(name, context, tuple(sorted(params.items())), builder, params)


@memo(max_entries=128)
def declared_setting(page: str, name: str, context: ViewContext, values: tuple) -> tuple[Any, tuple | None]:
    """(default, choices) of the page setting ``name`` declared by ``page`` (``views.registry.declared_param``),
    given the settings read before it (``values``: (name, value) pairs), once per view of the data.

    A setting's default or choices may count the patients (the genotypes of the filtered TDT patients, the
    groups a grouping offers): asked on every rerun, that took 200 ms at a million patients.
    """
    from thaldash.views.registry import declared_param

    spec, read = declared_param(page, name), dict(values)
    return spec.default_for(context, read), spec.choices_for(context, read)


def cached_file_view(builder: Callable[..., V], context: ViewContext, **params: Any) -> V:
    """``cached_view`` of a view of the whole file that never reads the sidebar (the Reproduction and Data pages).

    The filter, the grading and the scenario are reset to their defaults before the view is built,
    so it is computed once per file (and type size) however the sidebar changes, and cannot depend
    on what it was not meant to read.
    """
    whole = ViewContext(cohort=context.cohort, filtered=filtered(context.cohort, CohortFilter()),
                        bundled=context.bundled, presentation=context.presentation, grader=context.grader,
                        tabulator=context.tabulator, scheduler=context.scheduler)
    return cached_view(builder, whole, **params)




@memo(max_entries=16)
def group_choices(cohort: Cohort, rules: GradingRules, grouping: str) -> tuple[str, ...]:
    """``comparisons.group_choices`` of ``patient_table(cohort, rules)``: the groups a page offers for ``grouping``."""
    from thaldash.analyses.comparisons import group_choices as choices

    return choices(patient_table(cohort, rules), grouping)


@memo(max_entries=64)
def _part(name: str, content: tuple, _builder: Callable[..., Any], _args: tuple, _kwargs: dict[str, Any]) -> Any:
    return _builder(*_args, **_kwargs)


def cached_on(content: tuple, builder: Callable[..., V], *args: Any, **kwargs: Any) -> V:
    """``builder(*args, **kwargs)``, once per ``content``, for a part of a page view that depends on its
    arguments only through ``content``, which its view module computes (e.g. ``views.whatif_tiers.tier_key``: the
    tiers two gradings give, and the part's params).

    A change that leaves ``content`` alone (a threshold step that moves no patient) then reuses the part,
    its figures included, whose Vega-Lite specs the chart widget reuses in turn.
    """
    return _part(f"{builder.__module__}.{builder.__qualname__}", content, builder, args, kwargs)
