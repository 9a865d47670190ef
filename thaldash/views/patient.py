"""The Patient page: one patient's course, their tier with the rule that gave it, and where each value comes from."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash.analyses.patient import PatientProfile, patient_profile, patient_rows
from thaldash.charts import patient_timeline
from thaldash.data.cohort import Cohort
from thaldash.data.schema import MEASURES, provenance_column
from thaldash.grading.summary import genotype_groups
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.data import PROVENANCE_MEANING

PAGE = "Patient"
TIMELINE_FACTS = ("genotype", "thal_type", "splenectomy", "chelation_stop_month", "published_tier")
"""Patient-level facts the timeline's subtitle and ferritin panel show."""
_MEASURE_COLS = {"hb_g_l": Col("Hb (g/L)", "%.1f"), "hbf_pct": Col("HbF (%)", "%.1f"),
                 "sf_ng_ml": Col("SF (ng/mL)", "%.0f"), "rbc_units": Col("RBC units", "%.2f")}


@dataclass(frozen=True, eq=False)
class PatientView:
    """Everything the Patient page shows about one patient.

    ``rule_trace`` is the sentence that decided the tier ("" for a withdrawn patient); ``note`` says
    when the patient is outside the sidebar filter ("" otherwise); ``published`` is None for a patient
    the paper does not name.
    """

    patient_id: str
    headlines: tuple[Stat, ...]
    rule_trace: str
    note: str
    timeline: Figure
    visits: Table
    facts: Table
    published: Table | None

    def page(self) -> PageView:
        return PageView(PAGE, (*self.headlines, self.timeline, self.visits, self.facts,
                               *((self.published,) if self.published is not None else ())))


def chosen_patient(cohort: Cohort, filtered: Cohort, asked: str) -> tuple[str, str]:
    """The patient to show for the id ``asked`` ("" for none) and a warning when that id is not in the cohort.

    Without an id (or with an unknown one) the filter's first patient is shown, or the cohort's when
    the filter keeps nobody; any patient of the cohort may be asked for, inside the filter or not.
    """
    shown = filtered.patients["patient_id"]
    default = str(shown.iloc[0] if len(shown) else cohort.patients["patient_id"].iloc[0])
    if not asked:
        return default, ""
    if not len(patient_rows(cohort.patients, asked)):
        return default, f"There is no patient {asked} in this cohort; showing {default} instead."
    return asked, ""


def patient_view(ctx: ViewContext, *, patient: str) -> PatientView:
    """The Patient page of ``patient`` (any patient of ``ctx.cohort``), graded under the view's rules.

    Raises
    ------
    ValueError
        ``patient`` is not in the cohort.
    """
    graded = ctx.graded(ctx.cohort)
    profile = patient_profile(ctx.cohort, patient, graded, genotype_groups(graded), reconstruction=ctx.bundled)
    pid, window = profile.patient_id, ctx.rules.window_months
    g = profile.grading
    has_provenance = any(c.endswith("_provenance") for c in [*profile.rows.columns, *ctx.cohort.patients.columns])
    trace = "" if g is None else str(g["rule_trace"])
    headlines = _headlines(profile, window)
    note = ("" if len(patient_rows(ctx.filtered.patients, pid)) else
            f"Patient {pid} is outside the sidebar filter; shown because it was asked for.")
    timeline = Figure(f"patient_{pid}", f"Patient {pid}", patient_timeline(_timeline_rows(ctx.cohort, profile),
                      presentation=ctx.presentation),
                      caption="Hb, HbF, serum ferritin and red-cell units at each visit of this patient; a grey cross "
                              "marks a visit without that value.",
                      notes="\n".join([*(s.text() for s in headlines),
                                       *([f"Rule trace ({ctx.scenario}): {trace}"] if trace else [])]),
                      stretch=False)
    source = Col("Source") if has_provenance else None
    visit_cols = {"month": Col("Month", "%d"), "visit": Col("Visit")}
    for measure in MEASURES:
        visit_cols[measure] = _MEASURE_COLS[measure]
        if source is not None:
            visit_cols[provenance_column(measure)] = source
    visits = Table(f"patient_{pid}_visits", f"Patient {pid}: visits", profile.visits, visit_cols,
                   caption="Every study month; \"no visit\" where the file has none. " + (
                       f"Source of each value: {PROVENANCE_MEANING}" if has_provenance else
                       "The file records no provenance for its values."))
    facts = Table(f"patient_{pid}_facts", f"Patient {pid}: facts", profile.attributes, {
        "label": Col("Fact", width=260), "value": Col("Value"),
        **({"provenance": source, "provenance_note": Col("Why")} if source is not None else {}),
        "attribute": Col("Column in the file", width="small")},
        caption="Patient-level facts as the file records them" + (
            f", each with its source and, where known, why it has that source. {PROVENANCE_MEANING}" if has_provenance
            else "; the file records no provenance."))
    published = None
    if len(profile.published):
        matches = int((profile.published["status"] == "match").sum())
        published = Table(f"patient_{pid}_published", f"What the paper prints about patient {pid}",
                          profile.published, {
                              "source": Col("Printed in"), "location": Col("Row and column"),
                              "printed": Col("Published"), "computed": Col("Computed"), "status": Col("Status")},
                          caption="Each printed number beside the value computed from this file under the selected "
                                  "grading; \"match\" when it prints the same at the paper's precision.",
                          notes=f"{matches} of {len(profile.published)} printed numbers match")
    return PatientView(pid, headlines, trace, note, timeline, visits, facts, published)


def _headlines(profile: PatientProfile, window: int) -> tuple[Stat, ...]:
    g = profile.grading
    if g is None:
        tier = Stat("tier", "Tier", reason="the patient withdrew; withdrawn patients are not graded (the analysed "
                                           "population)")
    else:
        tier = Stat("tier", "Tier", str(g["tier"]), detail=f"decided by: {g['deciding_criterion']}")
    group = Stat("genotype_group", "Genotype group", profile.genotype_group.removesuffix(" group") or "–",
                 detail="decided on the whole cohort")
    if g is not None and pd.notna(g["reduction_pct"]):
        reduction = Stat("reduction", "Transfusion reduction", f"{g['reduction_pct']:.1f} %",
                         detail=f"months 1–{window} vs the 24 months before")
    else:
        reduction = Stat("reduction", "Transfusion reduction", reason="no reduction: " + (
            "not graded" if g is None else "no transfusions before enrolment or records missing"))
    if g is not None and pd.notna(g["hb_rise"]):
        rise = Stat("hb_rise", "Hb rise", f"{g['hb_rise']:+.1f} g/L", detail=f"month {window} vs month 0")
    else:
        rise = Stat("hb_rise", "Hb rise", reason="a baseline or window-end Hb is missing" if g is not None
                    else "not graded")
    return tier, group, reduction, rise


def _timeline_rows(cohort: Cohort, profile: PatientProfile) -> pd.DataFrame:
    """The patient's visits with the facts the timeline names (genotype, type, chelation stop) and the tier."""
    patient = patient_rows(cohort.patients, profile.patient_id).iloc[0]
    facts = {c: patient[c] for c in TIMELINE_FACTS if c in patient.index and c not in profile.rows}
    tier = {} if profile.grading is None else {"tier": profile.grading["tier"]}
    return profile.rows.assign(**facts, **tier)


PARAMS: tuple[Param, ...] = (Param("patient", ""),)
"""The page's own settings (``views.params``): the patient's id ("" for the filter's first patient, see
``chosen_patient``)."""
