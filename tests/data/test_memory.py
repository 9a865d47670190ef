"""The server hands freed memory back: Arrow allocates through malloc, and a trim can be asked for."""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pyarrow as pa
import pytest

from thaldash.data.filters import CohortFilter
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.data.memory import freeze_long_lived, release_memory, return_memory_as_freed
from thaldash.views.context import ViewContext
from thaldash.views.params import read_params
from thaldash.views.registry import PAGES


def test_the_server_setting_routes_arrow_through_malloc_and_is_idempotent():
    return_memory_as_freed()
    return_memory_as_freed()
    assert pa.default_memory_pool().backend_name == "system"
    table = pa.table({"x": np.arange(1_000_000, dtype=np.float64)})  # still allocates and computes
    assert pa.compute.sum(table["x"]).as_py() == float(np.arange(1_000_000).sum())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_a_release_gives_back_what_many_small_freed_blocks_held():
    def rss_kib() -> int:
        status = open("/proc/self/status").read().split("VmRSS:")[1]
        return int(status.split()[0])

    blocks = [np.ones(2048) for _ in range(40_000)]  # 16 KiB each, 640 MiB in blocks malloc keeps on free
    in_use = np.ones(2048)  # allocated after them and kept: the heap cannot simply shrink from its top
    with_blocks = rss_kib()
    del blocks
    kept = rss_kib()
    release_memory()
    released = rss_kib()
    assert kept > with_blocks - 200 * 1024, "freeing alone keeps most of it (the reason for release_memory)"
    assert released < with_blocks - 400 * 1024, "after the release most of it is back with the system"
    assert in_use.sum() == 2048


def test_freezing_leaves_what_is_alive_out_of_later_collections_once_per_key():
    key = "test-freeze-once"
    freeze_long_lived(key)
    frozen = gc.get_freeze_count()
    made_after = [[] for _ in range(1000)]
    freeze_long_lived(key)  # the same key again: nothing more is frozen
    assert gc.get_freeze_count() == frozen
    freeze_long_lived(key + "-another")
    assert gc.get_freeze_count() >= frozen + len(made_after)


def test_a_cohort_and_every_page_view_held_by_the_server_are_freed_without_the_cycle_collector():
    # Frozen objects (freeze_long_lived) are never collected as cycles, so what a server holds when it
    # freezes and later drops (a cohort replaced by an upload, an evicted view) must go by reference
    # counts. (Building a view leaves cyclic garbage of its own, Altair's validation tracebacks; it is
    # unreachable, so the collection before each freeze, and after each run, takes it.)
    cohort = load_cohort(bundled_cohort_path()).cohort
    flt = CohortFilter()
    ctx = ViewContext(cohort=cohort, filtered=flt.apply(cohort), filter=flt, bundled=True)
    views = [entry.build(ctx, read_params(entry.params, entry.context(ctx), {}))
             for entry in PAGES.values() if entry.function and not entry.resources]
    assert len(views) >= 8
    refs = [weakref.ref(cohort), weakref.ref(ctx.filtered), *(weakref.ref(view) for view in views)]
    gc.collect()  # the garbage made while building; what is held stays
    gc.disable()
    try:
        del cohort, ctx, views
        alive = [ref() for ref in refs if ref() is not None]
        assert not alive, f"held in reference cycles: {[type(obj).__name__ for obj in alive]}"
    finally:
        gc.enable()
