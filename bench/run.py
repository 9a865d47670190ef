"""The benchmark: the dashboard against a bare one-widget Streamlit app, 48 to 1,000,000 patients.

    .venv/bin/python -m bench                          # everything (about 45 minutes on 2 cores)
    .venv/bin/python -m bench --sizes 48,10000 --repeats 3 --skip load
    .venv/bin/python -m bench --summarize bench/results/A/results.json bench/results/B/results.json

Steps (each can be skipped with ``--skip``):

- ``loading``: ``read_table`` / ``validate`` / ``build_cohort`` of each synthetic file, timed
  in a fresh process (``bench/loading.py``).
- ``script``: server script time of every page per rerun, with AppTest (``bench/script_time.py``),
  one process per size, pages interleaved; the heaviest page named.
- ``browser``: for each repetition, for each size, the real app then the bare app on a fresh
  server: cold start (spawn → first rendered page), filter changes (click → painted rerun), new
  genotype filters (real app), the first opening of every page (real app), and the peak memory
  of the server's process tree.
- ``load``: 20 concurrent sessions × 10 reruns over WebSocket (``bench/load.py``).

Pages are found anew in ``pages/`` on every run. Raw results go to
``bench/results/<date-time>/results.json`` (git-ignored) with ``summary.md``, the table of
medians (min–max) against the targets, which is also printed.
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

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BARE = Path(__file__).resolve().parent / "bare_app.py"
STEPS = ("loading", "script", "browser", "load")
GIB = 2**30
TARGETS = {
    "script_48_s": 0.100, "script_1M_s": 0.500, "filter_48_s": 0.400, "cold_ratio": 2.5, "rss_1M_bytes": GIB,
}


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
                       "--bare", "--out", str(target), "--profile", str(folder / f"profile-{label(n)}"))
        out[str(n)] = json.loads(target.read_text()) if done.returncode == 0 else {"error": done.stderr[-3000:]}
        if "pages" in out[str(n)]:
            heavy = max(out[str(n)]["pages"].items(), key=lambda kv: statistics.median(kv[1]["rerun_s"]))
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
        run["peak_rss_bytes"] = server.peak_rss_bytes()
        page.context.close()
    return run


def step_browser(sizes: list[int], repeats: int, toggles: int, new_filters: int, visit_pages: bool,
                 folder: Path) -> dict:
    from bench import browser as b

    out: dict = {str(n): {"real": [], "bare": []} for n in sizes}
    with b.chromium() as browser:
        for rep in range(repeats):  # interleaved: repetition → size → real, bare
            for n in sizes:
                for kind, script in (("real", REPO / "app.py"), ("bare", BARE)):
                    log = folder / f"server-{kind}-{label(n)}-{rep}.log"
                    try:
                        run = _browser_run(browser, script, cohort_path(n), kind == "real", toggles,
                                           new_filters, visit_pages, log)
                    except Exception as exc:  # noqa: BLE001 - one failed run is reported, the rest go on
                        run = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                    out[str(n)][kind].append(run)
                    print(f"  browser {label(n)} {kind} #{rep + 1}: cold {run.get('cold_start_s', float('nan')):.2f} s, "
                          f"peak {run.get('peak_rss_bytes', 0) / 2**20:.0f} MiB", flush=True)
    return out


def step_load(sizes: list[int], sessions: int, reruns: int) -> dict:
    from bench.load import load_test
    from bench.server import Server

    out = {}
    for n in sizes:
        with Server(REPO / "app.py", data=cohort_path(n)) as server:
            from bench import browser as b

            with b.chromium() as browser:  # warm the server once, as the first visitor would
                page = b.new_page(browser)
                b.cold_start(page, server.url + "/", server.started)
                page.context.close()
            summary = load_test(server.url, sessions, reruns)
            summary["peak_rss_bytes"] = server.peak_rss_bytes()
        out[str(n)] = summary
        print(f"  load {label(n)}: p50 {summary['p50_s'] * 1000:.0f} ms, p95 {summary['p95_s'] * 1000:.0f} ms, "
              f"{len(summary['errors'])} errors", flush=True)
    return out


# Summary ------------------------------------------------------------------------------------

def _stat(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    values = [v * scale for v in values if v == v]
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _loads(values: object) -> str:
    return "–" if not values else " / ".join(f"{v:.1f}" for v in values)


def _verdict(value: float, limit: float) -> str:
    return "–" if value != value else ("met" if value <= limit else "**not met**")


def summary_markdown(results: dict) -> str:
    lines: list[str] = []
    m = results["machine"]
    lines += [f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['memory_gib']:.0f} GiB, Python "
              f"{m['python']}, " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + f", {m['chromium']}.",
              "", f"Load average (1, 5, 15 min) at start {_loads(m.get('load_average_at_start'))}, at end "
              f"{_loads(m.get('load_average_at_end'))}: other processes share the 2 cores when it exceeds ~1.",
              "", "Medians (min–max) over repeated runs.", ""]
    sizes = results["sizes"]
    if "loading" in results:
        lines += ["| Loading (one-time, cached by content hash) | " + " | ".join(label(n) for n in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        for key, name in (("read_s", "read (s)"), ("validate_s", "validate (s)"), ("build_s", "build cohort (s)"),
                          ("total_s", "total (s)")):
            lines.append(f"| {name} | " + " | ".join(
                f"{results['loading'][str(n)].get(key, float('nan')):.2f}" for n in sizes) + " |")
        lines.append("| cohort in memory (MiB) | " + " | ".join(
            f"{(results['loading'][str(n)].get('visits_bytes', 0) + results['loading'][str(n)].get('patients_bytes', 0)) / 2**20:.0f}"
            for n in sizes) + " |")
        lines.append("| peak memory of the load (MiB) | " + " | ".join(
            f"{results['loading'][str(n)].get('peak_rss_bytes', 0) / 2**20:.0f}" for n in sizes) + " |")
        lines.append("")
    if "script" in results:
        lines += ["| Script time per rerun, AppTest (ms) | " + " | ".join(label(n) for n in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        pages = sorted({p for n in sizes for p in results["script"][str(n)].get("pages", {})})
        for p in pages:
            cells = []
            for n in sizes:
                r = results["script"][str(n)].get("pages", {}).get(p)
                cells.append(_stat(r["rerun_s"], 1000) + (" ⚠" if r and r["exceptions"] else "") if r else "–")
            lines.append(f"| {p} | " + " | ".join(cells) + " |")
        lines.append("| *first run of each page (s)* | " + " | ".join(
            "max " + f"{max((r['first_s'] for k, r in results['script'][str(n)].get('pages', {}).items() if k != 'bare_app.py'), default=float('nan')):.2f}"
            for n in sizes) + " |")
        lines.append("")
    verdicts: list[tuple[str, str, str, str]] = []
    if "script" in results:
        for n, key in ((48, "script_48_s"), (1_000_000, "script_1M_s")):
            pages = results["script"].get(str(n), {}).get("pages", {})
            real = {k: statistics.median(v["rerun_s"]) for k, v in pages.items() if k != "bare_app.py"}
            if real:
                heavy = max(real, key=real.get)
                verdicts.append((f"script time per rerun, heaviest page, {label(n)}", f"≤ {TARGETS[key] * 1000:.0f} ms",
                                 f"{real[heavy] * 1000:.0f} ms ({heavy})", _verdict(real[heavy], TARGETS[key])))
    if "browser" in results:
        lines += ["| Browser (headless chromium) | " + " | ".join(label(n) for n in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        rows = {}
        for n in sizes:
            real = [r for r in results["browser"][str(n)]["real"] if "error" not in r]
            bare = [r for r in results["browser"][str(n)]["bare"] if "error" not in r]
            rows.setdefault("cold start, dashboard (s)", []).append(_stat([r["cold_start_s"] for r in real], 1, 2))
            rows.setdefault("cold start, bare app (s)", []).append(_stat([r["cold_start_s"] for r in bare], 1, 2))
            ratio = (statistics.median([r["cold_start_s"] for r in real]) / statistics.median([r["cold_start_s"] for r in bare])
                     if real and bare else float("nan"))
            rows.setdefault("cold start ratio dashboard / bare", []).append(f"{ratio:.1f}×")
            rows.setdefault("filter toggle, first (new filter) (ms)", []).append(
                _stat([r["toggle_s"][0] for r in real if r["toggle_s"]], 1000))
            rows.setdefault("filter toggle, repeated (cached) (ms)", []).append(
                _stat([t for r in real for t in r["toggle_s"][1:]], 1000))
            rows.setdefault("new genotype filter (ms)", []).append(_stat([t for r in real for t in r["new_filter_s"]], 1000))
            rows.setdefault("bare app toggle (ms)", []).append(_stat([t for r in bare for t in r["toggle_s"]], 1000))
            slowest = [max(r["pages"].values()) for r in real if r["pages"]]
            rows.setdefault("slowest first page open (s)", []).append(_stat(slowest, 1, 2))
            rows.setdefault("peak server memory, dashboard (MiB)", []).append(_stat([r["peak_rss_bytes"] for r in real], 2**-20))
            rows.setdefault("peak server memory, bare app (MiB)", []).append(_stat([r["peak_rss_bytes"] for r in bare], 2**-20))
            rows.setdefault("exceptions shown", []).append(str(sum(r["exceptions"] for r in real + bare)))
            errors = [r["error"] for r in results["browser"][str(n)]["real"] + results["browser"][str(n)]["bare"] if "error" in r]
            rows.setdefault("failed runs", []).append(str(len(errors)))
            if n == 48 and real:
                toggles = [t for r in real for t in r["toggle_s"]]
                value = statistics.median(toggles)
                verdicts.append(("filter change input → painted, 48", "≤ 400 ms", f"{value * 1000:.0f} ms",
                                 _verdict(value, TARGETS["filter_48_s"])))
                verdicts.append(("cold start vs bare app, 48", "≤ 2.5×", f"{ratio:.1f}×", _verdict(ratio, TARGETS["cold_ratio"])))
            if n == 1_000_000 and real:
                value = max(r["peak_rss_bytes"] for r in real)
                verdicts.append(("peak server memory, 1M", "≤ 1024 MiB", f"{value / 2**20:.0f} MiB",
                                 _verdict(value, TARGETS["rss_1M_bytes"])))
        for name, cells in rows.items():
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    if "load" in results:
        lines += ["| Load test (WebSocket sessions × reruns) | size | runs | p50 (ms) | p95 (ms) | max (ms) | errors | peak MiB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for n, r in results["load"].items():
            lines.append(f"| {r['sessions']} × {r['reruns']} | {label(int(n))} | {r['runs']} | {r['p50_s'] * 1000:.0f} | "
                         f"{r['p95_s'] * 1000:.0f} | {r['max_s'] * 1000:.0f} | {len(r['errors'])} | "
                         f"{r.get('peak_rss_bytes', 0) / 2**20:.0f} |")
            if n == "48":
                verdicts.append(("concurrent sessions, 20 × 10, 48", "no errors", f"{len(r['errors'])} errors",
                                 "met" if not r["errors"] else "**not met**"))
        lines.append("")
    if verdicts:
        lines += ["| Target | limit | measured | verdict |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in verdicts]
    return "\n".join(lines) + "\n"


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
        results["load"] = step_load(load_sizes, args.sessions, args.reruns)
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
