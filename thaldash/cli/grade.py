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


def _rate(row: pd.Series) -> str:
    if not row["computed"] and pd.isna(row["pct"]):
        return str(row["reason"])
    text = f"{int(row['n'])}/{int(row['total'])} = {row['pct']:.1f}%"
    if row["computed"]:
        text += f" (95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f}%)"
    return text


def summary_lines(graded: pd.DataFrame, rules: GradingRules) -> list[str]:
    """Tier counts, the ORR with its exact CI, TDT and NTDT apart, intention to treat when the
    withdrawn are graded, and the transfusion reduction both ways, as text lines."""
    from thaldash.analyses.headlines import reduction_summary, response_headlines
    from thaldash.grading.summary import tier_table

    summary = tier_table(graded).set_index("tier")
    total = int(summary.loc["ORR", "total"])
    n_withdrawn = int(summary.loc["withdrawn", "n"])
    counts = ", ".join(f"{t} {int(summary.loc[t, 'n'])}" for t in ("MaR", "MiR", "SLR", "NR"))
    lines = [f"{len(graded) - n_withdrawn:,} patients graded; {counts}; not evaluable "
             f"{int(summary.loc['not evaluable', 'n'])}"
             + (f"; withdrawn {n_withdrawn} (left out of the per-protocol rates)" if n_withdrawn else "")]
    orr = summary.loc["ORR"]
    if total:
        lines.append(f"ORR (MaR + MiR + SLR) = {int(orr['n'])}/{total} = {orr['pct']:.1f}% "
                     f"(95% CI {orr['ci_low']:.1f}–{orr['ci_high']:.1f}%, {CI_NAME}), per protocol")
    else:
        lines.append("ORR not computed: no evaluable patients")
    if "thal_type" in graded and "ti_status" in graded:
        heads = response_headlines(graded).set_index(["population", "endpoint", "analysis"])
        for population in ("TDT", "NTDT"):
            if (population, "ORR", "per-protocol") not in heads.index:
                continue
            orr_row = heads.loc[(population, "ORR", "per-protocol")]
            parts = [f"ORR {_rate(orr_row)}"]
            if population == "TDT":
                parts.append(f"transfusion-free {_rate(heads.loc[('TDT', 'transfusion-free', 'per-protocol')])}")
            note = f" ({orr_row['note']})" if orr_row["note"] else ""
            lines.append(f"  {population}: " + "; ".join(parts) + note)
        if n_withdrawn:
            itt = heads.loc[("all", "ORR", "intention-to-treat")]
            lines.append(f"ORR, intention to treat (the {n_withdrawn} withdrawn counted as failures) = {_rate(itt)}")
        else:
            lines.append("Withdrawn patients are left out (per protocol); --include-withdrawn adds the "
                         "intention-to-treat rates.")
        reduction = reduction_summary(graded)
        if reduction["reason"].iloc[0] == "":
            mean, pooled = reduction["pct"].tolist()
            lines.append(f"Transfusion reduction of the {int(reduction['n'].iloc[0])} TDT still transfused: "
                         f"{mean:.1f}% (mean of per-patient reductions, unweighted); {pooled:.1f}% (pooled volume)")
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
