"""Comparisons: two groups of patients compared by month, in the layout of the paper's Tables 4–7 and 10."""

from __future__ import annotations

import math

import streamlit as st

from thaldash.analyses.patients import (
    DEFAULT_PAIR,
    GROUPINGS,
    PATIENT_MEASURES,
    VISIT_MEASURES,
)
from thaldash.charts import group_means_chart
from thaldash.analyses.comparisons import (
    SUBSETS,
    TESTS,
    compare_view,
    contradiction_notes,
    group_choices,
    group_label,
    marked_published,
    published_applies,
)
from thaldash.data.schema import STUDY_MONTHS
from thaldash.ui import cache_on_cohort, not_computed, page_frame, plain
from thaldash.ui.caching import filter_options, patient_table

frame = page_frame("Comparisons", icon="⚖️")
MEASURES = VISIT_MEASURES | PATIENT_MEASURES
TEST_LABELS = {"student": "Student t (paper)", "welch": "Welch t", "mann_whitney": "Mann–Whitney U"}
MONTHS = tuple(str(m) for m in STUDY_MONTHS)


@cache_on_cohort
def _choices(cohort, rules, grouping):
    return group_choices(patient_table(cohort, rules), grouping)


@cache_on_cohort
def _view(cohort, rules, filtered, everyone, measure, grouping, groups, months, subset, sets, test, published,
          presentation):
    """The comparison and its chart of group means by month (None for a per-patient measure), cached together."""
    ids = None if everyone else filtered.patients["patient_id"]  # None: no million-id lookup
    view = compare_view(cohort, rules, measure=measure, grouping=grouping, groups=groups, months=months,
                        subset=subset, patient_ids=ids, sets=sets, test=test, published=published,
                        patients=patient_table(cohort, rules))
    if measure in PATIENT_MEASURES or not len(view.means):
        return view, None
    p_rows = view.result[view.result["test"] == test][["month", "p", "test", "reason"]]
    return view, group_means_chart(view.means, measure=measure, group=view.chart_group, p_values=p_rows,
                                   presentation=presentation)


measure = frame.param("measure", "hb_g_l", tuple(MEASURES))
grouping = frame.param("grouping", "genotype_group", tuple(GROUPINGS))
subset = frame.param("subset", "analysed", tuple(SUBSETS))
test = frame.param("test", "student", tuple(TESTS))
cols = st.columns([3, 3, 2, 2])
cols[0].selectbox("Measure", tuple(MEASURES), key=frame.key("measure"), format_func=MEASURES.get)
cols[1].selectbox("Compare", tuple(GROUPINGS), key=frame.key("grouping"), format_func=GROUPINGS.get)
cols[2].selectbox("Patients", tuple(SUBSETS), key=frame.key("subset"), format_func=SUBSETS.get,
                  help="On top of the sidebar filter.")
cols[3].selectbox("Test", tuple(TESTS), key=frame.key("test"), format_func=TEST_LABELS.get)

choices = _choices(frame.cohort, frame.rules, grouping)
genotypes = filter_options(frame.cohort).genotypes
more = st.expander("Groups and months", expanded=not frame.presentation)
left, right, months_col = more.columns([2, 2, 3])
if grouping == "genotype_sets":
    set_a, set_b = frame.param("set_a", (), genotypes), frame.param("set_b", (), genotypes)
    left.multiselect("Set A (genotypes)", genotypes, key=frame.key("set_a"), placeholder="Choose genotypes")
    right.multiselect("Set B (genotypes)", genotypes, key=frame.key("set_b"), placeholder="Choose genotypes")
    groups, sets = ("set A", "set B"), (set_a, set_b)
else:
    default_a, default_b = DEFAULT_PAIR[grouping]
    groups = (frame.param("group_a", default_a, choices), frame.param("group_b", default_b, choices))
    left.selectbox("Group A", choices, key=frame.key("group_a"), format_func=lambda g: group_label(grouping, g))
    right.selectbox("Group B", choices, key=frame.key("group_b"), format_func=lambda g: group_label(grouping, g))
    sets = None
months = tuple(int(m) for m in frame.param("months", ("0", "6", "12", "24"), MONTHS))
if measure in VISIT_MEASURES:
    months_col.multiselect("Months", MONTHS, key=frame.key("months"), format_func=lambda m: f"{m} M")

if sets is not None and not (sets[0] and sets[1]):
    st.info("Choose the genotypes of set A and of set B.")
    st.stop()
if measure in VISIT_MEASURES and not months:
    st.info("Choose at least one month.")
    st.stop()
