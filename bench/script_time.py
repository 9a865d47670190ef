"""Server script time per rerun of every page, with ``streamlit.testing.v1.AppTest``.

Run in its own process per data file (``THALDASH_DATA`` is read once per process, and the
caches it fills are the process's own)::

    python -m bench.script_time --data bench/.cache/synthetic-1000000-s0.parquet --repeats 5 --out r.json

First a throw-away run of ``app.py`` loads the data (``load_s``). Then for each page
(``app.py`` and every file in ``pages/``, found anew on each run): the first run
(which fills the page's caches) and ``--repeats`` reruns of the same view, the pages
interleaved within each repetition. The reruns are what a user waits for after any widget
change whose result is already cached. ``--profile DIR`` also writes a cProfile summary of
each page's first run and of one rerun.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BARE = Path(__file__).resolve().parent / "bare_app.py"
REFERENCE = Path(__file__).resolve().parent / "reference_app.py"


def page_files() -> list[Path]:
    """``app.py`` then every page in ``pages/``, in Streamlit's order (picked up as they appear)."""
    return [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]


def _run(at: object, profile: Path | None = None) -> tuple[float, object]:
    if profile is None:
        started = time.perf_counter()
        at.run()
        return time.perf_counter() - started, at
    # AppTest runs the script in a thread of its own; cProfile sees one thread, so profile there.
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    profiler = cProfile.Profile()
    original = ScriptRunner._run_script

    def profiled(self: object, *args: object, **kwargs: object) -> object:
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    ScriptRunner._run_script = profiled
    try:
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
    finally:
        ScriptRunner._run_script = original
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"thaldash|pages|app\.py|pandas|altair|streamlit/elements", 60)
    stats.sort_stats("tottime").print_stats(25)
    profile.write_text(f"wall time with the profiler on: {elapsed:.3f} s\n" + text.getvalue(), encoding="utf-8")
    return elapsed, at


def _problems(at: object) -> list[str]:
    return [str(e.value)[:300] for e in at.exception]


def measure(data: Path | None, repeats: int, profile_dir: Path | None, pages: list[Path]) -> dict:
    from streamlit.testing.v1 import AppTest

    if data is not None:
        os.environ["THALDASH_DATA"] = str(data)
    tests = {}
    results: dict[str, dict] = {}
    # A throw-away first run of app.py loads and checks the data, so that each page's first run
    # below is that page's own work (its analyses on a loaded cohort).
    warm = AppTest.from_file(str(REPO / "app.py"), default_timeout=3600)
    load_s, _ = _run(warm, profile_dir / "load-first.txt" if profile_dir else None)
    for path in pages:  # first runs: each fills its own caches (the first also loads the data)
        name = path.name  # the bare and reference apps keep their names (bare_app.py, reference_app.py)
        prof = profile_dir / f"{path.stem}-first.txt" if profile_dir else None
        at = AppTest.from_file(str(path), default_timeout=3600)
        first, _ = _run(at, prof)
        tests[name] = at
        results[name] = {"first_s": first, "rerun_s": [], "exceptions": _problems(at)}
    for _ in range(repeats):
        for name, at in tests.items():
            elapsed, _ = _run(at)
            results[name]["rerun_s"].append(elapsed)
            results[name]["exceptions"] += [e for e in _problems(at) if e not in results[name]["exceptions"]]
    if profile_dir:  # one more rerun each, profiled (the profiler slows it, so it is not counted)
        for name, at in tests.items():
            _run(at, profile_dir / f"{Path(name).stem}-rerun.txt")
    return {"load_s": load_s, "load_exceptions": _problems(warm), "pages": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="cohort file (default: the bundled cohort)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", type=Path, default=None, help="folder for cProfile summaries")
    parser.add_argument("--bare", action="store_true", help="measure bench/bare_app.py as well")
    parser.add_argument("--reference", action="store_true", help="measure bench/reference_app.py as well")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    pages = page_files() + ([BARE] if args.bare else []) + ([REFERENCE] if args.reference else [])
    started = time.perf_counter()
    results = measure(args.data, args.repeats, args.profile, pages)
    args.out.write_text(json.dumps(results | {"total_s": time.perf_counter() - started,
                                    "peak_rss_bytes": _peak_rss()}, indent=1), encoding="utf-8")
    return 0


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
