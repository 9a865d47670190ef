"""Comparisons: two groups of patients compared by month, in the layout of the paper's Tables 4–7 and 10."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.comparisons import SUBSETS, TESTS, group_label
from thaldash.analyses.patients import VISIT_MEASURES
from thaldash.data.schema import STUDY_MONTHS
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view, filter_options, group_choices
from thaldash.ui.render import show
from thaldash.views.comparisons import MEASURES, NO_CHART, TEST_LABELS, comparisons_view, default_pair, groupings

frame = page_frame("Comparisons", icon="⚖️")
MONTHS = tuple(str(m) for m in STUDY_MONTHS)

measure = frame.param("measure", "hb_g_l", tuple(MEASURES))
GROUPINGS = groupings(frame.context())  # the centre too, with several centres
grouping = frame.param("grouping", "genotype_group", tuple(GROUPINGS))
subset = frame.param("subset", "analysed", tuple(SUBSETS))
test = frame.param("test", "student", tuple(TESTS))
cols = st.columns([3, 3, 2, 2])
cols[0].selectbox("Measure", tuple(MEASURES), key=frame.key("measure"), format_func=MEASURES.get)
cols[1].selectbox("Compare", tuple(GROUPINGS), key=frame.key("grouping"), format_func=GROUPINGS.get)
cols[2].selectbox("Patients", tuple(SUBSETS), key=frame.key("subset"), format_func=SUBSETS.get,
                  help="On top of the sidebar filter.")
cols[3].selectbox("Test", tuple(TESTS), key=frame.key("test"), format_func=TEST_LABELS.get)

more = st.expander("Groups and months", expanded=not frame.presentation)
left, right, months_col = more.columns([2, 2, 3])
groups: dict[str, object] = {}
if grouping == "genotype_sets":
    genotypes = filter_options(frame.cohort).genotypes
    for side, box in (("a", left), ("b", right)):
        groups[f"set_{side}"] = frame.param(f"set_{side}", (), genotypes)
        box.multiselect(f"Set {side.upper()} (genotypes)", genotypes, key=frame.key(f"set_{side}"),
                        placeholder="Choose genotypes")
else:
    choices = group_choices(frame.cohort, frame.rules, grouping)
    pair = default_pair(frame.context(), grouping)
    for side, box, default in (("a", left, pair[0]), ("b", right, pair[1])):
        groups[f"group_{side}"] = frame.param(f"group_{side}", default, choices)
        box.selectbox(f"Group {side.upper()}", choices, key=frame.key(f"group_{side}"),
                      format_func=lambda g: group_label(grouping, g))
months = tuple(sorted(int(m) for m in frame.param("months", ("0", "6", "12", "24"), MONTHS)))
if measure in VISIT_MEASURES:
    months_col.multiselect("Months", MONTHS, key=frame.key("months"), format_func=lambda m: f"{m} M")

view = cached_view(comparisons_view, frame.context(), measure=measure, grouping=grouping, months=months,
                   subset=subset, test=test, **groups)
if view.problem:
    st.info(plain(view.problem))
    st.stop()
st.subheader(plain(view.title))
show(frame, view.comparison)
if view.paper_warning:
    st.warning(view.paper_warning)
for stat in view.not_computed:
    show(frame, stat)
if view.more is not None:
    show(frame, view.more)
if view.chart is not None:
    show(frame, view.chart, caption=False)
elif measure not in VISIT_MEASURES:
    st.caption(NO_CHART)
frame.footer_caption()
