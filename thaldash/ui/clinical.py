"""The clinical pages' cached computations and their small shared displays.

Each function calls the core (``thaldash.analyses`` and ``thaldash.charts``) once per cohort,
rules and choice, and hands the page tidy frames and built charts; pages only lay them out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from thaldash import charts
from thaldash.analyses.claim import genotype_claim, pooled_independence
from thaldash.analyses.dose import confounding_statement, dose_ages, dose_endpoints, dose_test, dose_tiers
from thaldash.analyses.genotype import (GenotypeQuery, endpoint_proportions, genotype_lookup, group_domain,
                                        lookup_trajectories, patient_endpoints)
from thaldash.analyses.independence import ti_course, ti_durability, ti_incidence, ti_model, ti_roc
from thaldash.analyses.safety import rash_readings, safety_for, withdrawals
from thaldash.data.adverse_events import AdverseEvents, source_label
from thaldash.data.cohort import Cohort
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.published.paper import is_bundled
from thaldash.ui.memo import memo
from thaldash.ui.widgets import not_computed, stat

_cache = memo(max_entries=16)  # an AdverseEvents argument is keyed by its hash (AdverseEvents.__hash__)
NUM = st.column_config.NumberColumn
PCT_COLUMNS: dict[str, Any] = {
    "pct": NUM("%", format="%.1f"), "ci_low": NUM("95% CI low", format="%.1f"),
    "ci_high": NUM("95% CI high", format="%.1f"), "ci_method": None, "reason": "Note", "basis": "Basis"}


@_cache
def lookup(cohort: Cohort, rules: GradingRules, query_text: str, measure: str, presentation: bool) -> dict:
    """``genotype_lookup`` and one trajectory chart per type (TDT, NTDT) that has matching patients.

    ``sampled`` maps a type whose matching patients are too many to draw as lines to the caption of the
    random sample drawn ("a random 400 of 3,201 patients (fixed seed)").

    A band for fewer than 3 patients would span most of the axis (t with 1 degree of freedom); it is
    left out there, and the matching patients' own lines show their course instead.
    """
    query = GenotypeQuery.from_text(query_text)
    found = genotype_lookup(cohort, rules, query)
    figures, sampled = {}, {}
    for thal, n in found.n_by_type.items():
        if not n:
            continue
        means, lines = lookup_trajectories(cohort, query, measure=measure, thal_type=thal, max_rows=charts.MAX_ROWS)
        if lines.capped:
            sampled[thal] = lines.note
        narrow = means["n"] < 3
        means = means.assign(ci_low=means["ci_low"].mask(narrow), ci_high=means["ci_high"].mask(narrow))
        figures[thal] = charts.trajectory_chart(means, measure=measure, grouping="patients", individual=lines,
                                                individual_colour="group", domain=group_domain(query, thal),
                                                presentation=presentation)
    return {"lookup": found, "charts": figures, "sampled": sampled}


@_cache
def claim(cohort: Cohort) -> pd.DataFrame:
    """``claim.genotype_claim`` of ``cohort``'s TDT patients."""
    return genotype_claim(cohort, ti_course(cohort))


@_cache
def independence(cohort: Cohort, by: str | None, genotypes: tuple[str, ...], presentation: bool) -> dict:
    """Course, incidence (optionally by ``by``), durability, model and ROC, with their charts.

    ``by == "genotype_set"`` compares the ``genotypes`` chosen with the other TDT patients.
    """
    course = ti_course(cohort)
    if by == "genotype_set":
        course = course.assign(genotype_set=course["genotype"].map(
            lambda g: "chosen genotypes" if g in genotypes else "other genotypes"))
    incidence = ti_incidence(cohort, course, by=by)
    model = ti_model(cohort, course)
    curves, aucs = ti_roc(cohort, course, model)
    return {"course": course, "incidence": incidence, "durability": ti_durability(cohort, course, by=by),
            "model": model, "aucs": aucs,
            "incidence_chart": charts.incidence_chart(incidence, by=by, presentation=presentation),
            "forest": charts.forest_plot(model, presentation=presentation),
            "roc": charts.roc_chart(curves, aucs, presentation=presentation)}


@_cache
def safety(cohort: Cohort, events: AdverseEvents | None, presentation: bool) -> dict:
    """The safety table (``safety_for``), the rash readings on the paper's numbers, withdrawals, the chart."""
    given = events.events if events is not None and events.ok else None
    table = safety_for(cohort, given, source=source_label(events) if given is not None else "")
    readings = rash_readings(table) if (table["status"] == "reported").any() else None
    return {"table": table, "readings": readings, "withdrawals": withdrawals(cohort.patients),
            "chart": charts.proportion_forest(table, label="event", heading="Adverse events",
                                              note="no point: no number (see Note)", presentation=presentation)}


@_cache
def dose(cohort: Cohort, rules: GradingRules) -> dict:
    """Response by dose and the confounding statement; the NTDT endpoints of the same patients."""
    per_patient = patient_endpoints(cohort, rules)
    ages = dose_ages(cohort.patients)
    confounded, statement = confounding_statement(ages)
    endpoints = endpoint_proportions(per_patient, rules, bundled=is_bundled(cohort),
                                     whole=is_bundled(cohort, whole=True))
    return {"ages": ages, "confounded": confounded, "statement": statement,
            "tiers": dose_tiers(cohort, grade(cohort, rules)), "endpoints": dose_endpoints(cohort, per_patient, rules),
            "test": dose_test(cohort, per_patient), "ntdt": endpoints[endpoints["thal_type"] == "NTDT"]}


@_cache
def pooled(cohort: Cohort) -> pd.DataFrame:
    return pooled_independence(cohort, ti_course(cohort))


def proportion_stat(label: str, row: pd.Series) -> None:
    """A k/n headline with its interval, or "not computed" with the reason."""
    if pd.isna(row["pct"]):
        not_computed(label, f"{row['reason']} ({int(row['k'])}/{int(row['n'])})" if row["n"] else row["reason"])
        return
    detail = (f"{int(row['k'])} of {int(row['n'])} · 95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f} % "
              f"({str(row['ci_method']).removesuffix(' 95%')})" if pd.notna(row["ci_low"]) else
              f"{int(row['k'])} of {int(row['n'])} · {str(row['reason']).removeprefix('not computed: ')}")
    stat(label, f"{row['pct']:.1f} %", n=int(row["n"]), detail=detail)


def distribution_stat(label: str, row: pd.Series, unit: str) -> None:
    """A median with its quartiles, or "not computed" with the reason."""
    if pd.isna(row["median"]):
        not_computed(label, row["reason"])
        return
    stat(label, f"{row['median']:.1f} {unit}", n=int(row["n"]),
         detail=f"median · IQR {row['q1']:.1f} to {row['q3']:.1f} {unit}")


def result_sentence(row: pd.Series) -> str:
    """One line for a test row (claim or dose): the counts, the estimate with its interval, the P value."""
    if row["reason"]:
        return f"{row['comparison']}: {str(row['reason']).removeprefix('not computed: ')}."
    p = f"P = {row['p']:.2g}" if row["p"] >= 0.001 else f"P = {row['p']:.1e}"
    estimate = (f", odds ratio {row['odds_ratio']:.2f} (95% CI {row['ci_low']:.2f}–{row['ci_high']:.2f})"
                if pd.notna(row.get("odds_ratio")) else "")
    mc = f" ± {row['mc_se']:.1e} (Monte Carlo error)" if pd.notna(row.get("mc_se")) else ""
    return f"{row['comparison']}: {p}{mc}{estimate}; {row['test']}, n = {int(row['n'])}."
