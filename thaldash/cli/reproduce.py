"""``python -m thaldash reproduce [PATH]``: each published number beside the one computed from the cohort.

Exit status: 0 when every published number matches or is a documented contradiction, 3 when
some number misses (on a user's cohort that is expected: it is a different cohort), 1/2 when the
file breaks the contract or cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from thaldash.text import render

HELP = ("List every number published in Yang et al. 2024 beside the same number computed from the cohort "
        "(default: the bundled reconstruction), marking matches, misses and documented contradictions.")
TABLE_COLUMNS = ("ref", "source", "location", "printed", "computed", "status", "contradiction")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=None,
                        help="cohort file (Parquet or CSV); default: the bundled cohort (or THALDASH_DATA)")
    parser.add_argument("--format", choices=("table", "md", "csv", "json"), default="table")
    parser.add_argument("--misses-only", action="store_true", help="list only numbers that do not match")


def run(args: argparse.Namespace) -> int:
    from thaldash.analyses.patients import patient_table
    from thaldash.cli.common import load_for_command
    from thaldash.data.bundled import is_reconstruction
    from thaldash.grading.rules import GradingRules
    from thaldash.reports.reproduction import report_counts, reproduction_report, reproduction_summary
    from thaldash.data.validation import escape_unsafe

    cohort, status = load_for_command(args.path, "compared")
    if cohort is None:
        return status
    report = reproduction_report(cohort, patient_table(cohort, GradingRules()))  # the rules the paper graded by
    counts = report_counts(report).set_index("status")["n"]
    shown = report[report["status"] != "match"] if args.misses_only else report
    if args.format in ("table", "md"):
        shown = shown[list(TABLE_COLUMNS)]
    print(render(shown, args.format))
    summary = reproduction_summary(report_counts(report), source_name=escape_unsafe(cohort.source_name),
                                   reconstruction=is_reconstruction(cohort))
    print(summary, file=sys.stderr if args.format in ("csv", "json") else sys.stdout)
    return 0 if counts["miss"] == 0 else 3
