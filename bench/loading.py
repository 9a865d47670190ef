"""Where loading a cohort file goes: read, validate, assemble, each timed, in a fresh process.

    python -m bench.loading bench/.cache/synthetic-1000000-s0.parquet

Prints one JSON object: seconds per stage, rows, the memory of the resulting frames and the
process's peak resident memory (``VmHWM``), so the one-time cost of a file is known apart
from the pages' work.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def stages(path: Path) -> dict:
    """Time ``read_table``, ``validate`` and ``build_cohort`` on ``path`` (then ``load_cohort`` whole)."""
    from thaldash.data.cohort import build_cohort
    from thaldash.data.io import read_table
    from thaldash.data.loading import load_cohort
    from thaldash.data.validation import validate

    baseline = _peak_rss()
    t0 = time.perf_counter()
    raw = read_table(path)
    t1 = time.perf_counter()
    checked = validate(raw)
    t2 = time.perf_counter()
    cohort = build_cohort(checked.frame, raw.name, raw.sha256)
    t3 = time.perf_counter()
    peak = _peak_rss()
    out = {
        "file": path.name, "bytes": path.stat().st_size, "rows": len(cohort.visits),
        "patients": len(cohort.patients), "read_s": t1 - t0, "validate_s": t2 - t1, "build_s": t3 - t2,
        "total_s": t3 - t0, "problems": len(checked.problems),
        "visits_bytes": int(cohort.visits.memory_usage(deep=True).sum()),
        "patients_bytes": int(cohort.patients.memory_usage(deep=True).sum()),
        "visits_dtypes": {c: str(t) for c, t in cohort.visits.dtypes.items()},
        "baseline_rss_bytes": baseline, "peak_rss_bytes": peak,
    }
    del raw, checked, cohort
    t4 = time.perf_counter()
    result = load_cohort(path)
    out["load_cohort_s"] = time.perf_counter() - t4
    out["ok"] = result.ok
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(json.dumps(stages(Path(sys.argv[1]))))
