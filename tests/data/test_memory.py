"""The server hands freed memory back: Arrow allocates through malloc, and a trim can be asked for."""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pytest

from thaldash.data.memory import release_memory, return_memory_as_freed


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
