"""Independence: when TDT patients became transfusion independent, whether it lasted, and who became so."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame, plain
from thaldash.ui.clinical import independence

frame = page_frame("Independence", icon="⏱️")
NUM = st.column_config.NumberColumn
GROUPINGS = {"all": "All TDT patients", "beta_class": "β0/β+ class", "genotype_set": "Genotypes of your choice"}
genotypes = tuple(sorted(frame.filtered.patients.loc[frame.filtered.patients["thal_type"] == "TDT", "genotype"]
                         .dropna().astype(str).unique()))

by = frame.param("by", "all", tuple(GROUPINGS))
chosen = frame.param("set", (), genotypes)
left, right = st.columns([1, 2])
left.radio("Compare", tuple(GROUPINGS), key=frame.key("by"), format_func=GROUPINGS.get)
if by == "genotype_set":
    right.multiselect("Chosen genotypes (against all other TDT genotypes)", genotypes, key=frame.key("set"),
                      placeholder="Pick one or more genotypes")
result = independence(frame.filtered, None if by == "all" else by, tuple(chosen), frame.presentation)

st.subheader("Time to transfusion independence")
st.caption("Independence is first reached at the start of the first visit interval without any transfusion; it is "
           "only seen at the visits (months 1, 3, 6, 12, 18, 24), so the curve is reported there: Kaplan–Meier "
           "on the visit where it is first seen, censored at the last visit whose transfusions are known, with "
           "log-log 95% intervals. Published anchor: 16 of 34 by month 1, 21 of 34 by month 3 (Table 1).")
frame.chart(result["incidence_chart"], "ti_incidence")
group = [c for c in ("beta_class", "genotype_set") if c in result["incidence"]]
frame.table(result["incidence"], "ti_incidence", column_config={
    **{c: "Group" for c in group}, "visit": NUM("Month", format="%.0f"), "n": "Patients", "at_risk": "At risk",
    "events": "Became independent", "censored": "Censored", "cum_incidence": NUM("Independent", format="percent"),
    "ci_low": NUM("95% CI low", format="percent"), "ci_high": NUM("95% CI high", format="percent"), "method": None,
    "reason": "Note", "basis": "Basis"}, counts=("n", "at_risk", "events", "censored"),
    derived=("cum_incidence", "ci_low", "ci_high"))

st.subheader("Did it last?")
st.caption("Of the patients who reached independence, those transfused again at a later visit, to month 24; "
           "Clopper–Pearson exact interval.")
frame.table(result["durability"], "ti_durability", column_config={
    **{c: "Group" for c in group}, "n": "TDT patients", "n_reached": "Reached", "n_unknown": "Later course unknown",
    "n_lost": "Lost it", "proportion_lost": NUM("Share lost", format="percent"),
    "ci_low": NUM("95% CI low", format="percent"), "ci_high": NUM("95% CI high", format="percent"), "method": None,
    "reason": "Note", "basis": "Basis"}, counts=("n", "n_reached", "n_unknown", "n_lost"),
    derived=("proportion_lost", "ci_low", "ci_high"))

st.subheader("Who becomes independent: a model with honest uncertainty")
full = result["model"][result["model"]["model"] == result["model"]["model"].iloc[0]].iloc[0]
st.markdown(plain(f"{int(full['n'])} TDT patients, {int(full['events'])} independent and "
                  f"{int(full['non_events'])} not: {full['events_per_parameter']:.1f} events per parameter in the "
                  "model with two predictors (fewer than 10 means wide intervals and an optimistic fit)."))
st.caption("Firth's penalized logistic regression (genotype itself separates independence perfectly in the paper, "
           "so it cannot be a predictor; β0/β0 stands for what genotype carries), odds ratios with "
           "profile-likelihood 95% intervals and penalized likelihood-ratio P values.")
frame.chart(result["forest"], "ti_model")
frame.table(result["model"], "ti_model", column_config={
    "model": "Model", "term": None, "label": "Term", "estimate": None,
    "odds_ratio": NUM("Odds ratio", format="%.2f"), "ci_low": NUM("95% CI low", format="%.2f"),
    "ci_high": NUM("95% CI high", format="%.2f"), "p": NUM("P", format="%.3f"), "test": None, "ci_method": None,
    "n": "n", "events": "Events", "non_events": "Non-events", "events_per_parameter": NUM("EPP", format="%.1f"),
    "method": None, "reason": "Note", "basis": "Basis"}, counts=("n", "events", "non_events"))
frame.chart(result["roc"], "ti_roc")
frame.table(result["aucs"], "ti_roc", column_config={
    "score": "Score", "n": "n", "n_dropped": None, "n_pos": "Independent", "n_neg": "Not",
    "auc": NUM("AUC", format="%.3f"), "se": NUM("SE", format="%.3f"), "ci_low": NUM("95% CI low", format="%.3f"),
    "ci_high": NUM("95% CI high", format="%.3f"), "method": "Interval", "reason": "Note", "basis": "Basis"},
    counts=("n", "n_dropped", "n_pos", "n_neg"))
frame.footer_caption()
