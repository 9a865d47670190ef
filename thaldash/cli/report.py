"""``python -m thaldash report [PATH]``: the whole analysis of a cohort, for the minutes of a meeting.

Exit status: 0 written, 1 the file breaks the contract, 2 unreadable file or bad rules.
"""

from __future__ import annotations

import argparse
import json

HELP = ("The whole analysis of a cohort (tiers with CIs, genotype groups, the Table 4–7/10 comparisons, "
        "Table 9 paired ferritin changes, the Fig. 3 correlation; then genotype and transfusion independence, "
        "the model of who becomes independent, safety and dose) as JSON or Markdown, with stable field names.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from thaldash.cli.common import add_min_cell_argument, add_rule_arguments

    parser.add_argument("path", nargs="?", default=None,
                        help="cohort file (Parquet or CSV); default: the bundled cohort (or THALDASH_DATA)")
    parser.add_argument("--format", choices=("json", "md"), default="json")
    parser.add_argument("--adverse-events", default=None, metavar="PATH",
                        help="the cohort's adverse-events table (CSV or Parquet: patient_id, event, month, grade, "
                             "led_to_withdrawal), for the safety section")
    add_rule_arguments(parser)
    add_min_cell_argument(parser, "every count of the report")


def run(args: argparse.Namespace) -> int:
    from thaldash.cli.common import rules_and_cohort
    from thaldash.reports.cells import suppress_report
    from thaldash.reports.report import full_report, report_markdown

    from thaldash.cli.common import load_adverse_events_for_command

    rules, cohort, status = rules_and_cohort(args, "reported")
    if cohort is None:
        return status
    events, source, status = load_adverse_events_for_command(args.adverse_events, cohort, "reported")
    if status:
        return status
    report = suppress_report(full_report(cohort, rules, adverse_events=events, adverse_events_source=source),
                             args.min_cell)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=1, allow_nan=False))
    else:
        print(report_markdown(report))
    return 0
