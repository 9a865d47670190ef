"""A folder of centres against the same data as one file: load time and peak memory.

    python -m bench.centres [--patients 100000] [--centres 10]

The synthetic cohort of ``bench.cohorts.cohort_path(n)`` is split by patient into ``centres`` Parquet
files (``centre-00.parquet`` …, written once into ``bench/.cache/``); ``load_cohort`` then reads the
one file and the folder, each in a fresh interpreter (so one's memory does not flatter the other), and
the process's peak resident memory (``VmHWM``) and the load's seconds are printed as one JSON object,
with the load average when the run started (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from thaldash.data.loading import load_cohort
started = time.perf_counter()
result = load_cohort(Path({path!r}))
seconds = time.perf_counter() - started
peak = next(int(l.split()[1]) * 1024 for l in Path("/proc/self/status").read_text().splitlines()
            if l.startswith("VmHWM:"))
print(json.dumps({{"ok": result.ok, "seconds": seconds, "peak_rss_bytes": peak,
                  "patients": len(result.cohort.patients) if result.ok else 0,
                  "centres": len(result.cohort.centres) if result.ok else 0, "files": len(result.files)}}))
"""


def centres_folder(n_patients: int, n_centres: int) -> tuple[Path, Path]:
    """(the one file, the folder of ``n_centres`` files holding the same patients), written if absent."""
    import numpy as np
    import pandas as pd

    from bench.cohorts import CACHE, cohort_path

    single = cohort_path(n_patients)
    folder = CACHE / f"centres-{n_patients}-{n_centres}"
    if not folder.exists():
        frame = pd.read_parquet(single)
        codes, _ = pd.factorize(frame["patient_id"])
        partial = folder.with_suffix(".partial")
        partial.mkdir(parents=True, exist_ok=True)
        for k in range(n_centres):  # patients dealt round-robin: every centre the same size
            frame[np.asarray(codes % n_centres == k)].to_parquet(partial / f"centre-{k:02d}.parquet", index=False)
        partial.replace(folder)
    return single, folder


def measure(path: Path) -> dict:
    """``load_cohort(path)`` in a fresh interpreter: ok, seconds, peak RSS, patients, centres, files."""
    out = subprocess.run([sys.executable, "-c", _CHILD.format(repo=str(REPO), path=str(path))], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--centres", type=int, default=10)
    args = parser.parse_args(argv)
    single, folder = centres_folder(args.patients, args.centres)
    load = os.getloadavg()[0]
    result = {"patients": args.patients, "centres": args.centres, "load_average_1m": round(load, 2),
              "one_file": measure(single), "folder": measure(folder),
              "one_file_bytes": single.stat().st_size,
              "folder_bytes": sum(p.stat().st_size for p in folder.iterdir())}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
