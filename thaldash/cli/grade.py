"""``python -m thaldash grade [PATH]``: each patient's response tier, the evidence and the reason.

Exit status: 0 graded, 1 the file breaks the data contract, 2 unreadable file or a bad
``--scenario`` / ``--set``.
"""

from __future__ import annotations

import argparse

import pandas as pd

from thaldash.text import render
from thaldash.cli.common import add_rule_arguments
from thaldash.grading.rules import GradingRules

HELP = "Grade each patient's response (MaR/MiR/SLR/NR) with the evidence and the rule that decided it."

COLUMNS: tuple[str, ...] = (
    "patient_id", "genotype", "thal_type", "tier", "deciding_criterion", "hb_baseline", "hb_window_end",
    "hb_rise", "reduction_pct", "ti_month", "ti_status", "rule_trace")
CI_NAME = "Clopper–Pearson exact"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=None,
                        help="cohort file (Parquet or CSV); default: the bundled cohort "
                             "(or the file named by THALDASH_DATA)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table (default, with a summary of tier counts and ORR), csv or json")
    add_rule_arguments(parser)
    parser.add_argument("--include-withdrawn", action="store_true",
                        help="grade withdrawn patients too (excluded by default, as in the paper)")


def summary_lines(graded: pd.DataFrame, rules: GradingRules) -> list[str]:
    """Tier counts, the not-evaluable count and the ORR with its exact CI, as text lines."""
    from thaldash.grading.summary import tier_table

    summary = tier_table(graded).set_index("tier")
    total = int(graded["evaluable"].sum())
    counts = ", ".join(f"{t} {int(summary.loc[t, 'n'])}" for t in ("MaR", "MiR", "SLR", "NR"))
    lines = [f"{len(graded):,} patients graded; {counts}; not evaluable {int(summary.loc['not evaluable', 'n'])}"]
    orr = summary.loc["ORR"]
    if total:
        lines.append(f"ORR (MaR + MiR + SLR) = {int(orr['n'])}/{total} = {orr['pct']:.1f}% "
                     f"(95% CI {orr['ci_low']:.1f}–{orr['ci_high']:.1f}%, {CI_NAME})")
    else:
        lines.append("ORR not computed: no evaluable patients")
    lines.append(f"rules: {rules.describe()}")
    return lines


def run(args: argparse.Namespace) -> int:
    from thaldash.cli.common import rules_and_cohort
    from thaldash.grading.grade import grade
    from thaldash.data.validation import escape_unsafe

    rules, cohort, status = rules_and_cohort(args, "graded")
    if cohort is None:
        return status
    graded = grade(cohort, rules, include_withdrawn=args.include_withdrawn)
    shown = graded[[c for c in COLUMNS if c in graded.columns]]
    if args.format == "table":
        text_columns = [c for c in shown.columns if pd.api.types.is_string_dtype(shown[c])]
        shown = shown.assign(**{c: shown[c].map(escape_unsafe, na_action="ignore") for c in text_columns})
        print(render(shown, "table"))
        print()
        for line in summary_lines(graded, rules):
            print(escape_unsafe(line))
    else:
        print(render(shown, args.format))
    return 0
