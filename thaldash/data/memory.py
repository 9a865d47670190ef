"""Give freed memory back to the operating system, so a long-running server's size tracks its data.

A million-patient cohort frees gigabytes of temporary arrays while it is read, checked and
analysed. glibc's ``malloc`` keeps freed blocks below its (self-raising) mmap threshold for the
life of the process, and Arrow's default allocator (mimalloc) keeps its pages, so the server
would stay at its largest size ever. Dask trims its workers the same way (``malloc_trim``).
Nothing here frees memory that is still in use; on systems other than glibc Linux both are no-ops.
"""

from __future__ import annotations

import ctypes
import gc
import sys

import pyarrow as pa

_M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
_MMAP_THRESHOLD_BYTES = 1 << 20
_configured = False
_frozen: set[str] = set()


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl)
        return None


def release_memory() -> None:
    """Return freed Arrow and ``malloc`` memory to the system now (after a large load)."""
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def return_memory_as_freed() -> None:
    """From now on, hand large blocks back as soon as they are freed (for the server process; idempotent).

    Arrays of 1 MiB or more are mapped on their own (``M_MMAP_THRESHOLD``, which also stops glibc
    raising the threshold as it runs), and Arrow allocates through ``malloc`` too. Measured on
    1,000,000 patients: a few percent slower first computations, several hundred MiB less at peak.
    """
    global _configured
    if _configured:
        return
    _configured = True
    pa.set_memory_pool(pa.system_memory_pool())
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


def freeze_long_lived(key: str) -> None:
    """Once per ``key`` and process: collect, then leave every object alive now out of later collections.

    Streamlit runs a full collection after every script run (``runner.postScriptGC``), and the
    event loop cannot send the run's last message until it ends: with the libraries, the cohort
    and the caches that walked some 200,000 objects, 150–300 ms per filter change. What is alive
    when a page first runs (modules, the cohort, cached views) lives for the server's life;
    frozen (``gc.freeze``, CPython's advice for long-running servers), the collection after each
    run walks only what that run made. Frozen objects are still freed by reference counting, the
    way every array and frame here is freed (tests/data/test_memory.py).
    """
    if key in _frozen:
        return
    _frozen.add(key)
    gc.collect()
    gc.freeze()
