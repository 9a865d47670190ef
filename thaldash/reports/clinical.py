"""The clinical question in the report: genotype, independence, safety and dose, with stable field names.

``clinical_sections`` calls the same functions the Genotype look-up, Independence, Safety and Dose
pages call, so an archived report holds the numbers those pages show. ``report.full_report``
adds these sections after the paper's tables.
"""

from __future__ import annotations

import pandas as pd

from thaldash.analyses.claim import CLAIM_COLUMNS, POOLED_COLUMNS, genotype_claim, pooled_independence
from thaldash.analyses.dose import AGE_COLUMNS, TEST_COLUMNS, confounding_statement, dose_ages, dose_endpoints, \
    dose_test, dose_tiers
from thaldash.analyses.endpoints import (DISTRIBUTION_COLUMNS, PROPORTION_COLUMNS, endpoint_distributions,
                                         endpoint_proportions, patient_endpoints)
from thaldash.analyses.independence import MODEL_COLUMNS, ti_course, ti_durability, ti_incidence, ti_model, ti_roc
from thaldash.analyses.safety import SAFETY_COLUMNS, WITHDRAWAL_COLUMNS, rash_readings, safety_for, withdrawals
from thaldash.data.cohort import Cohort
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.published.paper import is_bundled
from thaldash.stats.incidence import DURABILITY_COLUMNS, INCIDENCE_COLUMNS
from thaldash.stats.roc import AUC_COLUMNS

INCIDENCE_GROUPINGS: dict[str, str | None] = {"all TDT patients": None, "β class": "beta_class"}

CLINICAL_FIELDS: dict[str, tuple[str, ...]] = {
    "endpoints": PROPORTION_COLUMNS,
    "genotype_endpoints": ("genotype", *PROPORTION_COLUMNS),
    "genotype_distributions": ("genotype", *DISTRIBUTION_COLUMNS),
    "genotype_claim": CLAIM_COLUMNS,
    "genotype_pooled": POOLED_COLUMNS,
    "ti_incidence": ("grouping", "group", *INCIDENCE_COLUMNS, "basis"),
    "ti_durability": ("grouping", "group", *DURABILITY_COLUMNS, "basis"),
    "ti_model": MODEL_COLUMNS,
    "ti_roc": ("score", *AUC_COLUMNS, "basis"),
    "safety": (*SAFETY_COLUMNS, "basis"),
    "safety_rash_readings": ("reading", "n", "total", "pct", "ci_low", "ci_high", "ci_method", "reason"),
    "withdrawals": WITHDRAWAL_COLUMNS,
    "dose_tiers": ("dose_mg_day", "tier", "n", "total", "pct", "ci_low", "ci_high", "ci_method", "reason", "basis"),
    "dose_endpoints": ("dose_mg_day", *PROPORTION_COLUMNS, "confounding"),
    "dose_test": TEST_COLUMNS,
    "dose_ages": AGE_COLUMNS,
    "dose_confounding": ("confounded", "statement"),
}
CLINICAL_NOTES: dict[str, str] = {
    "endpoints": "All analysed patients, TDT and NTDT apart: transfusion independence to the last visit (TDT) and "
                 "the Hb-based endpoint (NTDT: rise ≥ the MiR / MaR Hb thresholds at the window's end, and the "
                 "smallest rise to month 24); k/n with Clopper–Pearson intervals (percent); n = 1 gives no estimate. "
                 "basis: whether a number depends on the bundled reconstruction's assumptions.",
    "genotype_endpoints": "The endpoints per genotype (the Genotype look-up page shows one genotype's rows).",
    "genotype_distributions": "Transfusion reduction and Hb rise per genotype: median and quartiles (numpy linear).",
    "genotype_claim": "The paper's claim among TDT patients: genotype × independence (Fisher–Freeman–Halton, exact "
                      "or seeded Monte Carlo with mc_se), β0/β0 vs β0/β+ (Fisher's exact, conditional odds ratio with "
                      "its exact interval). counts_from: Table 1's printed counts on the whole bundled cohort.",
    "genotype_pooled": "Each genotype's independence partially pooled across genotypes (beta-binomial empirical "
                       "Bayes): a model, not an observation; nothing is pooled when every genotype is all-or-none.",
    "ti_incidence": "Cumulative incidence of transfusion independence (first reached) by visit among TDT patients, "
                    "Kaplan–Meier on the visit where it is first seen, log-log intervals (fractions, not percent).",
    "ti_durability": "Of those who reached independence, how many were transfused again later; Clopper–Pearson.",
    "ti_model": "Firth logistic regression of independence to the last visit (TDT) on baseline HbF (per 10 %) and "
                "β0/β0; odds ratios with profile penalized likelihood intervals; events per parameter = "
                "min(events, non-events) / predictors.",
    "ti_roc": "AUC of baseline HbF and of the full model's fitted log-odds (apparent, optimistic), DeLong interval.",
    "safety": "Adverse events as patients of the enrolled with Clopper–Pearson intervals (percent). status: reported / "
              "recorded (counted), none recorded (0 in a given table), not reported (the paper is silent: no number), "
              "not recorded (no table given).",
    "safety_rash_readings": "The paper's 'rash' and 'skin rash' lists as the same patients or different ones (C9).",
    "withdrawals": "Why patients withdrew, as patients of the enrolled, with the months of withdrawal.",
    "dose_tiers": "Response tiers per thalidomide dose (grading.summary.tier_table).",
    "dose_endpoints": "The endpoints per dose; confounding: what dose and age allow to conclude, from the data.",
    "dose_test": "Independence by dose among TDT patients (Fisher's exact test), with the confounding statement.",
    "dose_ages": "Ages of the analysed patients on each dose.",
    "dose_confounding": "Whether dose and age can be told apart in this cohort (computed from the ages).",
}


