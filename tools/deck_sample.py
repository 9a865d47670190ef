"""A 12-item sample deck of the bundled cohort, built the way the pages will build theirs.

``python -m tools.deck_sample OUT.pptx OUT.html`` writes both files and prints their sizes and
build times. Six figures come from thaldash's own chart builders (presentation type) and six
tables from the same core functions the pages call, rounded and labelled here as a page
would; this module plays the pages' part, so it imports the analyses, which the renderer
itself (``thaldash.export.deck.pptx``, ``thaldash.export.deck.html``) never does.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from thaldash.export.deck.house import footer_text
from thaldash.export.deck.html import build_html
from thaldash.export.deck.model import Deck, DeckItem, Source
from thaldash.export.deck.pptx import build_pptx
from thaldash import charts
from thaldash.analyses.patients import patient_table
from thaldash.data.cohort import Cohort
from thaldash.analyses.comparisons import compare_view
from thaldash.analyses.change import CORRELATES, correlation_view, paired_view
from thaldash.data.loading import bundled_cohort_path, load_cohort
from thaldash.data.schema import TIER_ORDER
from thaldash.grading.summary import tier_table
from thaldash.analyses.response import grouped_visits, response_patients, ti_timing, tier_crosstab
from thaldash.grading.scenarios import DEFAULT_SCENARIO, SCENARIOS
from thaldash.stats import PAIRED_T, STUDENT_T
from thaldash.analyses.trajectories import individual_lines, trajectory_means
from thaldash.grading.transfusion import transfusion_facts

WHEN = dt.date(2026, 12, 2)
RULES = SCENARIOS[DEFAULT_SCENARIO]


def _p(p: float) -> str:
    return "not computed" if pd.isna(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _ci(low: float, high: float, digits: int = 1) -> str:
    return "–" if pd.isna(low) else f"{low:.{digits}f} to {high:.{digits}f}"


def _tier_lines(table: pd.DataFrame) -> str:
    return "\n".join(f"{r.tier}: {r.n}/{r.total} = {r.pct:.1f}% (95% CI {_ci(r.ci_low, r.ci_high)}, "
                     f"{r.ci_method})" if r.computed else f"{r.tier}: {r.n} ({r.reason})"
                     for r in table.itertuples())


def sample_deck(cohort: Cohort) -> Deck:
    """Six figures and six tables of ``cohort`` under the paper's rules, unfiltered."""
    footer = footer_text(cohort.source_name, cohort.sha256, "none", DEFAULT_SCENARIO, WHEN)
    patients = patient_table(cohort, RULES)
    n = int(patients["evaluable"].sum())
    tiers = tier_table(patients)
    by_type = tier_table(patients, by="thal_type")
    graded = response_patients(patients, cohort.patients, patients)  # genotype groups as the pages label them
    visits = grouped_visits(cohort.visits, graded)
    hb = compare_view(cohort, RULES, measure="hb_g_l", patients=patients)
    student = hb.result[hb.result["test"] == STUDENT_T]
    points, fit = correlation_view(cohort, RULES, patients=patients)
    paired_table, paired = paired_view(cohort)
    timing = ti_timing(transfusion_facts(cohort.analysed))
    labels = {"hbf_baseline": CORRELATES["hbf_baseline"], "hb_rise": CORRELATES["hb_rise"]}
    common = {"footer": footer, "reconstruction": True}
    pearson = fit.iloc[0]

    def figure(title: str, caption: str, notes: str, chart: object, page: str, state: str, item_id: str) -> DeckItem:
        return DeckItem("figure", title, caption, notes, figure=chart.to_dict(), source=Source(page, state),
                        item_id=item_id, **common)

    def table(title: str, caption: str, notes: str, frame: pd.DataFrame, page: str, state: str,
              item_id: str) -> DeckItem:
        return DeckItem("table", title, caption, notes, table=frame, source=Source(page, state), item_id=item_id,
                        **common)

    items = [
        figure("Response to thalidomide", f"{n} evaluable patients, no filter; bars: % of evaluable, whiskers: "
               "Clopper–Pearson exact 95% CI.", _tier_lines(tiers), charts.tier_bars(tiers, presentation=True),
               "Response", "", "response_tiers"),
        table("Response tiers", f"{n} evaluable patients; % of evaluable with Clopper–Pearson exact 95% CI.",
              _tier_lines(tiers), tiers.assign(pct=tiers["pct"].round(1), ci=[
                  _ci(a, b) for a, b in zip(tiers["ci_low"], tiers["ci_high"])])[
                  ["tier", "n", "total", "pct", "ci", "reason"]].rename(columns={
                      "tier": "Tier", "total": "of", "pct": "%", "ci": "95% CI", "reason": "Note"}),
              "Response", "", "response_tiers"),
        figure("Response by thalassaemia type", "Patients per tier, TDT and NTDT; ORR k/n at the end of each bar.",
               _tier_lines(by_type[by_type["tier"] == "ORR"]),
               charts.tiers_by_group_chart(by_type, by="thal_type", presentation=True), "Response", "by=thal_type",
               "tiers_by_thal_type"),
        table("Tiers by genotype combination", "ORR: % of the evaluable patients of each genotype, Clopper–Pearson "
              "exact 95% CI; groups under 5 patients flagged.", "Counts per genotype; see the Note column.",
              tier_crosstab(tier_table(patients, by="genotype"), by="genotype").round(1).rename(columns={
                  "genotype": "Genotype", "n": "Patients", "orr": "ORR %", "ci_low": "95% CI low",
                  "ci_high": "95% CI high", "note": "Note"}), "Response", "by=genotype", "tiers_by_genotype"),
        figure("Hb over 24 months", "Mean Hb with 95% CI by genotype group (MaR vs SLR/NR), patients in grey; "
               "n under each point.", "Means and n per month are in the table of the Trajectories page.",
               charts.trajectory_chart(trajectory_means(visits, measure="hb_g_l", by="genotype_group"),
                                       measure="hb_g_l", grouping="genotype_group",
                                       individual=individual_lines(visits, measure="hb_g_l", by="genotype_group"),
                                       presentation=True), "Trajectories", "measure=hb_g_l&by=genotype_group",
               "trajectory_hb_g_l"),
        figure("Hb: SLR/NR vs MaR genotype group", "Group means with 95% CI at 0, 6, 12 and 24 months; P from "
               "Student's t (the paper's test).", "\n".join(
                   f"Month {int(r.month)}: diff {r.diff:.1f} g/L (95% CI {_ci(r.ci_low, r.ci_high)}), n {r.n_a} vs "
                   f"{r.n_b}, P = {_p(r.p)} (Student t)" for r in student.itertuples()),
               charts.group_means_chart(hb.means, measure="hb_g_l", group=hb.chart_group, p_values=student[
                   ["month", "p", "test", "reason"]], presentation=True), "Comparisons", "measure=hb_g_l",
               "group_means"),
        table("Hb: SLR/NR vs MaR, paper layout (Table 4)", "Average and SD per group; difference A − B with its "
              "SE and Student's t P on each month's first row.", "As printed in Table 4 of the paper.",
              hb.table.assign(p=[_p(p) if t else "" for p, t in zip(hb.table["p"], hb.table["test"])])[
                  ["month", "label", "n", "mean", "sd", "diff", "se", "p"]].round(2).rename(columns={
                      "month": "Month", "label": "Group", "mean": "Average", "sd": "SD", "diff": "Diff. A − B",
                      "se": "SE", "p": "P (Student t)"}), "Comparisons", "measure=hb_g_l", "comparison"),
        figure("Baseline HbF and the rise in Hb (Fig. 3)", f"{int(pearson.n)} patients; Pearson and Spearman "
               "correlation, least-squares line.", "\n".join(
                   f"{r.method}: r = {r.r:.2f} (95% CI {_ci(r.ci_low, r.ci_high, 2)}), P = {_p(r.p)}, n = {r.n}"
                   for r in fit.itertuples()),
               charts.scatter_with_fit(points.rename(columns=labels), fit, x=labels["hbf_baseline"],
                                       y=labels["hb_rise"], presentation=True), "Change and correlation", "",
               "correlation"),
        figure("Serum ferritin: change between visits", "Mean within-patient difference with 95% CI, paired t "
               "(Table 9).", "\n".join(
                   f"{int(r.time_i)} − {int(r.time_j)} M: {r.diff:.0f} ng/mL (95% CI {_ci(r.ci_low, r.ci_high, 0)})"
                   f", n = {r.n}, P = {_p(r.p)} (paired t)" for r in paired[paired["test"] == PAIRED_T].itertuples()),
               charts.paired_change_chart(paired, measure="sf_ng_ml", presentation=True),
               "Change and correlation", "", "paired_change"),
        table("Serum ferritin, paired change (Table 9)", "Patients with both visits; mean of I − J with paired t "
              "and Wilcoxon signed-rank P.", "n_dropped: patients missing either visit.",
              paired_table.assign(p=paired_table["p"].map(_p), p_wilcoxon=paired_table["p_wilcoxon"].map(_p))[
                  ["time_i", "time_j", "n", "n_dropped", "mean_i", "mean_j", "diff", "se", "p", "p_wilcoxon"]
              ].round(1).rename(columns={"time_i": "Month I", "time_j": "Month J", "n_dropped": "Dropped",
                                         "mean_i": "Mean I", "mean_j": "Mean J", "diff": "Mean I − J", "se": "SE",
                                         "p": "P (paired t)", "p_wilcoxon": "P (Wilcoxon)"}),
              "Change and correlation", "", "paired_table"),
        table("Transfusion independence (TDT)", f"TDT patients (n = {int(timing['n_tdt'].iloc[0])}); % of those "
              "whose status is known, Clopper–Pearson exact 95% CI.", _tier_lines(timing.rename(
                  columns={"category": "tier"})),
              timing.assign(pct=timing["pct"].round(1), ci=[_ci(a, b) for a, b in zip(timing["ci_low"],
                                                                                       timing["ci_high"])])[
                  ["category", "n", "total", "pct", "ci", "reason"]].rename(columns={
                      "category": "TDT patients", "total": "of", "pct": "%", "ci": "95% CI", "reason": "Note"}),
              "Response", "", "transfusion_independence"),
        table("Every analysed patient", "Each patient's tier under the paper's rules and the rule that decided it.",
              "Sorted by tier, then patient.", patients.assign(
                  _order=pd.Categorical(patients["tier"], categories=TIER_ORDER).codes).sort_values(
                  ["_order", "patient_id"])[["patient_id", "genotype", "thal_type", "tier", "reduction_pct",
                                             "hb_rise", "rule_trace"]].round(1).rename(columns={
                      "patient_id": "Patient", "genotype": "Genotype", "thal_type": "Type", "tier": "Tier",
                      "reduction_pct": "Reduction %", "hb_rise": "Hb rise (g/L)", "rule_trace": "Why (rule trace)"}),
              "Response", "", "patients"),
    ]
    return Deck(title="Thalidomide in β-thalassaemia: the cohort of Yang et al. 2024",
                subtitle=f"{cohort.source_name}: {len(cohort.patients)} enrolled, {len(patients)} analysed, "
                         f"{n} evaluable", grading=f"{DEFAULT_SCENARIO} ({RULES.describe()})", created=WHEN,
                reconstruction=True, items=tuple(items))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tools.deck_sample OUT.pptx OUT.html", file=sys.stderr)
        return 2
    start = time.perf_counter()
    loaded = load_cohort(bundled_cohort_path())
    deck = sample_deck(loaded.cohort)
    made = time.perf_counter()
    pptx = build_pptx(deck)
    built_pptx = time.perf_counter()
    html = build_html(deck)
    built_html = time.perf_counter()
    Path(argv[0]).write_bytes(pptx)
    Path(argv[1]).write_text(html, encoding="utf-8")
    print(f"{len(deck.items)} items: analyses and chart specs {made - start:.1f} s")
    print(f"{argv[0]}: {len(pptx) / 1024:.0f} KiB in {built_pptx - made:.1f} s")
    print(f"{argv[1]}: {len(html.encode()) / 1024:.0f} KiB in {built_html - built_pptx:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
