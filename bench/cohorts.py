"""Synthetic cohort files for the benchmark, generated once into ``bench/.cache/`` (git-ignored).

A file is written by ``tools.synthetic.synthetic_cohort(n, seed=0)`` and reused while it
exists; its name carries the size and seed, so a different size never reuses another's file.
"""

from __future__ import annotations

import time
from pathlib import Path

from tools.synthetic import synthetic_cohort

CACHE = Path(__file__).resolve().parent / ".cache"
SIZES: tuple[int, ...] = (48, 10_000, 100_000, 1_000_000)


def cohort_path(n_patients: int, seed: int = 0) -> Path:
    """Path of the synthetic Parquet file of ``n_patients`` × 7 visits, written if absent."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synthetic-{n_patients}-s{seed}.parquet"
    if not path.exists():
        started = time.perf_counter()
        frame = synthetic_cohort(n_patients, seed)
        partial = path.with_suffix(".partial")
        frame.to_parquet(partial, index=False)
        partial.replace(path)  # a half-written file is never taken for a finished one
        print(f"generated {path.name}: {len(frame):,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def label(n_patients: int) -> str:
    """"48", "10k", "100k", "1M"."""
    if n_patients >= 1_000_000 and n_patients % 1_000_000 == 0:
        return f"{n_patients // 1_000_000}M"
    if n_patients >= 1_000 and n_patients % 1_000 == 0:
        return f"{n_patients // 1_000}k"
    return str(n_patients)