def clinical_sections(cohort: Cohort, rules: GradingRules = GradingRules(), *,
                      adverse_events: pd.DataFrame | None = None, adverse_events_source: str = "",
                      ) -> dict[str, pd.DataFrame]:
    """Every clinical section of the report, keyed as ``CLINICAL_FIELDS``, computed on ``cohort``."""
    per_patient = patient_endpoints(cohort, rules)
    bundled, whole = is_bundled(cohort), is_bundled(cohort, whole=True)
    course = ti_course(cohort)
    model = ti_model(cohort, course)
    _, aucs = ti_roc(cohort, course, model)
    incidence, lasting = [], []
    for grouping, by in INCIDENCE_GROUPINGS.items():
        rows = ti_incidence(cohort, course, by=by)
        kept = ti_durability(cohort, course, by=by)
        incidence.append(rows.assign(grouping=grouping, group=rows[by] if by else grouping))
        lasting.append(kept.assign(grouping=grouping, group=kept[by] if by else grouping))
    safety = safety_for(cohort, adverse_events, source=adverse_events_source)
    confounded, statement = confounding_statement(dose_ages(cohort.patients))
    return {
        "endpoints": endpoint_proportions(per_patient, rules, bundled=bundled, whole=whole),
        "genotype_endpoints": endpoint_proportions(per_patient, rules, by="genotype", bundled=bundled, whole=whole),
        "genotype_distributions": endpoint_distributions(per_patient, rules, by="genotype", bundled=bundled),
        "genotype_claim": genotype_claim(cohort, course),
        "genotype_pooled": pooled_independence(cohort, course),
        "ti_incidence": pd.concat(incidence, ignore_index=True),
        "ti_durability": pd.concat(lasting, ignore_index=True),
        "ti_model": model,
        "ti_roc": aucs,
        "safety": safety,
        "safety_rash_readings": rash_readings(safety) if (safety["status"] == "reported").any()
        else pd.DataFrame(columns=list(CLINICAL_FIELDS["safety_rash_readings"])),
        "withdrawals": withdrawals(cohort.patients),
        "dose_tiers": dose_tiers(cohort, grade(cohort, rules)),
        "dose_endpoints": dose_endpoints(cohort, per_patient, rules),
        "dose_test": dose_test(cohort, per_patient),
        "dose_ages": dose_ages(cohort.patients),
        "dose_confounding": pd.DataFrame([{"confounded": confounded, "statement": statement}]),
    }
