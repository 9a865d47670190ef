"""A bounded load test on loopback: N concurrent sessions × M reruns against a running app.

Each session is a WebSocket connection speaking Streamlit's own protocol, as the browser does
(``BackMsg.rerun_script`` out, ``ForwardMsg`` deltas back until ``script_finished``), so 20
sessions cost the server what 20 browser tabs would without 20 renderers competing with it
for the machine's two cores. Sessions open different pages (round robin over ``pages/``) and
the filters of a few shared links, so caches are shared as they would be in a meeting.

A rerun's latency is from sending the request to receiving ``script_finished``. An error is a
connection failure, a run that did not finish successfully, or an exception element in the
page. Memory per session (issue 14): the server's resident memory (``VmRSS`` of its process
tree) before the sessions connect and once all of them are connected and have run all their
reruns (each session holds its connection open until the last one is done), the difference
divided by the sessions. It includes what their first runs added to the caches the sessions
share (each page's first view, six shared-link filters), so it is an upper bound on what one
more session costs. Bounded: at most ``sessions × reruns`` runs, each with a timeout; traffic goes to
127.0.0.1 only::

    python -m bench.load                       # starts its own server on the bundled cohort,
                                               # warms it with one run of the main page, and
                                               # reports memory per session
    python -m bench.load --url http://127.0.0.1:8501 --sessions 20 --reruns 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
# Views as shared links would open them; parameters as the frame writes them into the URL.
QUERIES: tuple[str, ...] = ("", "thal_type=TDT", "thal_type=NTDT", "splenectomy=yes", "withdrawn=include",
                            "scenario=strict-clinical")
RUN_TIMEOUT = 300.0  # seconds for one rerun before it counts as an error


@dataclass
class SessionResult:
    page: str
    query: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def page_names() -> list[str]:
    """URL path of every page ("" for the main script), as the browser sends it."""
    from bench.browser import url_path

    return ["", *(url_path(p) for p in sorted((REPO / "pages").glob("*.py")))]


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"the load test only targets this machine's loopback address, not {host!r}")
    return f"ws://{urlsplit(url).netloc}/_stcore/stream"


class _AllRan:
    """Where every session waits, its connection still open, until all have run their reruns.

    The last to arrive calls ``when_all`` (a memory reading) before releasing the others.
    """

    def __init__(self, sessions: int, when_all: Callable[[], None]) -> None:
        self.waiting, self.when_all, self.released = sessions, when_all, asyncio.Event()

    async def arrive(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.when_all()
            self.released.set()
        await self.released.wait()


async def _session(ws_url: str, page: str, query: str, reruns: int, all_ran: _AllRan) -> SessionResult:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    result = SessionResult(page, query)
    arrived = False
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=60, ping_interval=None) as ws:
            try:
                for _ in range(reruns):
                    back = BackMsg()
                    back.rerun_script.query_string = query
                    back.rerun_script.page_name = page
                    started = time.perf_counter()
                    await ws.send(back.SerializeToString())
                    error = await asyncio.wait_for(_until_finished(ws, ForwardMsg), RUN_TIMEOUT)
                    result.latencies.append(time.perf_counter() - started)
                    if error:
                        result.errors.append(error)
            finally:  # a failed session arrives too, or the others would wait for it forever
                arrived = True
                await all_ran.arrive()
    except Exception as exc:  # noqa: BLE001 - any failure (connection, timeout, protocol) is an error to report
        result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
    if not arrived:  # the connection itself failed
        await all_ran.arrive()
    return result


async def _until_finished(ws: object, forward_msg: type) -> str:
    error = ""
    while True:
        msg = forward_msg()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element" \
                and msg.delta.new_element.WhichOneof("type") == "exception":
            error = error or f"exception in page: {msg.delta.new_element.exception.message[:200]}"
        elif kind == "page_not_found":
            error = error or "page not found"
        elif kind == "script_finished":
            status = msg.script_finished
            if status == forward_msg.FINISHED_EARLY_FOR_RERUN:
                continue
            if status != forward_msg.FINISHED_SUCCESSFULLY:
                error = error or f"script finished with status {status}"
            return error


async def _run_all(url: str, sessions: int, reruns: int, pages: list[str],
                   when_all: Callable[[], None]) -> tuple[list[SessionResult], float]:
    ws_url = _loopback(url)
    started = time.perf_counter()
    all_ran = _AllRan(sessions, when_all)
    jobs = [_session(ws_url, pages[i % len(pages)], QUERIES[i % len(QUERIES)], reruns, all_ran)
            for i in range(sessions)]
    results = await asyncio.gather(*jobs)
    return list(results), time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by linear interpolation (numpy's default method)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def load_test(url: str, sessions: int = 20, reruns: int = 10, pages: list[str] | None = None,
              rss: Callable[[], int] | None = None) -> dict:
    """Run the load test against ``url`` (loopback only); returns latencies, errors and a summary.

    ``rss`` (the server's current resident bytes, e.g. ``Server.rss_bytes``) adds
    ``rss_before_bytes``, ``rss_all_ran_bytes`` and ``rss_per_session_bytes`` (their difference
    divided by ``sessions``); without it the three are absent.
    """
    memory: dict[str, float] = {}
    if rss is not None:
        memory["rss_before_bytes"] = rss()

    def when_all() -> None:
        if rss is not None:
            memory["rss_all_ran_bytes"] = rss()

    # A thread of its own: the caller may already run an event loop (Playwright's sync API does).
    with ThreadPoolExecutor(max_workers=1) as pool:
        results, wall = pool.submit(asyncio.run, _run_all(url, sessions, reruns, pages or page_names(),
                                                          when_all)).result()
    if "rss_all_ran_bytes" in memory:
        memory["rss_per_session_bytes"] = (memory["rss_all_ran_bytes"] - memory["rss_before_bytes"]) / sessions
    latencies = [t for r in results for t in r.latencies]
    errors = [f"session {i} ({r.page or 'main'}?{r.query}): {e}" for i, r in enumerate(results) for e in r.errors]
    by_page: dict[str, list[float]] = {}
    for r in results:
        by_page.setdefault(r.page or "Home", []).extend(r.latencies)
    return {
        "sessions": sessions, "reruns": reruns, "runs": len(latencies), "wall_s": wall,
        "p50_s": percentile(latencies, 0.5), "p95_s": percentile(latencies, 0.95),
        "max_s": max(latencies, default=float("nan")),
        "mean_s": statistics.fmean(latencies) if latencies else float("nan"),
        "errors": errors,
        # Where the slow runs are: per page, the first run of each session and the rest.
        "by_page": {page: {"runs": len(ts), "p50_s": percentile(ts, 0.5), "max_s": max(ts, default=float("nan"))}
                    for page, ts in sorted(by_page.items())},
        "first_runs_p50_s": percentile([r.latencies[0] for r in results if r.latencies], 0.5),
        "later_runs_p50_s": percentile([t for r in results for t in r.latencies[1:]], 0.5),
    } | memory


def warm_up(url: str) -> list[str]:
    """One session runs the main page once, as the first visitor would (loads the data); its errors."""
    async def once() -> SessionResult:
        return await _session(_loopback(url), "", "", 1, _AllRan(1, lambda: None))

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, once()).result().errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running app on 127.0.0.1 (default: start one)")
    parser.add_argument("--data", type=Path, default=None, help="cohort for the server this starts")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--log", type=Path, default=None,
                        help="server log of the server this starts (tracebacks of errors the sessions see redacted)")
    args = parser.parse_args(argv)
    if args.sessions > 100 or args.reruns > 100:
        parser.error("bounded: at most 100 sessions × 100 reruns")
    if args.url:
        summary = load_test(args.url, args.sessions, args.reruns)
    else:
        from bench.server import Server

        with Server("app.py", data=args.data, log=args.log) as server:
            warm_errors = warm_up(server.url)  # memory per session is counted from a server in use
            summary = load_test(server.url, args.sessions, args.reruns, rss=server.rss_bytes)
            summary["peak_rss_bytes"] = server.peak_rss_bytes()
            summary["errors"] += [f"warm-up: {e}" for e in warm_errors]
    text = json.dumps(summary, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if not summary["errors"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
