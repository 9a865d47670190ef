"""The benchmark's tables: medians (min–max) of every measurement, and each target with its verdict.

``summary_markdown(results)`` turns a ``results.json`` of ``bench/run.py`` (or several merged)
into Markdown. Every target of issue 14 is listed even when this run did not measure it
("not measured"), so a partial run never reads as a complete one.
"""

from __future__ import annotations

import math
import statistics

from bench.cohorts import label

MIB = 2**20
# Issue 14's targets (and the earlier absolute filter-change target, kept for comparison).
TARGETS = {
    "peak_rss_1M_bytes": 1024 * MIB, "peak_rss_1M_stretch_bytes": 768 * MIB, "steady_rss_1M_bytes": 700 * MIB,
    "cold_ratio_48": 2.0, "cold_ratio_1M": 3.0, "script_48_s": 0.100, "script_1M_s": 0.100,
    "filter_ratio_48": 0.9, "filter_48_s": 0.400,
}
NOT_MEASURED = ("not measured in this run", "–")


def _stat(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    values = [v * scale for v in values if not math.isnan(v)]
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _median(values: list[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def _loads(values: object) -> str:
    return "–" if not values else " / ".join(f"{v:.1f}" for v in values)


def _ratio(value: float, digits: int = 1) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}×"


def _verdict(value: float, limit: float) -> str:
    return "–" if math.isnan(value) else ("met" if value <= limit else "**not met**")


def _runs(results: dict, n: int, kind: str) -> list[dict]:
    """The browser runs of ``kind`` ("real", "bare", "reference") at size ``n`` that did not fail."""
    return [r for r in results.get("browser", {}).get(str(n), {}).get(kind, []) if "error" not in r]


def _toggles(runs: list[dict]) -> list[float]:
    return [t for r in runs for t in r.get("toggle_s", [])]


def _cold_ratio(results: dict, n: int, against: str) -> float:
    real, other = _runs(results, n, "real"), _runs(results, n, against)
    if not real or not other:
        return float("nan")
    return _median([r["cold_start_s"] for r in real]) / _median([r["cold_start_s"] for r in other])


def _filter_ratio(results: dict, n: int) -> float:
    real, ref = _toggles(_runs(results, n, "real")), _toggles(_runs(results, n, "reference"))
    return _median(real) / _median(ref) if real and ref else float("nan")


def target_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(target, limit, measured, verdict) for each target of issue 14, in the issue's order."""
    rows: list[tuple[str, str, str, str]] = []
    real_1m = _runs(results, 1_000_000, "real")
    peaks = [r["peak_rss_bytes"] for r in real_1m if "peak_rss_bytes" in r]
    if peaks:
        value = max(peaks)
        verdict = _verdict(value, TARGETS["peak_rss_1M_bytes"])
        stretch = "stretch met" if value <= TARGETS["peak_rss_1M_stretch_bytes"] else "stretch not met"
        rows.append(("peak server memory, 1M (highest of the runs)", "≤ 1024 MiB (stretch ≤ 768 MiB)",
                     f"{value / MIB:.0f} MiB", f"{verdict} ({stretch})"))
    else:
        rows.append(("peak server memory, 1M", "≤ 1024 MiB (stretch ≤ 768 MiB)", *NOT_MEASURED))
    steady = [r["steady_rss_bytes"] for r in real_1m if "steady_rss_bytes" in r]
    if steady:
        rows.append(("steady-state server memory, 1M (after every page opened; highest of the runs)",
                     "≤ 700 MiB", f"{max(steady) / MIB:.0f} MiB", _verdict(max(steady), TARGETS["steady_rss_1M_bytes"])))
    else:
        rows.append(("steady-state server memory, 1M", "≤ 700 MiB", *NOT_MEASURED))
    for n, key in ((1_000_000, "cold_ratio_1M"), (48, "cold_ratio_48")):
        ratio = _cold_ratio(results, n, "bare")
        name, limit = f"cold start vs bare app, {label(n)}", f"≤ {TARGETS[key]:.0f}×"
        if not math.isnan(ratio):
            real = _median([r["cold_start_s"] for r in _runs(results, n, "real")])
            bare = _median([r["cold_start_s"] for r in _runs(results, n, "bare")])
            rows.append((name, limit, f"{ratio:.1f}× ({real:.2f} s vs {bare:.2f} s)", _verdict(ratio, TARGETS[key])))
        else:
            rows.append((name, limit, *NOT_MEASURED))
    for n, key in ((48, "script_48_s"), (1_000_000, "script_1M_s")):
        pages = results.get("script", {}).get(str(n), {}).get("pages", {})
        real = {k: _median(v["rerun_s"]) for k, v in pages.items() if k not in ("bare_app.py", "reference_app.py")}
        name, limit = f"script time per rerun, every page (the heaviest), {label(n)}", f"≤ {TARGETS[key] * 1000:.0f} ms"
        if real:
            heavy = max(real, key=real.get)
            rows.append((name, limit, f"{real[heavy] * 1000:.0f} ms ({heavy})", _verdict(real[heavy], TARGETS[key])))
        else:
            rows.append((name, limit, *NOT_MEASURED))
    ratio = _filter_ratio(results, 48)
    name, limit = "filter change input → painted vs reference dashboard, 48", "≤ 0.9×"
    if not math.isnan(ratio):
        real, ref = _median(_toggles(_runs(results, 48, "real"))), _median(_toggles(_runs(results, 48, "reference")))
        rows.append((name, limit, f"{ratio:.2f}× ({real * 1000:.0f} ms vs {ref * 1000:.0f} ms)",
                     _verdict(ratio, TARGETS["filter_ratio_48"])))
    else:
        rows.append((name, limit, *NOT_MEASURED))
    toggles = _toggles(_runs(results, 48, "real"))
    if toggles:
        rows.append(("filter change input → painted, 48 (earlier target)", "≤ 400 ms",
                     f"{_median(toggles) * 1000:.0f} ms", _verdict(_median(toggles), TARGETS["filter_48_s"])))
    for n in (48, 1_000_000):
        load = results.get("load", {}).get(str(n))
        name = f"load test, {label(n)}"
        if load is None:
            rows.append((name, "0 errors", *NOT_MEASURED))
            continue
        per = load.get("rss_per_session_bytes")
        memory = f", {per / MIB:.1f} MiB per session" if per is not None else ", MiB per session not measured"
        rows.append((f"load test, {load['sessions']} × {load['reruns']}, {label(n)}", "0 errors",
                     f"{len(load['errors'])} errors{memory}", "met" if not load["errors"] else "**not met**"))
    return rows


def _loading_lines(results: dict, sizes: list[int]) -> list[str]:
    loading = results["loading"]
    lines = ["| Loading (one-time, cached by content hash) | " + " | ".join(label(n) for n in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for key, name in (("read_s", "read (s)"), ("validate_s", "validate (s)"), ("build_s", "build cohort (s)"),
                      ("total_s", "total (s)")):
        lines.append(f"| {name} | " + " | ".join(f"{loading[str(n)].get(key, float('nan')):.2f}" for n in sizes) + " |")
    lines.append("| cohort in memory (MiB) | " + " | ".join(
        f"{(loading[str(n)].get('visits_bytes', 0) + loading[str(n)].get('patients_bytes', 0)) / MIB:.0f}"
        for n in sizes) + " |")
    lines.append("| peak memory of the load (MiB) | " + " | ".join(
        f"{loading[str(n)].get('peak_rss_bytes', 0) / MIB:.0f}" for n in sizes) + " |")
    return lines + [""]


def _script_lines(results: dict, sizes: list[int]) -> list[str]:
    script = results["script"]
    lines = ["| Script time per rerun, AppTest (ms) | " + " | ".join(label(n) for n in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for p in sorted({p for n in sizes for p in script[str(n)].get("pages", {})}):
        cells = []
        for n in sizes:
            r = script[str(n)].get("pages", {}).get(p)
            cells.append(_stat(r["rerun_s"], 1000) + (" ⚠" if r["exceptions"] else "") if r else "–")
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    firsts = [max((r["first_s"] for k, r in script[str(n)].get("pages", {}).items()
                   if k not in ("bare_app.py", "reference_app.py")), default=float("nan")) for n in sizes]
    lines.append("| *first run of each page (s)* | " + " | ".join(f"max {v:.2f}" for v in firsts) + " |")
    return lines + [""]


def _browser_lines(results: dict, sizes: list[int]) -> list[str]:
    lines = ["| Browser (headless chromium) | " + " | ".join(label(n) for n in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    rows: dict[str, list[str]] = {}
    for n in sizes:
        real, bare, ref = (_runs(results, n, k) for k in ("real", "bare", "reference"))
        add = lambda name, cell: rows.setdefault(name, []).append(cell)  # one row per line below
        add("cold start, dashboard (s)", _stat([r["cold_start_s"] for r in real], 1, 2))
        add("cold start, bare app (s)", _stat([r["cold_start_s"] for r in bare], 1, 2))
        add("cold start, reference dashboard (s)", _stat([r["cold_start_s"] for r in ref], 1, 2))
        add("cold start ratio dashboard / bare", _ratio(_cold_ratio(results, n, "bare")))
        add("cold start ratio dashboard / reference", _ratio(_cold_ratio(results, n, "reference")))
        add("filter toggle, first (new filter) (ms)", _stat([r["toggle_s"][0] for r in real if r["toggle_s"]], 1000))
        add("filter toggle, repeated (cached) (ms)", _stat([t for r in real for t in r["toggle_s"][1:]], 1000))
        add("filter toggle, all, dashboard (ms)", _stat(_toggles(real), 1000))
        add("filter toggle, all, reference dashboard (ms)", _stat(_toggles(ref), 1000))
        add("filter toggle ratio dashboard / reference", _ratio(_filter_ratio(results, n), 2))
        add("new genotype filter (ms)", _stat([t for r in real for t in r.get("new_filter_s", [])], 1000))
        add("bare app toggle (ms)", _stat(_toggles(bare), 1000))
        add("slowest first page open (s)", _stat([max(r["pages"].values()) for r in real if r.get("pages")], 1, 2))
        for kind, runs in (("dashboard", real), ("reference dashboard", ref), ("bare app", bare)):
            add(f"steady server memory, {kind} (MiB)",
                _stat([r["steady_rss_bytes"] for r in runs if "steady_rss_bytes" in r], 1 / MIB))
            add(f"peak server memory, {kind} (MiB)", _stat([r["peak_rss_bytes"] for r in runs], 1 / MIB))
        add("exceptions shown", str(sum(r["exceptions"] for r in real + bare + ref)))
        every = [r for k in ("real", "bare", "reference") for r in results["browser"][str(n)].get(k, [])]
        add("failed runs", str(sum("error" in r for r in every)))
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows.items()]
    return lines + [""]


def _load_lines(results: dict) -> list[str]:
    lines = [("| Load test (WebSocket sessions × reruns) | size | runs | p50 (ms) | p95 (ms) | max (ms) | errors "
              "| peak MiB | MiB before | MiB all ran | MiB per session |"),
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in results["load"].items():
        memory = " | ".join(f"{r[k] / MIB:.1f}" if k in r else "–"
                            for k in ("rss_before_bytes", "rss_all_ran_bytes", "rss_per_session_bytes"))
        lines.append(f"| {r['sessions']} × {r['reruns']} | {label(int(n))} | {r['runs']} | {r['p50_s'] * 1000:.0f} | "
                     f"{r['p95_s'] * 1000:.0f} | {r['max_s'] * 1000:.0f} | {len(r['errors'])} | "
                     f"{r.get('peak_rss_bytes', 0) / MIB:.0f} | {memory} |")
    return lines + [""]


def summary_markdown(results: dict) -> str:
    """Markdown of ``results``: the machine, one table per step that ran, then the targets."""
    m = results["machine"]
    lines = [f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['memory_gib']:.0f} GiB, Python "
             f"{m['python']}, " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + f", {m['chromium']}.",
             "", (f"Load average (1, 5, 15 min) at start {_loads(m.get('load_average_at_start'))}, at end "
                  f"{_loads(m.get('load_average_at_end'))}: other processes share the 2 cores when it exceeds ~1."),
             "", "Medians (min–max) over repeated runs.", ""]
    sizes = results["sizes"]
    if "loading" in results:
        lines += _loading_lines(results, sizes)
    if "script" in results:
        lines += _script_lines(results, sizes)
    if "browser" in results:
        lines += _browser_lines(results, sizes)
    if "load" in results:
        lines += _load_lines(results)
    lines += ["### Against the targets", "", "| Target | limit | measured | verdict |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in target_rows(results)]
    return "\n".join(lines) + "\n"
