"""Comparisons: two groups of patients compared by month, in the layout of the paper's Tables 4–7 and 10."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.comparisons import SUBSETS, group_label
from thaldash.analyses.patients import VISIT_MEASURES
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view, filter_options, group_choices
from thaldash.ui.render import show
from thaldash.views.comparisons import (GROUPINGS, MEASURES, MONTHS, NO_CHART, TEST_CHOICES, TEST_LABELS,
                                        comparisons_view)

frame = page_frame("Comparisons", icon="⚖️")

measure = frame.param("measure")
groupings = frame.context().groupings(GROUPINGS)  # the centre too, with several centres
grouping = frame.param("grouping")
subset = frame.param("subset")
test = frame.param("test")
cols = st.columns([3, 3, 2, 2])
cols[0].selectbox("Measure", tuple(MEASURES), key=frame.key("measure"), format_func=MEASURES.get)
cols[1].selectbox("Compare", tuple(groupings), key=frame.key("grouping"), format_func=groupings.get)
cols[2].selectbox("Patients", tuple(SUBSETS), key=frame.key("subset"), format_func=SUBSETS.get,
                  help="On top of the sidebar filter.")
cols[3].selectbox("Test", TEST_CHOICES, key=frame.key("test"), format_func=TEST_LABELS.get,
                  help="Welch t does not assume equal SDs; the paper's Student t is the default where the page "
                       "reproduces one of its printed tables.")

more = st.expander("Groups and months", expanded=not frame.presentation)
left, right, months_col = more.columns([2, 2, 3])
groups: dict[str, object] = {}
if grouping == "genotype_sets":
    genotypes = filter_options(frame.cohort).genotypes
    for side, box in (("a", left), ("b", right)):
        groups[f"set_{side}"] = frame.param(f"set_{side}")
        box.multiselect(f"Set {side.upper()} (genotypes)", genotypes, key=frame.key(f"set_{side}"),
                        placeholder="Choose genotypes")
else:
    choices = group_choices(frame.cohort, frame.rules, grouping)
    for side, box in (("a", left), ("b", right)):
        groups[f"group_{side}"] = frame.param(f"group_{side}")
        box.selectbox(f"Group {side.upper()}", choices, key=frame.key(f"group_{side}"),
                      format_func=lambda g: group_label(grouping, g))
months = tuple(sorted(int(m) for m in frame.param("months")))
if measure in VISIT_MEASURES:
    months_col.multiselect("Months", MONTHS, key=frame.key("months"), format_func=lambda m: f"{m} M")

view = cached_view(comparisons_view, frame.context(), measure=measure, grouping=grouping, months=months,
                   subset=subset, test=test, **groups)
if view.problem:
    st.info(plain(view.problem))
    st.stop()
st.subheader(plain(view.title))
if view.caveat:
    st.info(view.caveat)
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
