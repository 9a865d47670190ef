"""The benchmark: the dashboard against a bare app and a plain reference dashboard, 48 to 1,000,000 patients.

    .venv/bin/python -m bench                          # everything (about 45 minutes on 2 cores)
    .venv/bin/python -m bench --sizes 48,10000 --repeats 3 --skip load
    .venv/bin/python -m bench --summarize bench/results/A/results.json bench/results/B/results.json

Steps (each can be skipped with ``--skip``):

- ``loading``: ``read_table`` / ``validate`` / ``build_cohort`` of each synthetic file, timed
  in a fresh process (``bench/loading.py``).
- ``script``: server script time of every page per rerun, with AppTest (``bench/script_time.py``),
  one process per size, pages interleaved (the bare and reference apps too); the heaviest page named.
- ``browser``: for each repetition, for each size, the real app, the bare app
  (``bench/bare_app.py``) and the reference dashboard (``bench/reference_app.py``: three filters,
  an Altair chart, a table, ``st.cache_data``), each on a fresh server: cold start (spawn → first
  rendered page), filter changes (a click on "Include withdrawn patients" → painted rerun), new
  genotype filters (real app), the first opening of every page (real app), then the steady-state
  (``VmRSS``) and peak (``VmHWM``) memory of the server's process tree.
- ``load``: 20 concurrent sessions × 10 reruns over WebSocket (``bench/load.py``), with the
  server's memory before and once all sessions have run (MiB per session).

Pages are found anew in ``pages/`` on every run. Raw results go to
``bench/results/<date-time>/results.json`` (git-ignored) with ``summary.md``, the tables of
medians (min–max) and every target of issue 14 with its verdict (``bench/summary.py``), which is
also printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.cohorts import SIZES, cohort_path, label
from bench.summary import TARGETS, summary_markdown

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BARE = Path(__file__).resolve().parent / "bare_app.py"
STEPS = ("loading", "script", "browser", "load")
REFERENCE = Path(__file__).resolve().parent / "reference_app.py"
APPS = {"real": REPO / "app.py", "bare": BARE, "reference": REFERENCE}  # the kinds of a browser run


def machine() -> dict:
    """What the numbers were measured on."""
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return ""

    from importlib.metadata import version

    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal:")), "0")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    packages = {p: version(p) for p in ("streamlit", "pandas", "numpy", "pyarrow", "altair", "scipy", "playwright")}
    return {"date": datetime.now().isoformat(timespec="seconds"), "nproc": os.cpu_count(), "cpu": cpu,
            "memory_gib": int(mem) / 2**20, "python": platform.python_version(), "os": platform.platform(),
            "chromium": run("chromium", "--version"), "packages": packages,
            "load_average_at_start": os.getloadavg()}


def _python(*args: str, timeout: float = 7200) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("THALDASH_DATA", None)
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def step_loading(sizes: list[int]) -> dict:
    out = {}
    for n in sizes:
        done = _python("-m", "bench.loading", str(cohort_path(n)))
        out[str(n)] = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-2000:]}
        print(f"  loading {label(n)}: {out[str(n)].get('total_s', float('nan')):.2f} s", flush=True)
    return out


def step_script(sizes: list[int], repeats: int, folder: Path) -> dict:
    out = {}
    for n in sizes:
        target = folder / f"script-{label(n)}.json"
        done = _python("-m", "bench.script_time", "--data", str(cohort_path(n)), "--repeats", str(repeats),
                       "--bare", "--reference", "--out", str(target), "--profile", str(folder / f"profile-{label(n)}"))
        out[str(n)] = json.loads(target.read_text()) if done.returncode == 0 else {"error": done.stderr[-3000:]}
        if "pages" in out[str(n)]:
            real = {k: v for k, v in out[str(n)]["pages"].items() if k not in ("bare_app.py", "reference_app.py")}
            heavy = max(real.items(), key=lambda kv: statistics.median(kv[1]["rerun_s"]))
            print(f"  script {label(n)}: heaviest {heavy[0]} {statistics.median(heavy[1]['rerun_s']) * 1000:.0f} ms",
                  flush=True)
    return out


def _browser_run(browser: object, script: Path, data: Path, real: bool, toggles: int, new_filters: int,
                 visit_pages: bool, log: Path) -> dict:
    from bench import browser as b
    from bench.server import Server

    run: dict = {"toggle_s": [], "new_filter_s": [], "pages": {}, "exceptions": 0}
    with Server(script, data=data, log=log) as server:
        page = b.new_page(browser)
        run["cold_start_s"], state = b.cold_start(page, server.url + "/", server.started)
        run["exceptions"] += state["exceptions"]
        run["rss_after_cold_start_bytes"] = server.rss_bytes()
        for _ in range(toggles):
            seconds, state = b.toggle_latency(page, "Include withdrawn patients")
            run["toggle_s"].append(seconds)
            run["exceptions"] += state["exceptions"]
        if real:
            for _ in range(new_filters):
                seconds, state = b.new_option_latency(page, "Genotype combination")
                run["new_filter_s"].append(seconds)
                run["exceptions"] += state["exceptions"]
        if real and visit_pages:
            from bench.script_time import page_files

            for path in page_files():
                seconds, state = b.open_page(page, f"{server.url}/{b.url_path(path)}")
                run["pages"][path.name] = seconds
                run.setdefault("rss_after_page_bytes", {})[path.name] = server.rss_bytes()
                run["exceptions"] += state["exceptions"]
        # Steady state (issue 14): what the server holds once started, filtered and every page opened.
        run["steady_rss_bytes"] = server.rss_bytes()
        run["peak_rss_bytes"] = server.peak_rss_bytes()
        page.context.close()
    return run


def step_browser(sizes: list[int], repeats: int, toggles: int, new_filters: int, visit_pages: bool,
                 folder: Path) -> dict:
    from bench import browser as b

    out: dict = {str(n): {kind: [] for kind in APPS} for n in sizes}
    with b.chromium() as browser:
        for rep in range(repeats):  # interleaved: repetition → size → real, bare, reference
            for n in sizes:
                for kind, script in APPS.items():
                    log = folder / f"server-{kind}-{label(n)}-{rep}.log"
                    try:
                        run = _browser_run(browser, script, cohort_path(n), kind == "real", toggles,
                                           new_filters, visit_pages, log)
                    except Exception as exc:  # noqa: BLE001 - one failed run is reported, the rest go on
                        run = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                    out[str(n)][kind].append(run)
                    toggle = statistics.median(run["toggle_s"]) * 1000 if run.get("toggle_s") else float("nan")
                    print(f"  browser {label(n)} {kind} #{rep + 1}: cold {run.get('cold_start_s', float('nan')):.2f} s, "
                          f"toggle {toggle:.0f} ms, steady {run.get('steady_rss_bytes', 0) / 2**20:.0f} MiB, "
                          f"peak {run.get('peak_rss_bytes', 0) / 2**20:.0f} MiB", flush=True)
    return out


def step_load(sizes: list[int], sessions: int, reruns: int, folder: Path) -> dict:
    from bench.load import load_test
    from bench.server import Server

    out = {}
    for n in sizes:  # the server's log keeps the tracebacks the sessions only see redacted
        with Server(REPO / "app.py", data=cohort_path(n), log=folder / f"server-load-{label(n)}.log") as server:
            from bench import browser as b

            with b.chromium() as browser:  # warm the server once, as the first visitor would
                page = b.new_page(browser)
                b.cold_start(page, server.url + "/", server.started)
                page.context.close()
            summary = load_test(server.url, sessions, reruns, rss=server.rss_bytes)
            summary["peak_rss_bytes"] = server.peak_rss_bytes()
        out[str(n)] = summary
        print(f"  load {label(n)}: p50 {summary['p50_s'] * 1000:.0f} ms, p95 {summary['p95_s'] * 1000:.0f} ms, "
              f"{len(summary['errors'])} errors, {summary['rss_per_session_bytes'] / 2**20:.1f} MiB per session",
              flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="patients per cohort, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each browser run and AppTest rerun")
    parser.add_argument("--toggles", type=int, default=5, help="filter toggles per browser run")
    parser.add_argument("--new-filters", type=int, default=2, help="new genotype filters per browser run")
    parser.add_argument("--no-pages", action="store_true", help="do not open every page in the browser runs")
    parser.add_argument("--load-sizes", default="48,1000000", help="sizes for the load test")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--skip", default="", help=f"steps to skip, comma-separated: {', '.join(STEPS)}")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--summarize", type=Path, nargs="+", default=None, metavar="RESULTS_JSON",
                        help="only print the summary of earlier results (steps of later files win)")
    args = parser.parse_args(argv)
    if args.summarize:
        merged: dict = {}
        for path in args.summarize:
            merged |= json.loads(path.read_text(encoding="utf-8"))
        print(summary_markdown(merged))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skip = {s for s in args.skip.split(",") if s}
    folder = args.out or RESULTS / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "sizes": sizes, "targets": TARGETS}
    started = time.perf_counter()
    for n in sizes:
        cohort_path(n)

    def save() -> None:
        (folder / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")

    if "loading" not in skip:
        print("loading…", flush=True)
        results["loading"] = step_loading(sizes)
        save()
    if "script" not in skip:
        print("script time (AppTest)…", flush=True)
        results["script"] = step_script(sizes, max(args.repeats, 3), folder)
        save()
    if "browser" not in skip:
        print("browser…", flush=True)
        results["browser"] = step_browser(sizes, args.repeats, args.toggles, args.new_filters,
                                          not args.no_pages, folder)
        save()
    if "load" not in skip:
        print("load test…", flush=True)
        load_sizes = [int(s) for s in args.load_sizes.split(",") if s and int(s) in sizes]
        results["load"] = step_load(load_sizes, args.sessions, args.reruns, folder)
        save()
    results["wall_s"] = time.perf_counter() - started
    results["machine"]["load_average_at_end"] = os.getloadavg()
    save()
    text = summary_markdown(results)
    (folder / "summary.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"results: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
