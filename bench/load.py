"""A bounded load test on loopback: N concurrent sessions × M reruns against a running app.

Each session is a WebSocket connection speaking Streamlit's own protocol, as the browser does
(``BackMsg.rerun_script`` out, ``ForwardMsg`` deltas back until ``script_finished``), so 20
sessions cost the server what 20 browser tabs would without 20 renderers competing with it
for the machine's two cores. Sessions open different pages (round robin over ``pages/``) and
the filters of a few shared links, so caches are shared as they would be in a meeting.

A rerun's latency is from sending the request to receiving ``script_finished``. An error is a
connection failure, a run that did not finish successfully, or an exception element in the
page. Bounded: at most ``sessions × reruns`` runs, each with a timeout; traffic goes to
127.0.0.1 only::

    python -m bench.load                       # starts its own server on the bundled cohort
    python -m bench.load --url http://127.0.0.1:8501 --sessions 20 --reruns 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
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


async def _session(ws_url: str, page: str, query: str, reruns: int) -> SessionResult:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    result = SessionResult(page, query)
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=60, ping_interval=None) as ws:
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
    except (OSError, asyncio.TimeoutError, Exception) as exc:  # noqa: BLE001 - any failure is an error to report
        result.errors.append(f"{type(exc).__name__}: {exc}"[:300])
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


async def _run_all(url: str, sessions: int, reruns: int, pages: list[str]) -> tuple[list[SessionResult], float]:
    ws_url = _loopback(url)
    started = time.perf_counter()
    jobs = [_session(ws_url, pages[i % len(pages)], QUERIES[i % len(QUERIES)], reruns) for i in range(sessions)]
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


def load_test(url: str, sessions: int = 20, reruns: int = 10, pages: list[str] | None = None) -> dict:
    """Run the load test against ``url`` (loopback only); returns latencies, errors and a summary."""
    # A thread of its own: the caller may already run an event loop (Playwright's sync API does).
    with ThreadPoolExecutor(max_workers=1) as pool:
        results, wall = pool.submit(asyncio.run, _run_all(url, sessions, reruns, pages or page_names())).result()
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
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running app on 127.0.0.1 (default: start one)")
    parser.add_argument("--data", type=Path, default=None, help="cohort for the server this starts")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.sessions > 100 or args.reruns > 100:
        parser.error("bounded: at most 100 sessions × 100 reruns")
    if args.url:
        summary = load_test(args.url, args.sessions, args.reruns)
    else:
        from bench.server import Server

        with Server("app.py", data=args.data) as server:
            summary = load_test(server.url, args.sessions, args.reruns)
            summary["peak_rss_bytes"] = server.peak_rss_bytes()
    text = json.dumps(summary, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if not summary["errors"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
