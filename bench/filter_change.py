"""A filter change on the home page, in ``streamlit.testing.v1.AppTest``, each run profiled.

::

    python -m bench.filter_change --data bench/.cache/synthetic-1000000-s0.parquet --profile prof/

Runs ``app.py`` (loading the data), reruns the same view, ticks the sidebar's "Include withdrawn
patients" (a new filter), reruns it, unticks it (back to the first filter), then chooses the first
genotype (a new filter). Prints each run's seconds; ``--profile DIR`` writes a cProfile summary of
every run but the first (``bench.script_time``'s profiler, on the script thread).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.script_time import REPO, _run

WITHDRAWN = "Include withdrawn patients"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="cohort file (default: the bundled cohort)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for cProfile summaries")
    args = parser.parse_args(argv)
    from streamlit.testing.v1 import AppTest

    if args.data is not None:
        os.environ["THALDASH_DATA"] = str(args.data.resolve())
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=3600)

    def step(name: str, profiled: bool = True) -> None:
        seconds, _ = _run(at, args.profile / f"{name}.txt" if args.profile and profiled else None)
        print(f"{name}: {seconds:.3f} s{' EXCEPTION' if at.exception else ''}", flush=True)

    step("first", profiled=False)
    step("rerun")
    box = next(c for c in at.checkbox if c.label == WITHDRAWN)
    box.check()
    step("withdrawn")
    step("withdrawn-rerun")
    next(c for c in at.checkbox if c.label == WITHDRAWN).uncheck()
    step("withdrawn-back")
    genotype = next(m for m in at.multiselect if m.label == "Genotype combination")
    genotype.select(genotype.options[0])
    step("genotype")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
