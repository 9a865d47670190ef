"""Change and correlation: within-patient change between visits (Table 9); two per-patient variables (Fig. 3)."""

from __future__ import annotations

import math
from itertools import combinations

import streamlit as st

from thaldash.analyses.patients import VISIT_MEASURES
from thaldash.charts import paired_change_chart, scatter_with_fit
from thaldash.analyses.comparisons import (
    CORRELATES,
    contradiction_notes,
    correlation_view,
    marked_published,
    paired_view,
    published_applies,
)
from thaldash.data.schema import STUDY_MONTHS
from thaldash.stats import PAIRED_T
from thaldash.analyses.trajectories import cap_patients
from thaldash.ui import cache_on_cohort, not_computed, page_frame, plain
from thaldash.ui.caching import patient_table

frame = page_frame("Change and correlation", icon="📉")


def taller(chart, height: int):
    """Streamlit fits title and axes into the chart's height: give the plot room under a long title (report)."""
    return chart.properties(height=height)


PAIRS = tuple(f"{i}-{j}" for i, j in combinations(STUDY_MONTHS, 2))
CORRECTIONS = {"none": "None", "holm": "Holm", "bonferroni": "Bonferroni"}
published = published_applies(frame.source.kind, frame.filter.is_default, frame.rules)


# The figures are cached with their numbers: building an Altair spec costs more than the statistics.
@cache_on_cohort
def _paired(filtered, measure, pairs, correction, published, presentation):
    table, result = paired_view(filtered, measure=measure, pairs=pairs, correction=correction, published=published)
    figure = taller(paired_change_chart(result, measure=measure, presentation=presentation), 140 + 60 * len(pairs))
    return table, figure


@cache_on_cohort
def _correlation(cohort, rules, filtered, everyone, x, y, published, presentation):
    ids = None if everyone else filtered.patients["patient_id"]  # None: no million-id lookup
    points, fit = correlation_view(cohort, rules, x=x, y=y, patient_ids=ids, published=published,
                                   patients=patient_table(cohort, rules))
    sample = cap_patients(points, max_patients=2000)  # the chart gets a sample; the statistics use all
    labels = {x: CORRELATES[x], y: CORRELATES[y]}
    figure = taller(scatter_with_fit(sample.rows.rename(columns=labels), fit, x=labels[x], y=labels[y],
                                     presentation=presentation), 420)
    return sample, fit, figure


def p_text(p: float, reason: str = "") -> str:
    if not math.isfinite(p):
        return "not computed" if reason else ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def interval(low: float, high: float, digits: int) -> str:
    return f"{low:,.{digits}f} to {high:,.{digits}f}" if math.isfinite(low) else ""


NUM, TEXT = st.column_config.NumberColumn, st.column_config.TextColumn
PAPER = {f"published_{c}": TEXT("paper", width=w) for c, w in (("diff", 80), ("se", 70), ("p", 60))}


def published_note(table) -> None:
    """Whether the paper's printed values are reproduced, and the documented contradictions met."""
    if (table["published_status"] == "differs").any():
        st.warning("Some numbers do not print as the paper's, outside the documented contradictions.")
    elif (table["published_status"] != "").any():
        marked = (table["contradiction"] != "").any()
        st.caption("\"paper\": the value the paper prints (bundled cohort, no filter, the paper's grading). ✓ Every "
                   "one is reproduced at its printed precision"
                   + (", except those marked † (a documented contradiction):" if marked else "."))
    for note in contradiction_notes(table["contradiction"]).itertuples():
        st.caption(plain(f"{note.id}: {note.title} (see the Reproduction page)"))


st.subheader("Within-patient change between visits (Table 9)")
measure = frame.param("measure", "sf_ng_ml", tuple(VISIT_MEASURES))
pairs = frame.param("pairs", ("0-12", "0-24", "12-24"), PAIRS)
correction = frame.param("correction", "none", tuple(CORRECTIONS))
cols = st.columns([2, 4, 2])
cols[0].selectbox("Measure", tuple(VISIT_MEASURES), key=frame.key("measure"), format_func=VISIT_MEASURES.get)
cols[1].multiselect("Visits compared (I − J)", PAIRS, key=frame.key("pairs"), placeholder="Choose pairs of months",
                    format_func=lambda p: "{} M − {} M".format(*p.split("-")))
cols[2].radio("Correction across the pairs", tuple(CORRECTIONS), key=frame.key("correction"),
              format_func=CORRECTIONS.get, horizontal=True)
if not pairs:
    st.info("Choose at least one pair of visits.")
