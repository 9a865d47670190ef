"""The app's cache: bounded by bytes and entries, and a session's upload never reaches the shared store."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from tests.pages.conftest import REPO, TIMEOUT, parquet_bytes, tiny_cohort_frame
from thaldash.ui import memo
from thaldash.ui.data_source import UPLOAD_KEY


def test_footprint_counts_frames_arrays_and_containers():
    frame = pd.DataFrame({"a": np.zeros(1000), "b": np.zeros(1000, dtype=np.int32)})
    # pandas' own memory_usage is the reference for a frame (its RangeIndex holds no array)
    assert memo.footprint(frame) == int(frame.memory_usage(index=False, deep=True).sum())
    assert memo.footprint((frame, np.zeros(500))) >= memo.footprint(frame) + 4000


def test_the_store_evicts_the_least_recently_used_beyond_its_bytes():
    store = memo.Store(max_bytes=25_000)
    for i in range(4):
        store.put(("f", i), np.zeros(1000), max_entries=100)  # 8,000 bytes each
        store.get(("f", 0))  # keep the first one in use
    assert store.nbytes <= 25_000 and len(store) == 3
    assert store.get(("f", 0))[0] and not store.get(("f", 1))[0]


def test_a_pinned_entry_stays_whatever_the_bytes_and_is_not_counted_in_them():
    store = memo.Store(max_bytes=25_000)
    store.put(("load", 0), np.zeros(10_000), max_entries=2, pinned=True)  # 80,000 bytes: the loaded file
    for i in range(4):
        store.put(("f", i), np.zeros(1000), max_entries=100)
    assert store.get(("load", 0))[0]
    assert store.pinned_nbytes == 80_000 and store.nbytes <= 25_000 and len(store) == 4
    store.put(("load", 1), np.zeros(10), max_entries=2, pinned=True)
    store.put(("load", 2), np.zeros(10), max_entries=2, pinned=True)  # pinned entries: bounded by their count
    assert not store.get(("load", 0))[0] and store.pinned_nbytes == 160


def test_a_result_is_sized_without_what_a_pinned_entry_holds():
    store = memo.Store(max_bytes=100_000)
    whole = pd.DataFrame({"tier": np.zeros(10_000), "rise": np.ones(10_000)})  # 160,000 bytes: a pinned grading
    store.put(("whole_graded", 0), whole, max_entries=4, pinned=True)
    store.put(("rows", 0), whole.iloc[:5_000], max_entries=8)  # a filter's rows: a slice of it
    table = whole.assign(group=np.zeros(10_000))  # shares the pinned columns, adds one of 80,000 bytes
    store.put(("table", 0), table, max_entries=8)
    sizes = {key: size for key, (_, size) in store._items.items()}
    assert sizes[("rows", 0)] < 1_000, "a slice of a pinned frame holds nothing more"
    assert 80_000 <= sizes[("table", 0)] < 81_000, "only its own column counts"
    assert store.get(("rows", 0))[0], "evicted although it costs nothing"


def test_the_store_keeps_each_function_to_its_entries():
    store = memo.Store(max_bytes=10**9)
    for i in range(5):
        store.put(("f", i), i, max_entries=2)
        store.put(("g", i), i, max_entries=10)
    assert [store.get(("f", i))[0] for i in range(5)] == [False, False, False, True, True]
    assert all(store.get(("g", i))[0] for i in range(5))


def test_an_upload_and_all_that_is_computed_from_it_stay_in_its_session(tmp_path):
    from streamlit.testing.v1 import AppTest

    data = parquet_bytes(tiny_cohort_frame().assign(patient_id=lambda f: "U-" + f["patient_id"]))
    sha = hashlib.sha256(data).hexdigest()
    at = AppTest.from_file(str(REPO / "pages" / "2_Response.py"), default_timeout=TIMEOUT)
    at.session_state[UPLOAD_KEY] = {"name": "mine.parquet", "data": data, "sha256": sha}
    at.run()
    assert not at.exception
    shared_keys = repr(list(memo.SHARED._items))
    assert sha not in shared_keys, "a session's upload reached the shared cache"
    store = at.session_state[memo._SESSION_KEY]
    assert any(sha in repr(k) for k in store._items), "the upload's results are kept in its session"
    result = store.get(("upload", sha))[1]
    assert result.cohort.scope == "session"
    # Held only by the session's state: Streamlit drops it when the session closes. (AppTest keeps the
    # page script's globals after a run, so a weak reference cannot show the release here.)


def test_a_filtered_cohort_is_counted_without_its_parent(bundled):
    from dataclasses import replace

    from thaldash.data.filters import CohortFilter

    tdt = CohortFilter(thal_types=("TDT",)).apply(bundled)
    assert tdt.parent is bundled
    # The parent is the loaded cohort, held by the load cache; counted here too, a filtered cohort at 1M
    # outweighed the whole store. Only what the filtered cohort does not share with it counts: at most the
    # same cohort without a parent (ui.footprint counts a region it shares with the parent once, there).
    alone = memo.footprint(replace(tdt, parent=None))
    assert 0 < memo.footprint(tdt) <= alone
    assert memo.footprint(tdt) < memo.footprint(bundled)


def test_the_configured_file_and_its_gradings_outlive_a_full_shared_store(bundled, monkeypatch):
    from thaldash.data.filters import CohortFilter
    from thaldash.data.loading import LoadResult, bundled_cohort_path
    from thaldash.grading.rules import GradingRules
    from thaldash.ui import caching

    loads = []

    def counted_load(source, name):
        loads.append(name)
        return LoadResult(cohort=bundled, problems=pd.DataFrame(), source_name=name, sha256="sha-test")

    monkeypatch.setattr(caching, "load_cohort", counted_load)
    monkeypatch.setattr(memo.SHARED, "max_bytes", 1)  # every put evicts all but the newest entry
    path = bundled_cohort_path()
    first = caching.load("sha-test", "bundled", path)
    whole = caching.graded(bundled, GradingRules())
    caching.graded(caching.filtered(bundled, CohortFilter(thal_types=("TDT",))), GradingRules())
    caching.graded(caching.filtered(bundled, CohortFilter(thal_types=("NTDT",))), GradingRules())
    assert caching.load("sha-test", "bundled", path) is first and loads == ["bundled"]
    assert caching.graded(bundled, GradingRules()) is whole, "the whole cohort's grading was computed again"


def test_the_analysed_grading_is_a_view_of_everyones_and_equals_grading_the_analysed(bundled):
    from thaldash.data.cohort_build import build_cohort
    from thaldash.data.validation import validate
    from thaldash.grading.grade import grade
    from thaldash.grading.scenarios import SCENARIOS
    from thaldash.ui import caching
    from tools.synthetic import synthetic_cohort

    checked = validate(synthetic_cohort(400, 3))
    assert checked.ok, checked.problems
    synthetic = build_cohort(checked.frame, "synthetic", "sha-synthetic-400-3")
    withdrawn = synthetic.patients["withdrawn"].to_numpy()
    ids = synthetic.patients["patient_id"].astype(str).to_numpy()
    # Withdrawn patients whose ids sort among the analysed ones: everyone's grading by id would interleave them.
    assert withdrawn.any() and ids[withdrawn].min() < ids[~withdrawn].max()
    rules = SCENARIOS["Strict clinical"]
    for cohort in (bundled, synthetic):
        analysed, everyone = caching.graded(cohort, rules), caching.graded_everyone(cohort, rules)
        # grade() of the analysed patients, called directly: the reference. Text columns are categoricals whose
        # categories are the sentences present (here everyone's, as for a filter): compare the values.
        pd.testing.assert_frame_equal(analysed, grade(cohort, rules), check_categorical=False)
        pd.testing.assert_frame_equal(everyone, grade(cohort, rules, include_withdrawn=True))
        assert np.shares_memory(analysed["hb_rise"].to_numpy(), everyone["hb_rise"].to_numpy()), \
            "the analysed grading should be rows of everyone's, not a second grading"