published = published_applies(frame.source.kind, frame.filter.is_default, frame.rules)
try:
    view, figure = _view(frame.cohort, frame.rules, frame.filtered, frame.filter.is_default, measure, grouping,
                         groups, tuple(sorted(months)), subset, sets, TESTS[test], published, frame.presentation)
except ValueError as error:  # the same group twice, overlapping genotype sets: say so, show nothing
    st.info(plain(str(error)))
    st.stop()


def p_text(p: float, reason: str) -> str:
    if not math.isfinite(p):
        return "not computed" if reason else ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


NUM, TEXT = st.column_config.NumberColumn, st.column_config.TextColumn
table = view.table
per_patient = measure in PATIENT_MEASURES
shown = marked_published(table).assign(
    label=[f"{g} ⚠ n < 5" if s else g for g, s in zip(table["label"], table["small_n"])],
    p=[p_text(p, r) for p, r in zip(table["p"], table["reason"])],
    iqr=[f"{a:.2f} to {b:.2f}" if math.isfinite(a) else "" for a, b in zip(table["q1"], table["q3"])],
    ci=[f"{a:.3f} to {b:.3f}" if math.isfinite(a) else "" for a, b in zip(table["ci_low"], table["ci_high"])])
has_published = (table["published_status"] != "").any()
time_col = [] if per_patient else ["month"]
paper = [*time_col, "label", "n", "published_n", "mean", "published_mean", "sd", "published_sd", "diff",
         "published_diff", "se", "published_se", "p", "published_p"]
paper = [c for c in paper if has_published or not c.startswith("published")]
SHORT = {"student": "Student t", "welch": "Welch t", "mann_whitney": "Mann–Whitney"}
WIDTHS = {"n": 50, "mean": 70, "sd": 60, "diff": 70, "se": 60, "p": 60}
config = {"month": NUM("Time", format="%d M", width=45), "label": TEXT("Group", width=115),
          "n": NUM("n", format="%d", width=45), "mean": NUM("Average", format="%.2f", width=70),
          "sd": NUM("SD", format="%.2f", width=55), "se": NUM("SE", format="%.3f", width=55),
          "diff": NUM("Median diff. A − B" if test == "mann_whitney" else "Diff. A − B", format="%.3f", width=90),
          "p": TEXT(f"P ({SHORT[test]})", width=90), "median": NUM("Median", format="%.2f"), "iqr": "IQR (Q1 to Q3)",
          "ci": "95% CI of the difference", "hedges_g": NUM("Hedges' g", format="%.2f"),
          **{f"published_{c}": TEXT("paper", width=w) for c, w in WIDTHS.items()}}
label_a, label_b = (group_label(grouping, g) for g in groups)
st.subheader(plain(f"{MEASURES[measure]}: {label_a} (A) vs {label_b} (B)"))
if table.empty:
    not_computed("Comparison", "no patient of the selected patients is in either group")
else:
    frame.table(shown[paper], "comparison", column_config=config, height="content")
    st.caption(f"The paper's layout (Tables 4–7, 10). P two-sided, {plain(TESTS[test])}; the comparison is on each "
               "month's first row. ⚠ n < 5: too few patients to rely on.")
    if (table["published_status"] == "differs").any():
        st.warning("Some numbers do not print as the paper's, outside the documented contradictions.")
    elif has_published:
        marked = (table["contradiction"] != "").any()
        st.caption("\"paper\": the value the paper prints (bundled cohort, no filter, the paper's grading). ✓ Every "
                   "one is reproduced at its printed precision"
                   + (", except those marked † (a documented contradiction):" if marked else "."))
    for note in contradiction_notes(table["contradiction"]).itertuples():
        st.caption(plain(f"{note.id}: {note.title} (see the Reproduction page)"))
    for row in table[(table["test"] != "") & ~table["computed"].astype(bool)].itertuples():
        not_computed("Comparison" + ("" if per_patient else f" at {int(row.month)} M"),
                     row.reason.removeprefix("not computed: "))
    frame.table(shown[[*time_col, "label", "n", "median", "iqr", "ci", "hedges_g"]], "comparison_more",
                column_config=config, height="content")
    st.caption("Median and interquartile range per group; 95% CI of the difference and Hedges' g (pooled SD, "
               "small-sample corrected) on the t-test rows.")
if figure is not None:
    frame.chart(figure, "group_means")
elif per_patient:
    st.caption("One value per patient, over the grading window: no chart by month.")
frame.footer_caption()
