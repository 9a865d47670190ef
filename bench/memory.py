"""Where the server's memory goes: app.py then every page once, in a fresh process, with the holders named.

    python -m bench.memory --data bench/.cache/synthetic-1000000-s0.parquet [--scan] [--out m.json]
    python -m bench.memory --data bench/.cache/synthetic-1000000-s0.parquet --server   # a real server

Runs ``app.py`` and then every page of ``pages/`` once with ``streamlit.testing.v1.AppTest``
(``THALDASH_DATA`` names the file; one page open at a time, as one visitor going through the pages),
and after each page prints

- ``VmRSS`` (now) and ``VmHWM`` (the process's peak so far) from ``/proc/self/status``, and the peak
  during that page alone (``/proc/self/clear_refs`` restarts ``VmHWM`` before each page);
- the shared cache (``thaldash.ui.memo.SHARED``): its estimated total (what its byte bound sees) and
  its largest entries with three sizes: ``est`` (the store's own estimate), ``deep`` (every buffer the
  entry reaches, counted once within the entry) and ``new`` (what no earlier entry or the loaded
  cohort already holds: the memory the entry really adds);
- with ``--scan``, every live pandas object and array of the process (``gc``) as unique bytes, and
  what of it the store does not reach (the largest such frames named by their columns);
- with ``--peaks``, where each page's peak happened: a thread reads ``VmRSS`` every 2 ms and keeps
  the thaldash frames of the script's stack at the highest reading (``PeakSampler``).

Sizes are of memory regions (numpy data, Arrow buffers, Python text objects), so a slice sharing
its parent's memory counts once. AppTest has no websocket, so Streamlit's per-session message
bookkeeping of a real server is not in these figures: ``--server`` reads a real server's process tree
(``/proc/<pid>/status``) after the cold start and each page opened in chromium.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 1 << 20


def proc_status() -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of this process, in bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(rest.split()[0]) * 1024
    return out


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def store_entries(store: object, cohort_regions: object) -> list[dict]:
    """Each entry of a ``memo.Store``: its key, the store's estimate, its deep and its new bytes."""
    from thaldash.ui.footprint import Regions

    counted = Regions()
    counted.merge(cohort_regions)
    rows = []
    for key, (value, est) in list(store._items.items()):
        mine = Regions().add(value)
        rows.append({"key": _key_text(key), "est": est, "deep": mine.nbytes(), "new": mine.nbytes(counted)})
        counted.merge(mine)
    return rows


def _key_text(key: tuple) -> str:
    name = str(key[0]).rsplit(".", 1)[-1]
    rest = " ".join(str(k)[:60] for k in key[1:] if not (isinstance(k, tuple) and k[:1] == ("cohort",)))
    if name in ("_view", "_part"):
        name, rest = str(key[1]).replace("thaldash.views.", ""), ""
    return f"{name} {rest}".strip()[:110]


