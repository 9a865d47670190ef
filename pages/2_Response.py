"""Response: tiers and ORR with exact CIs, transfusion independence, and tiers by subgroup."""

from __future__ import annotations

import streamlit as st

from thaldash.charts import tier_bars, tiers_by_group_chart
from thaldash.analyses.response import (GROUPINGS, beside_published, non_mar_patients, response_patients, ti_timing,
                               tier_crosstab)
from thaldash.grading.summary import tier_table
from thaldash.grading.rules import DEFAULT_SCENARIO, SCENARIOS
from thaldash.grading.transfusion import transfusion_facts
from thaldash.ui import cache_on_cohort, not_computed, page_frame, plain, stat
from thaldash.ui.caching import graded
from thaldash.ui.patient_link import patient_table

frame = page_frame("Response", icon="📊")


# Tables and charts are cached with the view: building a chart costs more than the counting behind it.
@cache_on_cohort
def _overall(filtered, cohort, rules, presentation):
    patients = response_patients(graded(filtered, rules), filtered.patients, graded(cohort, rules))
    overall = tier_table(patients)
    return patients, overall, ti_timing(transfusion_facts(filtered)), non_mar_patients(patients), \
        tier_bars(overall, presentation=presentation)


@cache_on_cohort
def _by_group(filtered, cohort, rules, by, presentation):
    table = tier_table(_overall(filtered, cohort, rules, presentation)[0], by=by)
    return tier_crosstab(table, by=by), tiers_by_group_chart(table, by=by, presentation=presentation)


def headline(label, row, what):
    if not row["computed"]:
        not_computed(label, row["reason"].removeprefix("not computed: "))
    else:
        stat(label, f"{row['pct']:.1f} %", n=int(row["total"]), detail=f"{int(row['n'])} {what} · 95% CI "
             f"{row['ci_low']:.1f}–{row['ci_high']:.1f} % ({row['ci_method'].removesuffix(' 95%')})")


_, overall, timing, non_mar, tier_chart = _overall(frame.filtered, frame.cohort, frame.rules, frame.presentation)
tiers, ti = overall.set_index("tier"), timing.set_index("category")
st.caption(f"Percentages are of the evaluable patients; intervals are Clopper–Pearson exact 95%. The rules of "
           f"{plain(frame.scenario)} are in the tooltip.", help="  \n".join(plain(r) for r in frame.rules.describe().split("; ")))
cols = st.columns(4)
for col, (label, row, what) in zip(cols, (
        ("Major response (MaR)", tiers.loc["MaR"], "patients"),
        ("Overall response rate (MaR + MiR + SLR)", tiers.loc["ORR"], "patients"),
        ("TDT transfusion-free", ti.loc["transfusion-free"], "TDT patients"),
        ("TDT free within 1 month", ti.loc["within 1 month"], "TDT patients"))):
    with col:
        headline(label, row, what)

paper = (frame.source.kind == "bundled" and frame.filter.is_default and frame.rules == SCENARIOS[DEFAULT_SCENARIO])
if paper:
    st.markdown("**Beside the paper** (Abstract, Results and Table 1; the bundled cohort, unfiltered, the paper's rule):")
    frame.table(beside_published(overall, timing), "response_vs_paper", column_config={
        "quantity": "Figure", "printed": "Published", "n": "Computed n", "total": st.column_config.NumberColumn(
            "of", format="%d"), "pct": st.column_config.NumberColumn("Computed %", format="%.1f"),
        "same_count": "Same count", "published_n": None, "published_total": None, "published_pct": None})

PCT = {"pct": st.column_config.NumberColumn("%", format="%.1f"),
       "ci_low": st.column_config.NumberColumn("95% CI low", format="%.1f"),
       "ci_high": st.column_config.NumberColumn("95% CI high", format="%.1f"),
       "reason": "Note", "ci_method": None, "computed": None}
# Side by side on a desk screen; one under the other on a projector, where half a page is too narrow.
left, right = (st.container(), st.container()) if frame.presentation else st.columns(2)
with left:
    if tiers.loc["MaR", "total"] >= 2:
        frame.chart(tier_chart, "response_tiers")
    else:
        not_computed("Tier chart", "fewer than 2 evaluable patients")
with right:
    frame.table(overall, "response_tiers", height="content", column_config={
        "tier": "Tier", "n": "n", "total": "of", "n_patients": None, **PCT})

st.subheader("Transfusion independence")
st.caption(f"TDT patients (n = {int(ti.loc['transfusion-free', 'n_tdt'])}), independent from the month after which no "
           "visit records a transfusion: within 1 month (month ≤ 1), at 3 months (1 < month ≤ 3). \"of\": TDT "
           "patients whose status is known.")
frame.table(timing, "transfusion_independence", height="content",
            column_config={"category": "TDT patients", "n": "n", "total": "of", "n_tdt": None, **PCT})

st.subheader("Tiers by subgroup")
by = frame.param("by", "genotype", tuple(GROUPINGS))
st.radio("Group by", tuple(GROUPINGS), key=frame.key("by"), format_func=GROUPINGS.get, horizontal=True)
crosstab, group_chart = _by_group(frame.filtered, frame.cohort, frame.rules, by, frame.presentation)
frame.chart(group_chart, f"tiers_by_{by}")
frame.table(crosstab, f"tiers_by_{by}", height="content", column_config={
    by: GROUPINGS[by], "n": "Patients", "orr": st.column_config.NumberColumn("ORR %", format="%.1f"),
    "ci_low": st.column_config.NumberColumn("95% CI low", format="%.1f"),
    "ci_high": st.column_config.NumberColumn("95% CI high", format="%.1f"), "note": "Note"})
st.caption("ORR: % of the evaluable patients of each group, Clopper–Pearson exact 95% CI; a group with fewer "
           "than 2 evaluable patients gets no interval, and groups under 5 are flagged (Note).")

st.subheader("Patients not graded MaR")
patient_table(frame, non_mar, "non_mar_patients", what="non-MaR patients", column_config={
    "patient_id": "Patient", "genotype": "Genotype", "thal_type": "Type", "tier": "Tier",
    "reduction_pct": st.column_config.NumberColumn("Reduction %", format="%.1f"),
    "hb_rise": st.column_config.NumberColumn("Hb rise (g/L)", format="%.1f"),
    "ti_month": st.column_config.NumberColumn("Free from month", format="%.0f"),
    "rule_trace": st.column_config.TextColumn("Why (rule trace)", width="large")})
frame.footer_caption()
