"""The Independence page: when TDT patients became transfusion independent, whether it lasted, and who became so
(a Firth model with its ROC curve)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash import charts
from thaldash.analyses.independence import ti_course, ti_durability, ti_incidence, ti_model, ti_roc
from thaldash.views.blocks import PERCENT, Col, Figure, PageView, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param

PAGE = "Independence"
GROUPINGS: dict[str, str] = {"all": "All TDT patients", "beta_class": "β0/β+ class",
                             "genotype_set": "Genotypes of your choice"}
CHOSEN, OTHERS = "chosen genotypes", "other genotypes"
INCIDENCE_CAPTION = (
    "Independence is first reached at the start of the first visit interval without any transfusion; it is only "
    "seen at the visits (months 1, 3, 6, 12, 18, 24), so the curve is reported there: Kaplan–Meier on the visit where "
    "it is first seen, censored at the last visit whose transfusions are known, with log-log 95% intervals. Published "
    "anchor: 16 of 34 by month 1, 21 of 34 by month 3 (Table 1).")
DURABILITY_CAPTION = ("Of the patients who reached independence, those transfused again at a later visit, to month 24; "
                      "Clopper–Pearson exact interval.")
MODEL_CAPTION = ("Firth's penalized logistic regression (genotype itself separates independence perfectly in the paper, "
                 "so it cannot be a predictor; β0/β0 stands for what genotype carries), odds ratios with "
                 "profile-likelihood 95% intervals and penalized likelihood-ratio P values.")
_CI = {"ci_low": Col("95% CI low", PERCENT, from_counts=True), "ci_high": Col("95% CI high", PERCENT, from_counts=True)}
_WHY = {"reason": Col("Note"), "basis": Col("Basis")}


def tdt_genotypes(ctx: ViewContext) -> tuple[str, ...]:
    """The genotypes of the filtered TDT patients (the choices of "Genotypes of your choice")."""
    patients = ctx.filtered.patients
    return tuple(sorted(patients.loc[patients["thal_type"] == "TDT", "genotype"].dropna().astype(str).unique()))


@dataclass(frozen=True, eq=False)
class IndependenceView:
    """Time to independence (curve and table), its durability, the model (sentence, forest plot, table), the ROC."""

    incidence_chart: Figure
    incidence: Table
    durability: Table
    model_sentence: str
    forest: Figure
    model: Table
    roc: Figure
    aucs: Table

    def page(self) -> PageView:
        return PageView(PAGE, (self.incidence_chart, self.incidence, self.durability, self.forest, self.model,
                               self.roc, self.aucs))


def independence_view(ctx: ViewContext, *, by: str = "all", genotypes: tuple[str, ...] = ()) -> IndependenceView:
    """The page for ``ctx``'s filtered TDT patients, compared ``by`` (one of ``GROUPINGS``).

    ``by == "genotype_set"`` compares the ``genotypes`` chosen with the other TDT patients.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")
    group = None if by == "all" else by
    cohort = ctx.filtered
    course = ti_course(cohort)
    if by == "genotype_set":
        course = course.assign(genotype_set=course["genotype"].map(lambda g: CHOSEN if g in genotypes else OTHERS))
    incidence = ti_incidence(cohort, course, by=group)
    durability = ti_durability(cohort, course, by=group)
    model = ti_model(cohort, course)
    curves, aucs = ti_roc(cohort, course, model)
    who = f"{len(course):,} analysed TDT patients of the filter"
    compared = "" if group is None else f", by {GROUPINGS[by].lower()}" + (
        f" ({', '.join(genotypes) or 'none chosen'} against the rest)" if by == "genotype_set" else "")
    named = {group: Col("Group")} if group else {}
    incidence_notes = _incidence_notes(incidence, group)
    incidence_chart = Figure("ti_incidence", "Time to transfusion independence", charts.incidence_chart(
        incidence, by=group, presentation=ctx.presentation), caption=f"{who}{compared}. {INCIDENCE_CAPTION}",
        notes=incidence_notes)
    incidence_table = Table("ti_incidence_table", "Time to transfusion independence", incidence, {
        **named, "visit": Col("Month", "%.0f"), "n": Col("Patients", count=True), "at_risk": Col("At risk", count=True),
        "events": Col("Became independent", count=True), "censored": Col("Censored", count=True), "cum_incidence": Col("Independent", PERCENT, from_counts=True),
        **_CI, **_WHY}, caption=f"{who}{compared}. {INCIDENCE_CAPTION}", notes=incidence_notes)
    durability_table = Table("ti_durability", "Did independence last?", durability, {
        **named, "n": Col("TDT patients", count=True), "n_reached": Col("Reached", count=True), "n_unknown": Col("Later course unknown", count=True),
        "n_lost": Col("Lost it", count=True), "proportion_lost": Col("Share lost", PERCENT, from_counts=True), **_CI, **_WHY},
        caption=f"{who}{compared}. {DURABILITY_CAPTION}", notes=_durability_notes(durability, group))
    full = model[model["model"] == model["model"].iloc[0]].iloc[0]
    sentence = (f"{int(full['n']):,} TDT patients, {int(full['events']):,} independent and {int(full['non_events']):,} not: "
                f"{full['events_per_parameter']:,.1f} events per parameter in the model with two predictors (fewer "
                "than 10 means wide intervals and an optimistic fit).")
    model_notes = _model_notes(model)
    forest = Figure("ti_model", "Who becomes independent: odds ratios", charts.forest_plot(
        model, presentation=ctx.presentation), caption=f"{sentence} {MODEL_CAPTION}", notes=model_notes)
    model_table = Table("ti_model_table", "Who becomes independent: the models", model, {
        "model": Col("Model"), "label": Col("Term"), "odds_ratio": Col("Odds ratio", "%.2f"),
        "ci_low": Col("95% CI low", "%.2f"), "ci_high": Col("95% CI high", "%.2f"), "p": Col("P", "%.3f"),
        "n": Col("n", count=True), "events": Col("Events", count=True), "non_events": Col("Non-events", count=True),
        "events_per_parameter": Col("EPP", "%.1f"), **_WHY}, caption=f"{sentence} {MODEL_CAPTION}", notes=model_notes)
    roc_caption = (f"{int(aucs['n_pos'].iloc[0]):,} independent and {int(aucs['n_neg'].iloc[0]):,} not; AUC with DeLong "
                   "95% interval. The model's curve is apparent (fitted and judged on the same patients), so optimistic.")
    roc_notes = "\n".join(_auc_line(r) for r in aucs.itertuples(index=False))
    roc = Figure("ti_roc", "Telling who becomes independent: ROC", charts.roc_chart(
        curves, aucs, presentation=ctx.presentation), caption=roc_caption, notes=roc_notes)
    auc_table = Table("ti_roc_table", "Telling who becomes independent: AUC", aucs, {
        "score": Col("Score"), "n": Col("n", count=True), "n_pos": Col("Independent", count=True), "n_neg": Col("Not", count=True),
        "auc": Col("AUC", "%.3f"), "se": Col("SE", "%.3f"), "ci_low": Col("95% CI low", "%.3f"),
        "ci_high": Col("95% CI high", "%.3f"), "method": Col("Interval"), **_WHY}, caption=roc_caption, notes=roc_notes)
    return IndependenceView(incidence_chart, incidence_table, durability_table, sentence, forest, model_table, roc,
                            auc_table)


