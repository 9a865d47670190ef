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
from thaldash.analyses.headlines import reduction_summary, response_headlines
from thaldash.analyses.patients import PAPER_MONTHS, baseline_hbf_vs_rise, compare_measure, paired_ferritin, \
    patient_table
from thaldash.data.bundled import RECONSTRUCTION_NOTE, is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.data.schema import CONTRACT_VERSION
from thaldash.grading.effects import rule_effect
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import scenario_name
from thaldash.reports.clinical import CLINICAL_FIELDS, CLINICAL_NOTES, clinical_sections
from thaldash.grading.summary import ANALYSES, genotype_groups, tier_table
from thaldash.published.constraints import label_constraints
from thaldash.stats.multiplicity import adjust_family
from thaldash.text import frame_records

REPORT_VERSION = 3
"""3: the clinical sections (genotype, independence, safety, dose) after the paper's tables.
2 (issue 11): top-level ``reconstruction``; ``diff`` became ``estimate`` with ``estimate_kind``
naming it on every row (a Mann–Whitney row holds a difference in medians, a Wilcoxon row the median
of the paired differences); ``headlines`` (TDT and NTDT apart) and ``reduction`` sections; tiers per
protocol and intention to treat; Holm-adjusted P values; descriptive P values marked; every result
row labelled published / constrained / assumed on the bundled reconstruction."""

LABELS: tuple[str, ...] = ("constraint", "constraint_note")
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "headlines": ("population", "endpoint", "analysis", "n", "total", "n_patients", "pct", "ci_low", "ci_high",
                  "ci_method", "reason", "note", *LABELS),
    "tiers": ("tier", "analysis", "n", "total", "n_patients", "pct", "ci_low", "ci_high", "ci_method", "reason",
              *LABELS),
    "reduction": ("estimate", "n", "units_in_window", "expected_units_in_window", "pct", "reason", *LABELS),
    "genotype_groups": ("genotype", "n", "n_evaluable", "n_mar", "n_mir", "n_slr", "n_nr", "n_not_evaluable",
                        "tiers_present", "group", *LABELS),
    "comparisons": ("subset", "measure", "month", "test", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b",
                    "sd_a", "sd_b", "estimate", "estimate_kind", "se", "ci_low", "ci_high", "statistic", "df",
                    "p", "p_adjusted", "correction", "n_tests", "p_descriptive", "p_note", "hedges_g", "sd_ratio",
                    "sd_warning", "small_n", "computed", "reason", *LABELS),
    "paired_changes": ("subset", "measure", "time_i", "time_j", "test", "n", "n_dropped", "mean_i", "mean_j",
                       "estimate", "estimate_kind", "sd_diff", "se", "ci_low", "ci_high", "statistic", "df", "p",
                       "p_adjusted", "correction", "small_n", "computed", "reason", *LABELS),
    "correlation": ("x", "y", "method", "n", "n_dropped", "r", "ci_low", "ci_high", "p", "slope", "intercept",
                    "computed", "reason", *LABELS),
    **CLINICAL_FIELDS,
}
_LABEL_NOTE = (" On the bundled reconstruction, `constraint` says whether the paper constrains the row: published "
               "(printed), constrained (fixed by printed numbers) or assumed (rests on the reconstruction's "
               "assumptions), with `constraint_note`; null on any other file.")
FIELD_NOTES: dict[str, str] = {
    "headlines": "ORR, MaR and transfusion-free for TDT and NTDT apart and together, per protocol (the paper: the "
                 "withdrawn left out) and intention to treat (the withdrawn counted as failures); `note` says what "
                 "a rate rests on (the NTDT are MaR by rule because never transfused)." + _LABEL_NOTE,
    "tiers": "Response tiers under `rules` (rows MaR, MiR, SLR, NR, ORR, not evaluable, withdrawn) per protocol and "
             "intention to treat (`analysis`); pct and CI in percent of `total`, the denominator; `n_patients` "
             "counts everyone, so total plus the rows left out of the percentages adds up to it; the CI method is "
             "named in ci_method." + _LABEL_NOTE,
    "reduction": "The transfusion reduction of the TDT still transfused, two ways: the unweighted mean of the "
                 "per-patient reductions (the paper's 31.3 %) and the pooled volume reduction "
                 "(1 − Σ units ÷ Σ expected units)." + _LABEL_NOTE,
    "genotype_groups": "Each genotype combination, its tier counts and its group (MaR group when every "
                       "evaluable patient with it is MaR)." + _LABEL_NOTE,
    "comparisons": "Genotype group SLR/NR (a) vs MaR (b) for Hb, HbF and SF at 0/6/12/24 M, all analysed and "
                   "TDT only (Tables 4–7, 10); one row per test; `estimate` is what `estimate_kind` says on "
                   "that row: the difference in means (a − b) on the Student and Welch t rows, the difference "
                   "in medians (a − b) on the Mann–Whitney row (which has no interval); p of the test named in "
                   "`test`, `p_adjusted` by the correction named in `correction` within each test's rows "
                   "(`n_tests` of them). The genotype groups are decided by the response, so P values after "
                   "baseline are descriptive (`p_descriptive`, `p_note`): only month 0 can be read as a test. "
                   "`sd_warning` on the Student row when the SDs differ more than 2-fold. Values null with a "
                   "reason when not computed." + _LABEL_NOTE,
    "paired_changes": "Within-patient change in SF between 0/12/24 M (Table 9), value(time_i) − value(time_j): "
                      "`estimate` is the mean of the paired differences on the paired t row and their median on "
                      "the Wilcoxon signed-rank row (`estimate_kind` says which; sd_diff, se and the interval "
                      "belong to the mean); `p_adjusted` by `correction` within each test's rows; patients "
                      "missing either visit are dropped and counted in n_dropped." + _LABEL_NOTE,
    "correlation": "Baseline HbF (%) vs Hb rise over the grading window (g/L) (Fig. 3), Pearson and Spearman."
                   + _LABEL_NOTE,
    **CLINICAL_NOTES,
}


