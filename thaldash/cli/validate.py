"""``python -m thaldash validate PATH``: check a cohort file against the contract.

Exit status: 0 valid (warnings allowed), 1 contract violations, 2 an unreadable file (in a folder: any of
its files). Every
printed value has control and bidi characters escaped, so a hostile label cannot rewrite
the terminal.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from thaldash.text import render
from thaldash.data.loading import LoadResult, load_cohort
from thaldash.data.validation import escape_unsafe

HELP = ("Check a cohort file (Parquet or CSV), or a folder of them (one per centre), against the data contract "
        "and list every problem (with its file); with "
        "--adverse-events, check that table against its contract and the cohort's patients too.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="cohort file (Parquet or CSV, recognised from its content), or a folder of "
                                     "them, one per centre, or a partitioned dataset (centre=NAME/ folders)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table: one line per problem (default); csv/json: the problems table, "
                             "with the summary on stderr")
    parser.add_argument("--adverse-events", default=None, metavar="PATH",
                        help="an adverse-events table (patient_id, event, month, grade, led_to_withdrawal) to check "
                             "as well; its problems follow the cohort's, with table 'adverse events'")


def problem_line(row: pd.Series) -> str:
    """``severity: file: column: patient id: problem (value: v)``, omitting empty parts, escaped (``file``
    names the file of a folder of centres)."""
    parts = [row["severity"]]
    if row.get("file", ""):
        parts.append(row["file"])
    if row["column"]:
        parts.append(row["column"])
    if row["patient_id"]:
        parts.append(f"patient {row['patient_id']}")
    text = ": ".join(parts) + ": " + row["problem"]
    if row["value"]:
        text += f" (value: {row['value']})"
    return escape_unsafe(text)


def summary_line(result: LoadResult) -> str:
    """One line: "valid: N patients, M visits, K warnings" or the refusal with its counts."""
    what = "folder" if result.files else "file"
    if result.cohort is not None:
        centres = len(result.cohort.centres)
        files = (f" from {len(result.files):,} files" + (f" ({centres:,} centres)" if centres > 1 else "")
                 if result.files else "")
        return (f"valid: {len(result.cohort.patients):,} patients, {len(result.cohort.visits):,} visits{files}, "
                f"{result.n_warnings:,} warnings")
    if result.unreadable and not result.files:
        return f"unreadable: the {what} was not checked"
    return f"invalid: {result.n_errors:,} errors, {result.n_warnings:,} warnings; the {what} is refused"


def run(args: argparse.Namespace) -> int:
    result = load_cohort(args.path)
    status = 0 if result.ok else (2 if result.unreadable else 1)
    events = None
    if getattr(args, "adverse_events", None):
        from thaldash.data.adverse_events import load_adverse_events

        events = load_adverse_events(args.adverse_events,
                                     patients=result.cohort.patients if result.ok else None)
        status = max(status, 0 if events.ok else (2 if events.unreadable else 1))
    if args.format in ("csv", "json"):
        problems = result.problems.assign(table="cohort")
        if events is not None:
            problems = pd.concat([problems, events.problems.assign(table="adverse events")], ignore_index=True)
        print(render(problems.map(escape_unsafe), args.format))
        print(escape_unsafe(summary_line(result)), file=sys.stderr)
        if events is not None:
            print(escape_unsafe(events_summary_line(events)), file=sys.stderr)
        return status
    whole = result.unreadable and not result.files  # nothing was checked: only the reason, on stderr
    stream = sys.stderr if whole else sys.stdout
    for _, row in result.problems.iterrows():
        print(problem_line(row), file=stream)
    if not whole:
        print(summary_line(result))
    if events is not None:
        out = sys.stderr if events.unreadable else sys.stdout
        for _, row in events.problems.iterrows():
            print("adverse events: " + problem_line(row), file=out)
        print(escape_unsafe(events_summary_line(events)))
    return status


def events_summary_line(events) -> str:
    """One line on the adverse-events file: valid with its counts, or refused."""
    if events.ok:
        return (f"adverse events: valid: {len(events.events):,} events of {events.events['patient_id'].nunique():,} "
                f"patients, {events.n_warnings:,} warnings")
    if events.unreadable:
        return "adverse events: unreadable: the file was not checked"
    return (f"adverse events: invalid: {events.n_errors:,} errors, {events.n_warnings:,} warnings; "
            "the file is refused")