else:
    chosen = tuple(tuple(int(m) for m in p.split("-")) for p in pairs)
    table, figure = _paired(frame.filtered, measure, chosen, None if correction == "none" else correction, published,
                            frame.presentation)
    adjusted = [] if correction == "none" else ["p_adjusted"]
    shown = marked_published(table).assign(
        ci=[interval(a, b, 3) for a, b in zip(table["ci_low"], table["ci_high"])],
        p=[p_text(p, r) for p, r in zip(table["p"], table["reason"])],
        p_wilcoxon=[p_text(p, r) for p, r in zip(table["p_wilcoxon"], table["reason_wilcoxon"])],
        p_adjusted=[p_text(p) for p in table["p_adjusted"]],
        p_wilcoxon_adjusted=[p_text(p) for p in table["p_wilcoxon_adjusted"]],
        n_text=[f"{n} ⚠ n < 5" if s else f"{n}" for n, s in zip(table["n"], table["small_n"])])
    main = ["time_i", "time_j", "n_text", "n_dropped", "diff", "published_diff", "se", "published_se", "ci", "p",
            "published_p", *adjusted]
    main = [c for c in main if (table["published_status"] != "").any() or not c.startswith("published")]
    name = CORRECTIONS[correction]
    config = {"time_i": NUM("(I)", format="%d M", width=50), "time_j": NUM("(J)", format="%d M", width=50),
              "n_text": TEXT("n (both visits)", width=105), "n_dropped": NUM("Dropped", format="%d", width=65),
              "diff": NUM("Mean diff. (I − J)", format="%.3f", width=115), "se": NUM("SE", format="%.3f", width=75),
              "ci": TEXT("95% CI", width=150), "p": TEXT("P (paired t)", width=85),
              "p_adjusted": TEXT(f"P {name} (paired t)", width=110), "mean_i": NUM("Mean at I", format="%.2f"),
              "mean_j": NUM("Mean at J", format="%.2f"), "median_diff": NUM("Median difference", format="%.3f"),
              "p_wilcoxon": "P (Wilcoxon signed-rank)", "p_wilcoxon_adjusted": f"P {name} (Wilcoxon)", **PAPER}
    frame.table(shown[main], "paired_change", height="content", column_config=config)
    adjustment = (f"; {name}-adjusted within each test across the {len(pairs)} pairs shown." if adjusted
                  else ", not adjusted for the number of pairs.")
    st.caption("Patients paired by patient id; a patient missing either visit is dropped from that pair and counted "
               f"(\"Dropped\"); ⚠ n < 5: too few patients to rely on. Two-sided P, {PAIRED_T}{adjustment}")
    published_note(table)
    for row in table.itertuples():
        for reason in dict.fromkeys(r for r in (row.reason, row.reason_wilcoxon) if r):
            not_computed(f"{row.time_i} M − {row.time_j} M", reason.removeprefix("not computed: "))
    frame.table(shown[["time_i", "time_j", "mean_i", "mean_j", "median_diff", "p_wilcoxon",
                       *(["p_wilcoxon_adjusted"] if adjusted else [])]], "paired_change_more", height="content",
                column_config=config)
    st.caption("Means at each visit over the patients with both; the Wilcoxon signed-rank test of the differences.")
    frame.chart(figure, "paired_change")

st.subheader("Correlation of two per-patient variables (Fig. 3)")
x = frame.param("x", "hbf_baseline", tuple(CORRELATES))
y = frame.param("y", "hb_rise", tuple(CORRELATES))
left, right = st.columns(2)
left.selectbox("Horizontal (x)", tuple(CORRELATES), key=frame.key("x"), format_func=CORRELATES.get)
right.selectbox("Vertical (y)", tuple(CORRELATES), key=frame.key("y"), format_func=CORRELATES.get)
if x == y:
    st.info("Choose two different variables.")
else:
    sample, fit, figure = _correlation(frame.cohort, frame.rules, frame.filtered, frame.filter.is_default, x, y,
                                       published, frame.presentation)
    shown = marked_published(fit).assign(ci=[interval(a, b, 2) for a, b in zip(fit["ci_low"], fit["ci_high"])],
                                         p=[p_text(p, r) for p, r in zip(fit["p"], fit["reason"])])
    paper = ["published_p"] if (fit["published_status"] != "").any() else []
    frame.table(shown[["method", "n", "n_dropped", "r", "ci", "p", *paper]], "correlation", height="content",
                column_config={"method": "Test", "n": NUM("n (patients)", format="%d"),
                               "n_dropped": NUM("Dropped (a value missing)", format="%d"), "r": NUM("r", format="%.3f"),
                               "ci": "95% CI (Fisher z)", "p": "P", "published_p": "P, paper (Fig. 3)"})
    published_note(fit)
    for reason in dict.fromkeys(r for r in fit["reason"] if r):
        not_computed("Correlation", reason.removeprefix("not computed: "))
    frame.chart(figure, "correlation")
    st.caption(f"Hb rise and transfusion reduction over the grading window (months 0–{frame.rules.window_months}). "
               + (f"Chart: a random {sample.n_shown:,} of {sample.n_patients:,} patients; the statistics use all. "
                  if sample.n_shown < sample.n_patients else "") + "Points coloured by response tier.")
frame.footer_caption()