def scan(reached: object, top: int = 8) -> dict:
    """Every live pandas object and array in the process, and the largest the store does not reach."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from thaldash.ui.footprint import Regions

    gc.collect()
    every = Regions()
    frames = []
    kinds = (pd.DataFrame, pd.Series, np.ndarray, pa.Array, pa.ChunkedArray)
    for obj in gc.get_objects():
        if isinstance(obj, kinds):
            candidates = [obj]
        else:
            candidates = [r for r in gc.get_referents(obj) if isinstance(r, (np.ndarray, pa.Array, pa.ChunkedArray))]
        for cand in candidates:
            mine = Regions().add(cand)
            every.merge(mine)
            if isinstance(cand, (pd.DataFrame, np.ndarray)):
                frames.append((cand, mine))
    unreached = []
    for cand, mine in frames:
        size = mine.nbytes(reached)
        if size >= MIB:
            what = (f"DataFrame {cand.shape} {list(cand.columns)[:6]}" if isinstance(cand, pd.DataFrame)
                    else f"ndarray {cand.shape} {cand.dtype}")
            unreached.append((size, id(cand), what, cand))
    unreached.sort(key=lambda u: -u[0])
    ignore = {id(frames), id(unreached), *(id(f) for f in frames), *(id(u) for u in unreached)}
    unreached = [(s, w + "  held by: " + holders(c, ignore)) for s, _, w, c in unreached[:top]]
    return {"live_bytes": every.nbytes(), "not_in_store_bytes": every.nbytes(reached),
            "largest_not_in_store": [{"bytes": s, "what": w} for s, w in unreached[:top]]}


def holders(obj: object, ignore: set[int], depth: int = 8) -> str:
    """One chain of referrers of ``obj`` (type names, a dict's first keys), for a diagnosis."""
    chain, current, seen = [], obj, {id(obj)}
    for _ in range(depth):
        refs = [r for r in gc.get_referrers(current) if id(r) not in ignore and id(r) not in seen
                and not isinstance(r, types.FrameType) and r is not chain]
        if not refs:
            break
        current = refs[0]
        seen.add(id(current))
        text = type(current).__qualname__
        if isinstance(current, dict):
            text += "{" + ",".join(str(k)[:30] for k in list(current)[:4]) + "}"
        elif isinstance(current, types.FunctionType):
            text += " " + current.__qualname__
        chain.append(text)
    return " <- ".join(chain)


class PeakSampler:
    """The call stack (thaldash frames) of the other threads at the highest ``VmRSS`` seen since ``restart``.

    A daemon thread reads ``/proc/self/statm`` every 2 ms; a new highest reading records the stacks
    of every other thread (the script runs in AppTest's own thread). Sampling misses peaks shorter
    than its period, so the recorded peak is at most ``VmHWM``.
    """

    def __init__(self) -> None:
        import threading

        self._page = os.sysconf("SC_PAGE_SIZE")
        self._lock = threading.Lock()
        self.restart()
        threading.Thread(target=self._run, daemon=True, name="peak-sampler").start()

    def restart(self) -> None:
        with self._lock:
            self.highest, self.stack = 0, []

    def _rss(self) -> int:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * self._page

    def _run(self) -> None:
        import threading
        import traceback

        me = threading.get_ident()
        while True:
            rss = self._rss()
            if rss > self.highest + (4 << 20):
                stacks = [traceback.extract_stack(frame) for ident, frame in sys._current_frames().items()
                          if ident != me]
                ours = [[f"{Path(f.filename).relative_to(REPO)}:{f.lineno} {f.name}" for f in stack
                         if f.filename.startswith(str(REPO / "thaldash"))] for stack in stacks]
                with self._lock:
                    self.highest, self.stack = rss, max(ours, key=len, default=[])
            time.sleep(0.002)


def measure(data: Path | None, do_scan: bool, top: int, peaks: bool = False) -> list[dict]:
    from streamlit.testing.v1 import AppTest

    from bench.script_time import page_files

    if data is not None:
        os.environ["THALDASH_DATA"] = str(data)
    from thaldash.ui import memo
    from thaldash.ui.footprint import Regions

    evicted: list[dict] = []
    evict = memo.SHARED._evict

    def logged(key: tuple) -> None:  # every eviction, also of an entry put and evicted within one page
        evicted.append({"key": _key_text(key), "est": memo.SHARED._items[key][1]})
        evict(key)

    memo.SHARED._evict = logged
    sampler = PeakSampler() if peaks else None
    rows = []
    for path in page_files():
        _reset_peak()
        if sampler:
            sampler.restart()
        started = time.perf_counter()
        at = AppTest.from_file(str(path), default_timeout=3600)
        at.run()
        seconds = time.perf_counter() - started
        problems = [str(e.value)[:200] for e in at.exception]
        del at
        gc.collect()
        page_peak = proc_status()["VmHWM"]
        cohort_regions = Regions()
        loads = [v for k, (v, _) in memo.SHARED._items.items() if str(k[0]).endswith("_load_shared")]
        for load in loads:
            cohort_regions.add(load.cohort)
        entries = store_entries(memo.SHARED, cohort_regions)
        row = {"page": path.name, "seconds": seconds, "exceptions": problems, **proc_status(),
               "page_peak": page_peak, "store_estimate": memo.SHARED.nbytes,
               "store_pinned": getattr(memo.SHARED, "pinned_nbytes", 0), "store_entries": len(memo.SHARED),
               "store_deep_unique": cohort_regions.nbytes() + sum(e["new"] for e in entries),
               "cohort_bytes": cohort_regions.nbytes(),
               "entries": sorted(entries, key=lambda e: -e["new"])[:top],
               "evicted": list(evicted)}
        evicted.clear()
        if sampler:
            row["peak_sampled"], row["peak_stack"] = sampler.highest, sampler.stack
        if do_scan:
            reached = Regions()
            for value, _ in memo.SHARED._items.values():
                reached.merge(Regions().add(value))
            row["scan"] = scan(reached)
        rows.append(row)
        _print(row)
    return rows


def measure_server(data: Path | None) -> list[dict]:
    """The real server (``streamlit run app.py``, chromium through Playwright): its process tree's ``VmRSS``
    and ``VmHWM`` after the cold start and after the first opening of each page, in one browser tab."""
    from bench.browser import chromium, cold_start, new_page, open_page, url_path
    from bench.script_time import page_files
    from bench.server import Server

    rows = []
    with Server(REPO / "app.py", data=data) as server, chromium() as browser:
        page = new_page(browser)
        for path in page_files():
            if path.name == "app.py":
                seconds, state = cold_start(page, server.url, server.started)
            else:
                seconds, state = open_page(page, f"{server.url}/{url_path(path)}")
            row = {"page": path.name, "seconds": seconds, "exceptions": state.get("exceptions", 0),
                   "VmRSS": server.rss_bytes(), "VmHWM": server.peak_rss_bytes()}
            rows.append(row)
            print(f"== {row['page']}  {seconds:.1f} s  server VmRSS {row['VmRSS'] / MIB:,.0f} MiB"
                  f"  VmHWM {row['VmHWM'] / MIB:,.0f} MiB  exceptions {row['exceptions']}", flush=True)
    return rows


def _print(row: dict) -> None:
    m = lambda b: f"{b / MIB:,.0f}"
    print(f"\n== {row['page']}  {row['seconds']:.1f} s  VmRSS {m(row['VmRSS'])} MiB  VmHWM {m(row['VmHWM'])} MiB"
          f"  page peak {m(row['page_peak'])} MiB  store est {m(row['store_estimate'])} MiB"
          f" + pinned {m(row['store_pinned'])} MiB"
          f"  store unique {m(row['store_deep_unique'])} MiB ({row['store_entries']} entries)"
          f"  cohort {m(row['cohort_bytes'])} MiB", flush=True)
    for exc in row["exceptions"]:
        print(f"   EXCEPTION {exc}")
    for e in row["entries"]:
        print(f"   {m(e['new']):>6} new {m(e['deep']):>6} deep {m(e['est']):>6} est  {e['key']}")
    for e in row["evicted"]:
        print(f"   evicted during the page: {m(e['est']):>6} est  {e['key']}")
    if "peak_stack" in row:
        print(f"   sampled peak {m(row['peak_sampled'])} MiB at:")
        for frame in row["peak_stack"][-8:]:
            print(f"     {frame}")
    if "scan" in row:
        s = row["scan"]
        print(f"   scan: live {m(s['live_bytes'])} MiB, not reached by the store {m(s['not_in_store_bytes'])} MiB")
        for u in s["largest_not_in_store"]:
            print(f"     {m(u['bytes']):>6}  {u['what'][:120]}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="cohort file (default: the bundled cohort)")
    parser.add_argument("--scan", action="store_true", help="also scan every live frame and array (slow)")
    parser.add_argument("--peaks", action="store_true", help="also name where each page's peak happened")
    parser.add_argument("--top", type=int, default=12, help="entries listed per page")
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON too")
    parser.add_argument("--server", action="store_true",
                        help="measure a real server opened in chromium instead (process tree, no attribution)")
    args = parser.parse_args(argv)
    rows = measure_server(args.data) if args.server else measure(args.data, args.scan, args.top, args.peaks)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
