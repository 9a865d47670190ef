"""``python -m thaldash grade [PATH]``: each patient's response tier, the evidence and the reason.

Exit status: 0 graded, 1 the file breaks the data contract, 2 unreadable file or a bad
``--scenario`` / ``--set``.
"""

from __future__ import annotations

import argparse

import pandas as pd

from thaldash.text import render
from thaldash.cli.common import add_min_cell_argument, add_rule_arguments
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
    add_min_cell_argument(parser, "the summary's counts")


def _count(n: int, k: int) -> str:
    """``n``, or "< k" for a small count under ``--min-cell`` (``data.disclosure``)."""
    return f"< {k}" if k > 1 and 1 <= n < k else str(n)


def _rate(row: pd.Series, k: int = 0) -> str:
    if not row["computed"] and pd.isna(row["pct"]):
        return str(row["reason"])
    n, total = int(row["n"]), int(row["total"])
    if _count(n, k) != str(n) or _count(total, k) != str(total):
        return f"{_count(n, k)}/{_count(total, k)} (percentage not shown: it would give a count below {k} back)"
    text = f"{n}/{total} = {row['pct']:.1f}%"
    if row["computed"]:
        text += f" (95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f}%)"
    return text


def summary_lines(graded: pd.DataFrame, rules: GradingRules, *, min_cell: int | None = None) -> list[str]:
    """Tier counts, the ORR with its exact CI, TDT and NTDT apart, intention to treat when the
    withdrawn are graded, and the transfusion reduction both ways, as text lines.

    With ``min_cell`` k above 1, counts from 1 to k − 1 read "< k" and their percentages are not shown."""
    from thaldash.analyses.headlines import reduction_summary, response_headlines
    from thaldash.grading.summary import tier_table

    summary = tier_table(graded).set_index("tier")
    total = int(summary.loc["ORR", "total"])
    n_withdrawn = int(summary.loc["withdrawn", "n"])
    k = int(min_cell or 0)
    counts = ", ".join(f"{t} {_count(int(summary.loc[t, 'n']), k)}" for t in ("MaR", "MiR", "SLR", "NR"))
    lines = [f"{_count(len(graded) - n_withdrawn, k)} patients graded; {counts}; not evaluable "
             f"{_count(int(summary.loc['not evaluable', 'n']), k)}"
             + (f"; withdrawn {_count(n_withdrawn, k)} (left out of the per-protocol rates)" if n_withdrawn else "")]
    orr = summary.loc["ORR"]
    if total and "not shown" in _rate(orr, k):
        lines.append(f"ORR (MaR + MiR + SLR) = {_rate(orr, k)}, per protocol")
    elif total:
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
            parts = [f"ORR {_rate(orr_row, k)}"]
            if population == "TDT":
                parts.append(f"transfusion-free {_rate(heads.loc[('TDT', 'transfusion-free', 'per-protocol')], k)}")
            note = f" ({orr_row['note']})" if orr_row["note"] else ""
            lines.append(f"  {population}: " + "; ".join(parts) + note)
        if n_withdrawn:
            itt = heads.loc[("all", "ORR", "intention-to-treat")]
            lines.append(f"ORR, intention to treat (the {_count(n_withdrawn, k)} withdrawn counted as failures) = "
                         f"{_rate(itt, k)}")
        else:
            lines.append("Withdrawn patients are left out (per protocol); --include-withdrawn adds the "
                         "intention-to-treat rates.")
        reduction = reduction_summary(graded)
        if reduction["reason"].iloc[0] == "":
            mean, pooled = reduction["pct"].tolist()
            lines.append(f"Transfusion reduction of the {_count(int(reduction['n'].iloc[0]), k)} TDT still transfused: "
                         f"{mean:.1f}% (mean of per-patient reductions, unweighted); {pooled:.1f}% (pooled volume)")
    lines.append(f"rules: {rules.describe()}")
    if k > 1:
        lines.append(f"small cells: counts below {k} shown as < {k} (--min-cell {k}); the per-patient rows hold no count")
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
        for line in summary_lines(graded, rules, min_cell=args.min_cell):
            print(escape_unsafe(line))
    else:
        print(render(shown, args.format))
    return 0
