"""The whole analysis of a cohort as one archivable document (``python -m thaldash report``).

The same functions the pages call, so the report holds exactly the numbers the dashboard shows.
Field names are part of the contract with whoever archives a report: ``SECTION_FIELDS`` lists
them, a test keeps the output equal to it, and ``REPORT_VERSION`` changes if they ever change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from thaldash import __version__
from thaldash.analyses.patients import PAPER_MONTHS, baseline_hbf_vs_rise, compare_measure, paired_ferritin, \
    patient_table
from thaldash.data.bundled import RECONSTRUCTION_NOTE, is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.text import frame_records
from thaldash.grading.summary import genotype_groups, tier_table
from thaldash.grading.rules import GradingRules, scenario_name
from thaldash.data.schema import CONTRACT_VERSION

REPORT_VERSION = 2
"""2: ``diff`` became ``estimate`` with ``estimate_kind`` naming it on every row (a Mann–Whitney row
holds a difference in medians, a Wilcoxon row the median of the paired differences)."""

SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "tiers": ("tier", "n", "total", "pct", "ci_low", "ci_high", "ci_method", "reason"),
    "genotype_groups": ("genotype", "n", "n_evaluable", "n_mar", "n_mir", "n_slr", "n_nr", "n_not_evaluable",
                        "tiers_present", "group"),
    "comparisons": ("subset", "measure", "month", "test", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b",
                    "sd_a", "sd_b", "estimate", "estimate_kind", "se", "ci_low", "ci_high", "statistic", "df",
                    "p", "hedges_g", "small_n", "computed", "reason"),
    "paired_changes": ("subset", "measure", "time_i", "time_j", "test", "n", "n_dropped", "mean_i", "mean_j",
                       "estimate", "estimate_kind", "sd_diff", "se", "ci_low", "ci_high", "statistic", "df", "p",
                       "p_adjusted", "correction", "small_n", "computed", "reason"),
    "correlation": ("x", "y", "method", "n", "n_dropped", "r", "ci_low", "ci_high", "p", "slope", "intercept",
                    "computed", "reason"),
}
FIELD_NOTES: dict[str, str] = {
    "tiers": "Response tiers under `rules` (rows MaR, MiR, SLR, NR, ORR, not evaluable); pct and CI in percent; "
             "the CI method is named in ci_method.",
    "genotype_groups": "Each genotype combination, its tier counts and its group (MaR group when every "
                       "evaluable patient with it is MaR).",
    "comparisons": "Genotype group SLR/NR (a) vs MaR (b) for Hb, HbF and SF at 0/6/12/24 M, all analysed and "
                   "TDT only (Tables 4–7, 10); one row per test; `estimate` is what `estimate_kind` says on "
                   "that row: the difference in means (a − b) on the Student and Welch t rows, the difference "
                   "in medians (a − b) on the Mann–Whitney row (which has no interval); p of the test named in "
                   "`test`; values null with a reason when not computed.",
    "paired_changes": "Within-patient change in SF between 0/12/24 M (Table 9), value(time_i) − value(time_j): "
                      "`estimate` is the mean of the paired differences on the paired t row and their median on "
                      "the Wilcoxon signed-rank row (`estimate_kind` says which; sd_diff, se and the interval "
                      "belong to the mean); patients missing either visit are dropped and counted in n_dropped.",
    "correlation": "Baseline HbF (%) vs Hb rise over the grading window (g/L) (Fig. 3), Pearson and Spearman.",
}


def full_report(cohort: Cohort, rules: GradingRules = GradingRules(), *,
                today: dt.date | None = None) -> dict[str, Any]:
    """The report as JSON-ready data: metadata, then one list of records per ``SECTION_FIELDS`` key.

    ``reconstruction`` (top level) is true when ``cohort`` is the bundled reconstruction
    (``thaldash.data.bundled.is_reconstruction``: its bytes are the bundled file's), false for any
    other file.
    """
    table = patient_table(cohort, rules)
    comparisons = pd.concat([
        compare_measure(cohort, rules, measure=m, subset=s, months=PAPER_MONTHS, patients=table)
        for s in ("analysed", "TDT") for m in ("hb_g_l", "hbf_pct", "sf_ng_ml")], ignore_index=True)
    paired = paired_ferritin(cohort, rules, patients=table)
    _points, correlation = baseline_hbf_vs_rise(cohort, rules, patients=table)
    sections = {
        "tiers": tier_table(table),
        "genotype_groups": genotype_groups(table),
        "comparisons": comparisons,
        "paired_changes": paired,
        "correlation": correlation.assign(x="hbf_pct at month 0", y=f"hb_rise over {rules.window_months} months"),
    }
    patients = cohort.patients
    out: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "contract_version": CONTRACT_VERSION,
        "thaldash_version": __version__,
        "generated": (today or dt.date.today()).isoformat(),
        "reconstruction": is_reconstruction(cohort),
        "source": {"name": cohort.source_name, "sha256": cohort.sha256},
        "population": {"enrolled": len(patients), "withdrawn": int(patients["withdrawn"].sum()),
                       "analysed": int((~patients["withdrawn"]).sum()),
                       "graded_evaluable": int(table["evaluable"].sum())},
        "rules": {"scenario": scenario_name(rules) or "custom", **rules.to_params()},
    }
    for name, frame in sections.items():
        out[name] = frame_records(frame.reindex(columns=list(SECTION_FIELDS[name])))
    return out


def report_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: a heading per section, a table per list of records."""
    from thaldash.text import render

    lines = [
        "# thaldash report",
        "",
        (f"**Data {RECONSTRUCTION_NOTE}**: the bundled reconstruction of Yang et al. 2024's cohort "
         "(data/COHORT.md)." if report["reconstruction"] else
         "Data: a cohort file, not the bundled reconstruction of the paper's cohort."),
        "",
        f"- source: {report['source']['name']} (sha256 {report['source']['sha256'][:12]})",
        f"- generated: {report['generated']} by thaldash {report['thaldash_version']} "
        f"(report v{report['report_version']}, contract v{report['contract_version']})",
        "- population: " + ", ".join(f"{k} {v}" for k, v in report["population"].items()),
        "- rules: " + "; ".join(f"{k}={v}" for k, v in report["rules"].items()),
    ]
    for name in SECTION_FIELDS:
        lines += ["", f"## {name.replace('_', ' ').capitalize()}", "", FIELD_NOTES[name], ""]
        frame = pd.DataFrame(report[name], columns=list(SECTION_FIELDS[name]))
        lines.append(render(frame, "md", floatfmt="{:.6g}"))
    return "\n".join(lines) + "\n"
