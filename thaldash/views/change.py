"""The Change and correlation page: within-patient change between visits (Table 9) and the correlation
of two per-patient variables (Fig. 3).

The page caches its two sections apart (``paired_section``, ``correlation_section``), so choosing
another variable does not rebuild the other section's chart; ``change_view`` is the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from thaldash.analyses.published_cells import marked_published
from thaldash.analyses.change import CORRELATES, correlation_view, paired_view
from thaldash.analyses.patients import VISIT_MEASURES
from thaldash.analyses.trajectories import cap_patients
from thaldash.charts import paired_change_chart, scatter_with_fit
from thaldash.data.schema import STUDY_MONTHS
from thaldash.stats import PAIRED_T, WILCOXON
from thaldash.views.blocks import Col, Figure, PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import Param
from thaldash.views.wording import (ASSUMED_MARK, SMALL_N_MARK, assumed_notes, basis_marks, has_published,
                                   interval_text, p_text, paper_check)

PAGE = "Change and correlation"
PAIRS: tuple[str, ...] = tuple(f"{i}-{j}" for i, j in combinations(STUDY_MONTHS, 2))
"""Pairs of visits as the URL writes them ("0-12": month 0 − month 12)."""
CORRECTIONS: dict[str, str] = {"none": "None", "holm": "Holm", "bonferroni": "Bonferroni"}
MAX_POINTS = 2_000
"""Patients drawn on the scatter plot at most (a random sample; the statistics use all)."""
_PAPER = {f"published_{c}": Col("paper", width=w) for c, w in (("diff", 80), ("se", 70), ("p", 60))}


@dataclass(frozen=True, eq=False)
class Section:
    """One statistics section: its table (``paper_warning`` when a printed value is not reproduced),
    one ``Stat`` per test that has no P, a second table of further numbers (Table 9 only), the chart;
    or only ``problem`` (why nothing is shown)."""

    problem: str = ""
    table: Table | None = None
    paper_warning: str = ""
    not_computed: tuple[Stat, ...] = ()
    more: Table | None = None
    chart: Figure | None = None

    def blocks(self) -> tuple[Table | Stat | Figure, ...]:
        return tuple(b for b in (self.table, *self.not_computed, self.more, self.chart) if b is not None)


@dataclass(frozen=True, eq=False)
class ChangeView:
    """Table 9 (``paired``) and Fig. 3 (``correlation``)."""

    paired: Section
    correlation: Section

    def page(self) -> PageView:
        return PageView(PAGE, (*self.paired.blocks(), *self.correlation.blocks()))


def change_view(ctx: ViewContext, *, measure: str = "sf_ng_ml", pairs: tuple[str, ...] = ("0-12", "0-24", "12-24"),
                correction: str = "holm", x: str = "hbf_baseline", y: str = "hb_rise") -> ChangeView:
    """The whole page (the page's URL params); see ``paired_section`` and ``correlation_section``."""
    return ChangeView(paired_section(ctx, measure=measure, pairs=pairs, correction=correction),
                      correlation_section(ctx, x=x, y=y))


def paired_section(ctx: ViewContext, *, measure: str = "sf_ng_ml", pairs: tuple[str, ...] = ("0-12", "0-24", "12-24"),
                   correction: str = "holm") -> Section:
    """Within-patient change of ``measure`` between each pair of visits ("0-12"), ``correction``
    ("holm" by default, "bonferroni" or "none") across the pairs, for ``ctx``'s filtered analysed patients.

    The Wilcoxon row gives its own estimate, the median of the paired differences; on the bundled
    reconstruction each test says whether the paper publishes, constrains or leaves it assumed
    (``ctx.labelled``), and an assumed one carries its note into the export footer."""
    if measure not in VISIT_MEASURES or correction not in CORRECTIONS or not set(pairs) <= set(PAIRS):
        raise ValueError(f"measure {measure!r}, correction {correction!r} or pairs {pairs!r}: not offered "
                         f"(measures {', '.join(VISIT_MEASURES)}; corrections {', '.join(CORRECTIONS)})")
    if not pairs:
        return Section(problem="Choose at least one pair of visits.")
    chosen = [tuple(int(m) for m in p.split("-")) for p in pairs]
    table, result = paired_view(ctx.filtered, measure=measure, pairs=chosen,
                                correction=None if correction == "none" else correction,
                                published=ctx.paper_applies())
    adjusted = correction != "none"
    name = CORRECTIONS[correction]
    labelled = ctx.labelled(result, "paired", measure=measure, subset="analysed")
    t_rows, w_rows = (labelled[labelled["test"] == t].reset_index(drop=True) for t in (PAIRED_T, WILCOXON))
    table = table.assign(wilcoxon_estimate=w_rows["estimate"].to_numpy(), basis=basis_marks(t_rows["constraint"]),
                         basis_wilcoxon=basis_marks(w_rows["constraint"]))
    footer = assumed_notes(t_rows)
    shown = marked_published(table).assign(
        ci=[interval_text(a, b, 3) for a, b in zip(table["ci_low"], table["ci_high"])],
        p=[p_text(p, r) for p, r in zip(table["p"], table["reason"])],
        p_wilcoxon=[p_text(p, r) for p, r in zip(table["p_wilcoxon"], table["reason_wilcoxon"])],
        p_adjusted=[p_text(p) for p in table["p_adjusted"]],
        p_wilcoxon_adjusted=[p_text(p) for p in table["p_wilcoxon_adjusted"]],
        n_text=[f"{n} {SMALL_N_MARK}" if s else f"{n}" for n, s in zip(table["n"], table["small_n"])])
    cols = {"time_i": Col("(I)", "%d M", 50), "time_j": Col("(J)", "%d M", 50), "n_text": Col("n (both visits)", width=105, count=True),
            "n_dropped": Col("Dropped", "%d", 65, count=True), "diff": Col("Mean diff. (I − J)", "%.3f", 115),
            "se": Col("SE", "%.3f", 75), "ci": Col("95% CI", width=150), "p": Col(f"P ({PAIRED_T})", width=85),
            "p_adjusted": Col(f"P {name} ({PAIRED_T})", width=110), "mean_i": Col("Mean at I", "%.2f"),
            "mean_j": Col("Mean at J", "%.2f"),
            "wilcoxon_estimate": Col("Median of the paired differences (I − J)", "%.3f"),
            "p_wilcoxon": Col(f"P ({WILCOXON})"), "p_wilcoxon_adjusted": Col(f"P {name} (Wilcoxon)"),
            "basis": Col("Basis", width=95), "basis_wilcoxon": Col("Basis", width=95), **_PAPER}
    main = ["time_i", "time_j", "n_text", "n_dropped", "diff", "published_diff", "se", "published_se", "ci", "p",
            "published_p", *(["p_adjusted"] if adjusted else []), *(["basis"] if ctx.bundled else [])]
    main = [c for c in main if has_published(table) or not c.startswith("published")]
    adjustment = (f"; {name}-adjusted within each test across the {len(pairs)} tests on this page." if adjusted
                  else ", not adjusted for the number of pairs.")
    basis = (f" Basis: whether the paper publishes this test, fixes it by printed numbers (constrained) or leaves it "
             f"to the reconstruction ({ASSUMED_MARK})." if ctx.bundled else "")
    warning, check = paper_check(table)
    notes = _paired_notes(table, adjusted)
    label = VISIT_MEASURES[measure]
    main_table = Table("paired_change", f"Within-patient change of {label} between visits", shown,
                       {c: cols[c] for c in main},
                       caption="Patients paired by patient id; a patient missing either visit is dropped from that "
                               f"pair and counted (\"Dropped\"); {SMALL_N_MARK}: too few patients to rely on. Two-sided "
                               f"P, {PAIRED_T}{adjustment}{basis} " + check, notes=notes, footer_notes=footer)
    undefined = tuple(Stat(f"not_computed_{i}_{k}", f"{row.time_i} M − {row.time_j} M",
                           reason=reason.removeprefix("not computed: "))
                      for i, row in enumerate(table.itertuples())
                      for k, reason in enumerate(dict.fromkeys(r for r in (row.reason, row.reason_wilcoxon) if r)))
    more = Table("paired_change_more", f"{label} at each visit and the {WILCOXON} test", shown,
                 {c: cols[c] for c in ["time_i", "time_j", "mean_i", "mean_j", "wilcoxon_estimate", "p_wilcoxon",
                                       *(["p_wilcoxon_adjusted"] if adjusted else []),
                                       *(["basis_wilcoxon"] if ctx.bundled else [])]},
                 caption=f"Means at each visit over the patients with both; the {WILCOXON} test of the differences, "
                         "with its estimate, the median of the paired differences (I − J)." + basis,
                 footer_notes=assumed_notes(w_rows))
    # A long title over few pairs: room for the plot under it.
    chart = Figure("paired_change_chart", f"Change of {label} between visits", paired_change_chart(
        result, measure=measure, presentation=ctx.presentation, height=140 + 60 * len(pairs)),
        caption=f"Mean within-patient difference (I − J) with its 95% CI, {PAIRED_T}.", notes=notes,
        footer_notes=footer)
    return Section(table=main_table, paper_warning=warning, not_computed=undefined, more=more, chart=chart)


def correlation_section(ctx: ViewContext, *, x: str = "hbf_baseline", y: str = "hb_rise") -> Section:
    """Pearson and Spearman correlation of ``x`` and ``y`` (two of ``CORRELATES``) over ``ctx``'s
    filtered analysed patients; groups and values decided on the whole cohort under ``ctx.rules``."""
    for name in (x, y):
        if name not in CORRELATES:
            raise ValueError(f"{name!r} is not a per-patient variable offered ({', '.join(CORRELATES)})")
    if x == y:
        return Section(problem="Choose two different variables.")
    ids = None if ctx.filter.is_default else ctx.filtered.patients["patient_id"]  # None: no million-id lookup
    points, fit = correlation_view(ctx.cohort, ctx.patient_table(), x=x, y=y, patient_ids=ids,
                                   window_months=ctx.rules.window_months, published=ctx.paper_applies())
    fit = ctx.labelled(fit, "correlation", x=x, y=y, subset="analysed")
    shown = marked_published(fit).assign(ci=[interval_text(a, b, 2) for a, b in zip(fit["ci_low"], fit["ci_high"])],
                                         p=[p_text(p, r) for p, r in zip(fit["p"], fit["reason"])],
                                         basis=basis_marks(fit["constraint"]))
    cols = {"method": Col("Test"), "n": Col("n (patients)", "%d", count=True),
            "n_dropped": Col("Dropped (a value missing)", "%d", count=True),
            "r": Col("r", "%.3f"), "ci": Col("95% CI (Fisher z)"), "p": Col("P"),
            **({"published_p": Col("P, paper (Fig. 3)")} if has_published(fit) else {}),
            **({"basis": Col("Basis")} if ctx.bundled else {})}
    warning, check = paper_check(fit)
    notes = "\n".join(f"{r.method}: r = {r.r:.3f}, 95% CI {interval_text(r.ci_low, r.ci_high, 2)}, "
                      f"P {p_text(r.p, 'x')}, n = {r.n} ({r.n_dropped} dropped)" if r.computed
                      else f"{r.method}: not computed ({r.reason.removeprefix('not computed: ')})"
                      for r in fit.itertuples())
    title = f"{CORRELATES[y]} vs {CORRELATES[x]}"
    table = Table("correlation", title, shown, cols, notes=notes, footer_notes=assumed_notes(fit),
                  caption="Pearson (95% CI by Fisher's z) and Spearman correlation over the patients with both values; "
                          "a patient missing either is dropped and counted. " + check
                          + (f" Basis: published, constrained or {ASSUMED_MARK} (the reconstruction's)." if ctx.bundled
                             else ""))
    undefined = tuple(Stat(f"correlation_not_computed_{i}", "Correlation", reason=r.removeprefix("not computed: "))
                      for i, r in enumerate(dict.fromkeys(r for r in fit["reason"] if r)))
    sample = cap_patients(points, max_patients=MAX_POINTS)  # the chart gets a sample; the statistics use all
    labels = {x: CORRELATES[x], y: CORRELATES[y]}
    figure = scatter_with_fit(sample.rows.rename(columns=labels), fit, x=labels[x], y=labels[y],
                              presentation=ctx.presentation, height=420)
    caption = (f"Hb rise and transfusion reduction over the grading window (months 0–{ctx.rules.window_months}). "
               + (f"Chart: a random {sample.n_shown:,} of {sample.n_patients:,} patients; the statistics use all. "
                  if sample.n_shown < sample.n_patients else "") + "Points coloured by response tier.")
    return Section(table=table, paper_warning=warning, not_computed=undefined,
                              chart=Figure("correlation_chart", title, figure, caption=caption, notes=notes,
                                           footer_notes=assumed_notes(fit)))


def _paired_notes(table: pd.DataFrame, adjusted: bool) -> str:
    """One line per pair: n, the mean difference with its SE and CI, P of both tests."""
    lines = []
    for row in table.itertuples():
        head = f"{row.time_i} M − {row.time_j} M: n = {row.n} ({row.n_dropped} dropped)"
        if row.reason:
            lines.append(f"{head}; {PAIRED_T} not computed ({row.reason.removeprefix('not computed: ')})")
            continue
        adj = f", adjusted {p_text(row.p_adjusted)}" if adjusted else ""
        lines.append(f"{head}; mean difference {row.diff:.3f} (SE {row.se:.3f}; 95% CI "
                     f"{interval_text(row.ci_low, row.ci_high, 3)}), P {p_text(row.p, 'x')}{adj} ({PAIRED_T}); "
                     f"{WILCOXON}: median of the differences {row.wilcoxon_estimate:.3f}, "
                     f"P {p_text(row.p_wilcoxon, row.reason_wilcoxon or 'x')}")
    return "\n".join(lines)


PARAMS: tuple[Param, ...] = (
    Param("measure", "sf_ng_ml", tuple(VISIT_MEASURES)), Param("pairs", ("0-12", "0-24", "12-24"), PAIRS),
    Param("correction", "holm", tuple(CORRECTIONS)), Param("x", "hbf_baseline", tuple(CORRELATES)),
    Param("y", "hb_rise", tuple(CORRELATES)))
"""The page's own settings (``views.params``): Table 9's measure, pairs and correction, Fig. 3's variables."""
