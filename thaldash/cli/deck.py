"""``python -m thaldash deck [PATH] --out FILE.pptx|FILE.html``: the dashboard's pages as slides or a handout.

The deck is built from the same page views the dashboard draws (``thaldash.views.deck.page_deck``), for a view
given as the dashboard's URL query (``--state``), so a link copied from the dashboard, or the state a deck item
records, gives the same slides. Exit status: 0 written; 1 the cohort (or adverse-events) file breaks its
contract; 2 a page or state that does not exist, an output that cannot be written or has another suffix, an
unreadable file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HELP = ("Build a slide deck (PowerPoint, 16:9) or a printable HTML handout of dashboard pages: each figure and "
        "table with its caption, the numbers behind it in the speaker notes and the provenance footer.")
SUFFIXES = (".pptx", ".html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from thaldash.cli.common import min_cell_value
    from thaldash.views.deck import DEFAULT_PAGES
    from thaldash.views.registry import PAGES

    parser.add_argument("path", nargs="?", default=None,
                        help="cohort file (Parquet or CSV); default: the bundled cohort (or THALDASH_DATA)")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="the deck to write: FILE.pptx (slides) or FILE.html (one self-contained handout)")
    parser.add_argument("--page", dest="pages", action="append", default=[], metavar="NAME",
                        help="a page, in slide order; repeatable. NAME?QUERY gives the page its own settings and "
                             "NAME#KEY takes one figure or table (as a deck made in the dashboard records them). "
                             f"Pages: {', '.join(PAGES)}. Default: {', '.join(DEFAULT_PAGES)}")
    parser.add_argument("--state", default="", metavar="QUERY",
                        help="the dashboard's URL query (the part after ?): filters, grading and page settings, "
                             "e.g. 'thal_type=TDT&scenario=strict-clinical&by=genotype'")
    parser.add_argument("--title", default=None, help="the deck's title (default: the study's)")
    parser.add_argument("--min-cell", type=min_cell_value, default=None, metavar="K",
                        help="small cells: on the slides of real patients' data, show counts from 1 to K−1 as "
                             "'< K' (tables, figure labels, notes; their percentages left out) and say so in the "
                             "footer. Default: the state's min_cell, else the dashboard's (THALDASH_MIN_CELL, "
                             ".streamlit/thaldash.toml, else 5), since a deck is made to be shown; 0 shows every "
                             "count. The bundled reconstruction is never changed")
    parser.add_argument("--adverse-events", default=None, metavar="PATH",
                        help="the cohort's adverse-events table, for the Safety page (default: the paper's counts)")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _output_problem(out: Path) -> str:
    """Why ``out`` cannot be written ("" when it can), checked before the deck is built."""
    if out.suffix.lower() not in SUFFIXES:
        return f"--out {out}: write a .pptx (slides) or a .html (handout) file; {out.suffix or 'no suffix'} is neither"
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        return f"--out {out}: the folder {folder} does not exist"
    if out.is_dir():
        return f"--out {out}: this is a folder, not a file"
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        return f"--out {out}: not allowed to write there"
    return ""


def run(args: argparse.Namespace) -> int:
    from thaldash.cli.common import adverse_events_for_command, load_for_command
    from thaldash.export.deck import build_html, build_pptx
    from thaldash.views.deck import DEFAULT_PAGES, TITLE, PageRequest, page_deck, parse_state

    start = time.perf_counter()
    out = Path(args.out).expanduser()
    problem = _output_problem(out)
    if problem:
        return _fail(problem)
    try:  # names and syntax first: a typo should not wait for the cohort to load
        requests = [PageRequest.parse(p) for p in args.pages or DEFAULT_PAGES]
        state = parse_state(args.state)
    except ValueError as error:
        return _fail(str(error))
    cohort, status = load_for_command(args.path, "made into a deck")
    if cohort is None:
        return status
    events, status = adverse_events_for_command(args.adverse_events, cohort, "made into a deck")
    if status:
        return status
    try:
        deck = page_deck(cohort, requests, state, adverse_events=events, title=args.title or TITLE,
                         min_cell=args.min_cell)
    except ValueError as error:
        return _fail(str(error))
    if not deck.items:
        return _fail("the pages named have no figure or table to put on a slide (Home shows numbers only)")
    data = build_pptx(deck) if out.suffix.lower() == ".pptx" else build_html(deck).encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as error:
        return _fail(f"--out {out}: could not be written ({error.strerror or error})")
    print(f"{out}: {len(deck.items)} figures and tables, {len(data) / 1024:,.0f} KiB, built in "
          f"{time.perf_counter() - start:.1f} s")
    return 0
