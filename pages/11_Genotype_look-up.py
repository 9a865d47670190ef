"""Genotype look-up: what thalidomide did for patients with a given genotype, allele or β class, and the claim's test."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.genotype import QUERY_KINDS, GenotypeQuery
from thaldash.data.filters import BETA_CLASSES
from thaldash.ui import page_frame, plain
from thaldash.ui.clinical import PCT_COLUMNS, claim, distribution_stat, lookup, proportion_stat, result_sentence
from thaldash.ui.patient_link import patient_table

frame = page_frame("Genotype look-up", icon="🧬")
patients = frame.filtered.patients
genotypes = sorted(patients["genotype"].dropna().astype(str).unique())
alleles = sorted({*patients["allele_1"].dropna().astype(str), *patients["allele_2"].dropna().astype(str)})
common = patients["genotype"].astype(str).value_counts().index[0]

kind = frame.param("by", "genotype", tuple(QUERY_KINDS))
st.radio("Look up", tuple(QUERY_KINDS), key=frame.key("by"), format_func=QUERY_KINDS.get, horizontal=True)
if kind == "genotype":
    text = frame.param("lookup", common)
    st.text_input("Genotype: two alleles with a slash, either order, any usual spelling", key=frame.key("lookup"),
                  help="In this cohort: " + ", ".join(genotypes) + ". βCD41-42/βIVS-2-654 and IVS-II-654/CD41-42 "
                       "are the same genotype.")
elif kind == "allele":
    text = frame.param("carrier", alleles[0], tuple(alleles))
    st.selectbox("Carries the allele (on either chromosome)", alleles, key=frame.key("carrier"))
else:
    text = frame.param("bclass", "β0/β0", BETA_CLASSES)
    st.selectbox("β0/β+ class", BETA_CLASSES, key=frame.key("bclass"))
try:
    query = GenotypeQuery.parse(kind, text)
except ValueError as error:
    st.warning(f"Not looked up: {plain(error)}.")
    st.stop()

measure = frame.param("measure", "hb_g_l", ("hb_g_l", "hbf_pct"))
result = lookup(frame.filtered, frame.rules, query.to_text(), measure, frame.presentation)
found = result["lookup"]
n = found.n_by_type
st.subheader(f"{query.label}: {n['TDT']} TDT and {n['NTDT']} NTDT patients")
props = found.proportions.set_index(["thal_type", "endpoint"])
dists = found.distributions.set_index(["thal_type", "measure"])
if n["TDT"]:
    left, middle, right = st.columns(3)
    with left:
        proportion_stat("TDT: transfusion independent", props.loc["TDT"].iloc[0])
    with middle:
        distribution_stat("TDT: transfusion reduction", dists.loc["TDT"].iloc[0], "%")
    with right:
        distribution_stat("TDT: Hb rise", dists.loc["TDT"].iloc[1], "g/L")
ntdt = props.loc["NTDT"]
for pair in (ntdt.iloc[:2], ntdt.iloc[2:]) if n["NTDT"] else ():
    for col, (endpoint, row) in zip(st.columns(3), pair.iterrows()):
        with col:
            proportion_stat(f"NTDT: {endpoint}", row)
st.caption(" ".join(f"No {t} patient matches." for t, k in n.items() if not k))
st.caption("TDT and NTDT apart: independence for TDT, the Hb-based endpoint for NTDT (thresholds: the MiR and MaR "
           "Hb rise of the grading rules). Clopper–Pearson exact intervals; one patient gives no estimate.")
frame.table(found.proportions, "lookup_endpoints", column_config={
    "thal_type": "Type", "endpoint": "Endpoint", "k": "k", "n": "n", **PCT_COLUMNS}, counts=("k", "n"), derived=("pct", "ci_low", "ci_high"))
frame.table(found.distributions, "lookup_distributions", column_config={
    "thal_type": "Type", "measure": "Measure", "n": "n", "median": st.column_config.NumberColumn("Median", format="%.1f"),
    "q1": st.column_config.NumberColumn("Q1", format="%.1f"), "q3": st.column_config.NumberColumn("Q3", format="%.1f"),
    "min": None, "max": None, "reason": "Note", "basis": "Basis"}, counts=("n",))
with st.expander("Partially pooled estimate (a model)"):
    st.caption("Each genotype's share of independent TDT patients shrunk toward the other genotypes' by how much "
               "the genotypes differ (beta-binomial empirical Bayes). A model, not an observation: use it for "
               "genotypes with one or two patients. When every genotype is all-or-none there is nothing to pool.")
    frame.table(found.pooled, "lookup_pooled", column_config={
        "estimate": st.column_config.NumberColumn("Estimate", format="%.2f"),
        "proportion": st.column_config.NumberColumn("Observed", format="%.2f"),
        "ci_low": st.column_config.NumberColumn("Low", format="%.2f"),
        "ci_high": st.column_config.NumberColumn("High", format="%.2f"), "method": None, "label": None},
        counts=("n", "k"), derived=("proportion",))

st.subheader("Course beside the rest of the cohort")
st.radio("Measure", ("hb_g_l", "hbf_pct"), key=frame.key("measure"), horizontal=True,
         format_func={"hb_g_l": "Hb (g/L)", "hbf_pct": "HbF (%)"}.get)
for thal, figure in result["charts"].items():
    st.markdown(f"**{thal} patients**")
    frame.chart(figure, f"lookup_{thal}_{measure}")
st.caption("One chart per type; thin lines: the matching patients; no band where fewer than 3 patients.")

st.subheader("The matching patients")
patient_table(frame, found.patients, "lookup_patients", what="matching patients", column_config={
    "patient_id": "Patient", "genotype": "Genotype", "beta_class": "Class", "thal_type": "Type", "tier": "Tier",
    "independent": st.column_config.CheckboxColumn("Independent"),
    "ti_month": st.column_config.NumberColumn("Free from month", format="%.0f"),
    "reduction_pct": st.column_config.NumberColumn("Reduction %", format="%.1f"),
    "hb_rise": st.column_config.NumberColumn("Hb rise (g/L)", format="%.1f"),
    "hb_rise_sustained": st.column_config.NumberColumn("Lowest rise to 24 M", format="%.1f"),
    "hb_ge_mir": None, "hb_ge_mar": None, "sustained_ge_mir": None, "sustained_ge_mar": None})

st.subheader("What the paper says for these genotypes")
frame.table(found.beside, "lookup_table_1", column_config={
    "genotype": "Genotype", "source": "Source", "n_ntdt": "NTDT", "n_tdt": "TDT", "n_tdt_ti_1m": "TI within 1 m",
    "n_tdt_ti_3m": "TI at 3 m", "n_total": "Total", "group": "Group"},
    counts=("n_ntdt", "n_tdt", "n_tdt_ti_1m", "n_tdt_ti_3m", "n_total"))

st.subheader("Does genotype predict independence? (TDT, all genotypes)")
tests = claim(frame.filtered)
for _, row in tests.iterrows():
    st.markdown("- " + plain(result_sentence(row)))
frame.table(tests, "genotype_claim", column_config={
    "comparison": "Comparison", "test": "Test", "table": st.column_config.TextColumn("Counts", width="large"),
    "p": st.column_config.NumberColumn("P", format="%.2e"), "mc_se": "MC error", "n_resamples": None, "seed": None,
    "odds_ratio": st.column_config.NumberColumn("OR", format="%.2f"),
    "ci_low": st.column_config.NumberColumn("OR low", format="%.2f"),
    "ci_high": st.column_config.NumberColumn("OR high", format="%.2f"), "ci_method": None,
    "counts_from": "Counts from", "basis": "Basis", "reason": "Note"}, counts=("n",), fractions=("table",))
st.caption(plain(f"Counts from {tests['counts_from'].iloc[0]}.") + " " +
           ("On the whole bundled cohort the test uses Table 1's printed counts only: the reconstruction was fitted "
            "to them, so the result does not depend on its assumptions." if tests["counts_from"].iloc[0].startswith(
               "Table 1") else "Counts of the patients shown (sidebar filter)."))
frame.footer_caption()
