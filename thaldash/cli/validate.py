"""``python -m thaldash validate PATH``: check a cohort file against the contract.

Exit status: 0 valid (warnings allowed), 1 contract violations, 2 unreadable file. Every
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

HELP = "Check a cohort file (Parquet or CSV) against the data contract and list every problem."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="cohort file (Parquet or CSV, recognised from its content)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table: one line per problem (default); csv/json: the problems table, "
                             "with the summary on stderr")


def problem_line(row: pd.Series) -> str:
    """``severity: column: patient id: problem (value: v)``, omitting empty parts, escaped."""
    parts = [row["severity"]]
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
    if result.cohort is not None:
        return (f"valid: {len(result.cohort.patients):,} patients, {len(result.cohort.visits):,} visits, "
                f"{result.n_warnings:,} warnings")
    if result.unreadable:
        return "unreadable: the file was not checked"
    return f"invalid: {result.n_errors:,} errors, {result.n_warnings:,} warnings; the file is refused"


def run(args: argparse.Namespace) -> int:
    result = load_cohort(args.path)
    status = 0 if result.ok else (2 if result.unreadable else 1)
    if args.format in ("csv", "json"):
        print(render(result.problems.map(escape_unsafe), args.format))
        print(escape_unsafe(summary_line(result)), file=sys.stderr)
        return status
    stream = sys.stderr if result.unreadable else sys.stdout
    for _, row in result.problems.iterrows():
        print(problem_line(row), file=stream)
    if not result.unreadable:
        print(summary_line(result))
    return status