def _pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.1f} %"


def _incidence_notes(incidence: pd.DataFrame, group: str | None) -> str:
    lines = []
    for row in incidence.to_dict(orient="records"):
        head = (f"{row[group]}, " if group else "") + f"month {row['visit']:.0f}"
        if pd.isna(row["cum_incidence"]):
            lines.append(f"{head}: {str(row['reason']).removeprefix('not computed: ')}")
            continue
        ci = (f" (95% CI {_pct(row['ci_low'])} to {_pct(row['ci_high'])}, log-log)" if pd.notna(row["ci_low"])
              else f" ({str(row['reason']).removeprefix('not computed: ')})" if row["reason"] else "")
        lines.append(f"{head}: {_pct(row['cum_incidence'])} independent{ci}; {row['at_risk']} at risk of {row['n']}")
    return "\n".join(lines)


def _durability_notes(durability: pd.DataFrame, group: str | None) -> str:
    lines = []
    for row in durability.to_dict(orient="records"):
        head = (f"{row[group]}: " if group else "") + f"{row['n_lost']} of {row['n_reached']} lost independence"
        ci = (f" = {_pct(row['proportion_lost'])} (95% CI {_pct(row['ci_low'])} to {_pct(row['ci_high'])}, "
              "Clopper–Pearson)" if pd.notna(row["ci_low"]) else f" ({row['reason'] or 'not computed'})")
        lines.append(head + ci + f"; later course unknown for {row['n_unknown']}")
    return "\n".join(lines)


def _model_notes(model: pd.DataFrame) -> str:
    rows = model[model["term"] != "intercept"]
    return "\n".join(f"{r.model}: {r.label}: OR {r.odds_ratio:.2f} (95% CI {r.ci_low:.2f} to {r.ci_high:.2f}, profile "
                     f"penalized likelihood), P = {r.p:.3f} ({r.test}), n = {r.n}, {r.events} events"
                     if pd.notna(r.odds_ratio) else f"{r.model}: {r.label}: {r.reason}" for r in rows.itertuples())


def _auc_line(row: object) -> str:
    if pd.isna(row.auc):
        return f"{row.score}: {row.reason}"
    ci = f" (95% CI {row.ci_low:.3f} to {row.ci_high:.3f}, {row.method})" if pd.notna(row.ci_low) else ""
    return f"{row.score}: AUC {row.auc:.3f}{ci}, n = {row.n} ({row.n_pos} independent, {row.n_neg} not)"


PARAMS: tuple[Param, ...] = (Param("by", "all", tuple(GROUPINGS)), Param("set", (), lambda ctx, _: tdt_genotypes(ctx)))
"""The page's own settings (``views.params``): the comparison, and the genotypes of "Genotypes of your choice"."""
