"""The Genotype look-up page: what thalidomide did for patients with a genotype, an allele or a β class, the
paper's Table 1 rows beside this file's, and the test of the paper's claim that genotype predicts independence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thaldash import charts
from thaldash.analyses.claim import genotype_claim
from thaldash.analyses.genotype import (QUERY_KINDS, GenotypeQuery, genotype_lookup, group_domain,
                                        lookup_trajectories)
from thaldash.analyses.independence import ti_course
from thaldash.data.filters import BETA_CLASSES
from thaldash.lazy import derived
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.estimates import PCT_COLUMNS, distribution_stat, proportion_stat, rate_lines, result_sentence

PAGE = "Genotype look-up"
MEASURES: dict[str, str] = {"hb_g_l": "Hb (g/L)", "hbf_pct": "HbF (%)"}
ENDPOINTS_CAPTION = ("TDT and NTDT apart: independence for TDT, the Hb-based endpoint for NTDT (thresholds: the MiR and "
                     "MaR Hb rise of the grading rules). Clopper–Pearson exact intervals; one patient gives no estimate.")
POOLED_CAPTION = ("Each genotype's share of independent TDT patients shrunk toward the other genotypes' by how much the "
                  "genotypes differ (beta-binomial empirical Bayes). A model, not an observation: use it for genotypes "
                  "with one or two patients. When every genotype is all-or-none there is nothing to pool.")
_NUMBER = {c: Col(label, "%.1f") for c, label in (("median", "Median"), ("q1", "Q1"), ("q3", "Q3"))}
_OR = {"odds_ratio": Col("OR", "%.2f"), "ci_low": Col("OR low", "%.2f"), "ci_high": Col("OR high", "%.2f")}


@dataclass(frozen=True)
class LookupChoices:
    """What the look-up offers for this view's patients: genotypes (for the help text), alleles, the commonest genotype."""

    genotypes: tuple[str, ...]
    alleles: tuple[str, ...]
    common: str


def lookup_choices(ctx: ViewContext) -> LookupChoices:
    """The genotypes and alleles of the filtered patients, and the commonest genotype (the look-up's default).

    Kept per filtered cohort (the app's cached cohorts live across reruns): the page and its declared
    settings ask for them on every run, and at a million patients they take seconds to count.
    """
    return derived(ctx.filtered, ("lookup_choices",), lambda: _choices(ctx.filtered.patients))


def _choices(patients: pd.DataFrame) -> LookupChoices:
    genotypes = tuple(sorted(patients["genotype"].dropna().astype(str).unique()))
    alleles = tuple(sorted({*patients["allele_1"].dropna().astype(str), *patients["allele_2"].dropna().astype(str)}))
    counts = patients["genotype"].dropna().astype(str).value_counts()
    return LookupChoices(genotypes, alleles, str(counts.index[0]) if len(counts) else "")


def query_text(by: str, lookup: str, carrier: str, bclass: str) -> str:
    """The text the page's params look up: the typed genotype, the allele or the class, by ``by``."""
    return {"genotype": lookup, "allele": carrier, "beta_class": bclass}.get(by, "")


@dataclass(frozen=True, eq=False)
class LookupView:
    """Everything the look-up shows for one query, or only ``problem`` (why nothing is looked up)."""

    problem: str = ""
    heading: str = ""
    tdt: tuple[Stat, ...] = ()
    ntdt: tuple[Stat, ...] = ()
    absent: str = ""
    endpoints: Table | None = None
    distributions: Table | None = None
    pooled: Table | None = None
    courses: tuple[Figure, ...] = ()
    patients: Table | None = None
    beside: Table | None = None
    claim_sentences: tuple[str, ...] = ()
    claim: Table | None = None

    def page(self) -> PageView:
        blocks = (*self.tdt, *self.ntdt, self.endpoints, self.distributions, self.pooled, *self.courses, self.patients,
                  self.beside, self.claim)
        return PageView(PAGE, tuple(b for b in blocks if b is not None))


