"""The Dose and NTDT page: response by thalidomide dose with its confounding by age, and the Hb-based endpoint of
NTDT patients."""

from __future__ import annotations

from dataclasses import dataclass

from thaldash.analyses.dose import confounding_statement, dose_ages, dose_endpoints, dose_test, dose_tiers
from thaldash.analyses.endpoints import endpoint_proportions, patient_endpoints
from thaldash.grading.rules import FIELDS_BY_NAME
from thaldash.published.paper import is_bundled
from thaldash.views.blocks import Col, PageView, Table
from thaldash.views.context import ViewContext
from thaldash.views.estimates import PCT_COLUMNS, rate_lines, result_sentence

PAGE = "Dose and NTDT"
_OR = {"odds_ratio": Col("OR", "%.2f"), "ci_low": Col("OR low", "%.2f"), "ci_high": Col("OR high", "%.2f")}


@dataclass(frozen=True, eq=False)
class DoseView:
    """Dose: the confounding ``statement`` (``confounded``: dose and age cannot be told apart), the ages, the
    tiers, the endpoints and the test (with its ``test_sentence``) per dose; NTDT: ``ntdt_intro``, the endpoint
    table and ``ntdt_note`` (how the tiers grade NTDT under the rules)."""

    confounded: bool
    statement: str
    ages: Table
    tiers: Table
    endpoints: Table
    test_sentence: str
    test: Table
    ntdt_intro: str
    ntdt: Table
    ntdt_note: str

    def page(self) -> PageView:
        return PageView(PAGE, (self.ages, self.tiers, self.endpoints, self.test, self.ntdt))


def dose_view(ctx: ViewContext) -> DoseView:
    """Response by dose of ``ctx``'s filtered patients under ``ctx.rules``, and the NTDT endpoints of the same patients."""
    cohort, rules = ctx.filtered, ctx.rules
    per_patient = patient_endpoints(cohort, rules, graded=ctx.graded())  # the app's cached grading, not a new one
    ages = dose_ages(cohort.patients)
    confounded, statement = confounding_statement(ages)
    n = len(per_patient)
    age_table = Table("dose_ages", "Ages on each dose", ages, {
        "dose_mg_day": Col("Dose (mg/day)", "%g"), "n": Col("Patients", count=True), "n_age": Col("With an age", count=True),
        "age_min": Col("Youngest", "%.0f"), "age_max": Col("Oldest", "%.0f"), "age_median": Col("Median age", "%.1f"),
        "n_under_14": Col("Under 14", count=True)}, caption=f"{n} analysed patients of the filter. {statement}", notes=statement)
    tiers = dose_tiers(cohort, ctx.graded())
    shown = tiers[tiers["tier"].isin(("MaR", "ORR"))].reset_index(drop=True)
    tier_notes = rate_lines(shown.assign(label=shown["dose_mg_day"].astype(str) + " " + shown["tier"].astype(str)),
                            "label", count="n")
    tier_table = Table("dose_tiers", "Response by dose", shown, {
        "dose_mg_day": Col("Dose"), "tier": Col("Tier"), "n": Col("n", count=True), "total": Col("Of evaluable", count=True), **PCT_COLUMNS},
        caption=f"MaR and the overall response rate (MaR + MiR + SLR) per dose under {ctx.scenario}, of the evaluable "
                "patients; Clopper–Pearson exact 95% CI. The full tier counts are in the CSV. " + statement,
        notes=tier_notes)
    endpoints = dose_endpoints(cohort, per_patient, rules)
    endpoint_table = Table("dose_endpoints", "Endpoints by dose", endpoints, {
        "dose_mg_day": Col("Dose"), "thal_type": Col("Type"), "endpoint": Col("Endpoint"), "k": Col("k", count=True), "n": Col("n", count=True),
        **PCT_COLUMNS}, caption="TDT: independence to the last visit; NTDT: the Hb-based endpoint; Clopper–Pearson "
                                "exact 95% CI. " + statement,
        notes=rate_lines(endpoints.assign(label=endpoints["dose_mg_day"].astype(str) + ", " + endpoints["endpoint"]),
                         "label"))
    test = dose_test(cohort, per_patient)
    sentence = result_sentence(test.iloc[0]) + " " + str(test["table"].iloc[0])
    test_table = Table("dose_test", "Independence by dose (TDT)", test, {
        "comparison": Col("Comparison"), "test": Col("Test"), "table": Col("Counts", fraction=True), "n": Col("n", count=True), **_OR,
        "p": Col("P", "%.3f"), "basis": Col("Basis"), "reason": Col("Note")},
        caption=f"Fisher's exact test, conditional odds ratio with its exact interval. {statement}", notes=sentence)
    proportions = endpoint_proportions(per_patient, rules, bundled=is_bundled(cohort),
                                       whole=is_bundled(cohort, whole=True))
    ntdt = proportions[proportions["thal_type"] == "NTDT"].reset_index(drop=True)
    field = FIELDS_BY_NAME["ntdt_endpoint"]
    graded_by = dict(zip(field.choices, field.choice_labels))[rules.ntdt_endpoint]
    intro = ("NTDT patients were never transfused, so being transfusion-free says nothing about the drug. Their Hb rise "
             f"instead, at the window's end (month {rules.window_months}) and as the smallest rise at every later visit "
             "to month 24 (sustained):")
    note = (f"In the tiers, NTDT are now graded by: {graded_by}. Change it on the What-if page (NTDT endpoint); the "
            "paper as applied counts every NTDT patient as MaR.")
    n_ntdt = int(ntdt["n"].max()) if len(ntdt) else 0
    ntdt_table = Table("ntdt_endpoint", "NTDT: an Hb-based endpoint", ntdt, {
        "endpoint": Col("Endpoint"), "k": Col("k", count=True), "n": Col("NTDT patients", count=True), **PCT_COLUMNS},
        caption=f"{n_ntdt} NTDT patients with a known Hb rise; Clopper–Pearson exact 95% CI. {note}",
        notes=rate_lines(ntdt, "endpoint"))
    return DoseView(confounded, statement, age_table, tier_table, endpoint_table, sentence, test_table, intro,
                    ntdt_table, note)