def _labelled(frame: pd.DataFrame, kind: str, reconstruction: bool, **context: Any) -> pd.DataFrame:
    """``frame`` with ``constraint``/``constraint_note`` on the reconstruction, null on any other file."""
    if reconstruction:
        return label_constraints(frame, kind, **context)
    return frame.assign(constraint=None, constraint_note=None)


def full_report(cohort: Cohort, rules: GradingRules = GradingRules(), *,
                today: dt.date | None = None, adverse_events: pd.DataFrame | None = None,
                adverse_events_source: str = "") -> dict[str, Any]:
    """The report as JSON-ready data: metadata, then one list of records per ``SECTION_FIELDS`` key.

    ``adverse_events`` is the cohort's adverse-events table (``AdverseEvents.events``), named in the
    metadata by ``adverse_events_source``; without it the safety section shows the paper's counts
    on the bundled cohort and "not recorded" on another. ``reconstruction`` (top level) is true when
    ``cohort`` is the bundled reconstruction (``thaldash.data.bundled.is_reconstruction``: its bytes
    are the bundled file's), false for any other file; ``rules.effect_vs_paper`` says in words what
    ``rules`` do to this cohort compared with the paper's (``grading.effects.rule_effect``).
    """
    reconstruction, paper = is_reconstruction(cohort), GradingRules()
    table = patient_table(cohort, rules)
    everyone = grade(cohort, rules, include_withdrawn=True)
    comparisons = pd.concat([
        compare_measure(cohort, table, measure=m, subset=s, months=PAPER_MONTHS)
        for s in ("analysed", "TDT") for m in ("hb_g_l", "hbf_pct", "sf_ng_ml")], ignore_index=True)
    comparisons = adjust_family(comparisons, method="holm")
    paired = paired_ferritin(cohort, table, correction="holm")
    _points, correlation = baseline_hbf_vs_rise(table)
    tiers = pd.concat([tier_table(everyone, analysis=a) for a in ANALYSES], ignore_index=True)
    labels = {"reconstruction": reconstruction, "paper_rules": rules == paper,
              "paper_ti_rule": rules.ti_min_free_visits == paper.ti_min_free_visits}
    sections = {
        "headlines": _labelled(response_headlines(everyone), "tiers", **labels),
        "tiers": _labelled(tiers.assign(population="all"), "tiers", **labels),
        "reduction": _labelled(reduction_summary(everyone), "reduction", **labels),
        "genotype_groups": _labelled(genotype_groups(table), "genotype", **labels),
        "comparisons": _labelled(comparisons, "comparison", **labels),
        "paired_changes": _labelled(paired, "paired", **labels),
        "correlation": _labelled(correlation, "correlation", x="hbf_baseline", y="hb_rise", **labels).assign(
            x="hbf_pct at month 0", y=f"hb_rise over {rules.window_months} months"),
        **clinical_sections(cohort, rules, adverse_events=adverse_events,
                            adverse_events_source=adverse_events_source),
    }
    patients = cohort.patients
    effect = ("these are the paper's rules" if rules == paper else
              rule_effect(grade(cohort, paper), table, reference_rules=paper, whatif_rules=rules,
                          visits=cohort.analysed))
    out: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "contract_version": CONTRACT_VERSION,
        "thaldash_version": __version__,
        "generated": (today or dt.date.today()).isoformat(),
        "reconstruction": reconstruction,
        "source": {"name": cohort.source_name, "sha256": cohort.sha256},
        "adverse_events": adverse_events_source or ("none given" if adverse_events is None else "given"),
        "population": {"enrolled": len(patients), "withdrawn": int(patients["withdrawn"].sum()),
                       "analysed": int((~patients["withdrawn"]).sum()),
                       "graded_evaluable": int(table["evaluable"].sum())},
        "rules": {"scenario": scenario_name(rules) or "custom", **rules.to_params(), "effect_vs_paper": effect},
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
        f"- adverse events: {report.get('adverse_events', 'none given')}",
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