def lookup_view(ctx: ViewContext, *, by: str = "genotype", lookup: str = "", carrier: str = "", bclass: str = "β0/β0",
                measure: str = "hb_g_l") -> LookupView:
    """The look-up of the page's params among ``ctx``'s filtered patients (``by``: one of ``QUERY_KINDS``)."""
    if measure not in MEASURES:
        raise ValueError(f"measure: {measure!r} is not one of {', '.join(MEASURES)}")
    try:
        query = GenotypeQuery.parse(by, query_text(by, lookup, carrier, bclass))
    except ValueError as error:
        return LookupView(problem=f"Not looked up: {error}.")
    course = ti_course(ctx.filtered)  # one course for the look-up's endpoints, its pooling and the claim's tests
    found = genotype_lookup(ctx.filtered, ctx.rules, query, graded=ctx.graded(),
                            whole_graded=ctx.graded(ctx.filtered.parent or ctx.filtered), course=course)
    n = found.n_by_type
    props = found.proportions.set_index(["thal_type", "endpoint"])
    dists = found.distributions.set_index(["thal_type", "measure"])
    tdt: tuple[Stat, ...] = ()
    if n["TDT"]:
        tdt = (proportion_stat("tdt_independent", "TDT: transfusion independent", props.loc["TDT"].iloc[0]),
               distribution_stat("tdt_reduction", "TDT: transfusion reduction", dists.loc["TDT"].iloc[0], "%"),
               distribution_stat("tdt_hb_rise", "TDT: Hb rise", dists.loc["TDT"].iloc[1], "g/L"))
    ntdt = tuple(proportion_stat(f"ntdt_{i}", f"NTDT: {endpoint}", row)
                 for i, (endpoint, row) in enumerate(props.loc["NTDT"].iterrows())) if n["NTDT"] else ()
    who = f"{query.label}: {n['TDT']} TDT and {n['NTDT']} NTDT patients"
    endpoints = Table("lookup_endpoints", f"{query.label}: endpoints", found.proportions, {
        "thal_type": Col("Type"), "endpoint": Col("Endpoint"), "k": Col("k", count=True), "n": Col("n", count=True), **PCT_COLUMNS},
        caption=f"{who}. {ENDPOINTS_CAPTION}", notes=rate_lines(found.proportions.assign(
            label=found.proportions["thal_type"] + ": " + found.proportions["endpoint"]), "label"))
    distributions = Table("lookup_distributions", f"{query.label}: transfusion reduction and Hb rise",
                          found.distributions, {"thal_type": Col("Type"), "measure": Col("Measure"), "n": Col("n", count=True),
                                                **_NUMBER, "reason": Col("Note"), "basis": Col("Basis")},
                          caption=f"{who}; median and quartiles (numpy linear); one patient gives no estimate.",
                          notes="\n".join(s.text() for s in tdt) or "No TDT patient matches.")
    pooled = Table("lookup_pooled", f"{query.label}: partially pooled independence (a model)", found.pooled, {
        "genotype": Col("Genotype"), "n": Col("n", count=True), "k": Col("k", count=True), "estimate": Col("Estimate", "%.2f"),
        "proportion": Col("Observed", "%.2f", from_counts=True), "ci_low": Col("Low", "%.2f"), "ci_high": Col("High", "%.2f"),
        "pooling": Col("Pooling"), "counts_from": Col("Counts from"), "basis": Col("Basis"), "reason": Col("Note")},
        caption=POOLED_CAPTION,
        notes=f"Counts from {found.pooled['counts_from'].iloc[0]}." if len(found.pooled) else "No genotype matches.")
    courses = tuple(_course(ctx, query, thal, measure) for thal, k in n.items() if k)
    patients = Table("lookup_patients", f"{query.label}: the matching patients", found.patients, {
        "patient_id": Col("Patient"), "genotype": Col("Genotype"), "beta_class": Col("Class"), "thal_type": Col("Type"),
        "tier": Col("Tier"), "independent": Col("Independent"), "ti_month": Col("Free from month", "%.0f"),
        "reduction_pct": Col("Reduction %", "%.1f"), "hb_rise": Col("Hb rise (g/L)", "%.1f"),
        "hb_rise_sustained": Col("Lowest rise to 24 M", "%.1f")},
        caption=f"{who}, each with the tier under {ctx.scenario}.", patient_column="patient_id", long_list=True,
        what="matching patients")
    beside = Table("lookup_table_1", f"{query.label}: the paper's Table 1 beside this file", found.beside, {
        "genotype": Col("Genotype"), "source": Col("Source"), "n_ntdt": Col("NTDT", count=True), "n_tdt": Col("TDT", count=True),
        "n_tdt_ti_1m": Col("TI within 1 m", count=True), "n_tdt_ti_3m": Col("TI at 3 m", count=True), "n_total": Col("Total", count=True),
        "group": Col("Group")}, caption="Yang et al. 2024, Table 1, beside the same counts in this file.")
    tests = genotype_claim(ctx.filtered, course)
    sentences = tuple(result_sentence(row) for _, row in tests.iterrows())
    claim = Table("genotype_claim", "Does genotype predict independence? (TDT, all genotypes)", tests, {
        "comparison": Col("Comparison"), "test": Col("Test"), "table": Col("Counts", width="large", fraction=True),
        "p": Col("P", "%.2e"), "mc_se": Col("MC error", "%.1e"), **_OR, "counts_from": Col("Counts from"),
        "basis": Col("Basis"), "reason": Col("Note")}, caption=_claim_caption(tests), notes="\n".join(sentences))
    return LookupView("", who, tdt, ntdt, " ".join(f"No {t} patient matches." for t, k in n.items() if not k),
                      endpoints, distributions, pooled, courses, patients, beside, sentences, claim)


def _course(ctx: ViewContext, query: GenotypeQuery, thal: str, measure: str) -> Figure:
    """The matching ``thal`` patients' course beside the other ``thal`` patients'.

    A band for fewer than 3 patients would span most of the axis (t with 1 degree of freedom); it is
    left out there, and the matching patients' own lines show their course instead.
    """
    means, lines = lookup_trajectories(ctx.filtered, query, measure=measure, thal_type=thal, max_rows=charts.MAX_ROWS)
    narrow = means["n"] < 3
    means = means.assign(ci_low=means["ci_low"].mask(narrow), ci_high=means["ci_high"].mask(narrow))
    chart = charts.trajectory_chart(means, measure=measure, grouping="patients", individual=lines,
                                    individual_colour="group", domain=group_domain(query, thal),
                                    presentation=ctx.presentation)
    mine = means[means["patients"] == query.label]
    notes = "\n".join(f"Month {int(r.month)}: mean {r.mean:.1f} (n = {int(r.n)})" +
                      (f", 95% CI {r.ci_low:.1f}–{r.ci_high:.1f}" if pd.notna(r.ci_low) else ", no interval (n < 3)")
                      for r in mine.itertuples())
    return Figure(f"lookup_{thal}_{measure}", f"{query.label}: {MEASURES[measure]} of the {thal} patients", chart,
                  caption=f"Mean {MEASURES[measure]} with 95% CI of the {thal} patients of {query.label} beside the other "
                          f"{thal} patients; thin lines: the matching patients; no band where fewer than 3 patients."
                          + (f" Lines: showing {lines.note}." if lines.capped else ""),
                  notes=notes)


def _claim_caption(tests: pd.DataFrame) -> str:
    source = str(tests["counts_from"].iloc[0])
    why = ("On the whole bundled cohort the test uses Table 1's printed counts only: the reconstruction was fitted to "
           "them, so the result does not depend on its assumptions." if source.startswith("Table 1")
           else "Counts of the patients shown (sidebar filter).")
    return f"Counts from {source}. {why}"


def _by(kind: str):
    return lambda values: values["by"] == kind


PARAMS: tuple[Param, ...] = (
    Param("by", "genotype", tuple(QUERY_KINDS)),
    Param("lookup", lambda ctx, _: lookup_choices(ctx).common, applies=_by("genotype")),
    Param("carrier", lambda ctx, _: next(iter(lookup_choices(ctx).alleles), ""),
          lambda ctx, _: lookup_choices(ctx).alleles, applies=_by("allele")),
    Param("bclass", "β0/β0", BETA_CLASSES, applies=_by("beta_class")),
    Param("measure", "hb_g_l", tuple(MEASURES)))
"""The page's own settings (``views.params``): what is looked up (a typed genotype, an allele, a class) and the
measure of the courses."""
