"""Change and correlation: within-patient change between visits (Table 9); two per-patient variables (Fig. 3)."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.comparisons import CORRELATES
from thaldash.analyses.patients import VISIT_MEASURES
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show
from thaldash.views.change import CORRECTIONS, PAIRS, Section, correlation_section, paired_section

frame = page_frame("Change and correlation", icon="📉")


def section(part: Section) -> None:
    """A section's blocks in page order; the paper check under its table."""
    if part.problem:
        st.info(plain(part.problem))
        return
    # Drawn as written, not escaped: the words are the view's own ("Holm-adjusted"), no data in them.
    show(frame, part.table, caption=False)
    st.caption(part.table.caption)
    if part.paper_warning:
        st.warning(part.paper_warning)
    for stat in part.not_computed:
        show(frame, stat)
    if part.more is not None:
        show(frame, part.more)
    show(frame, part.chart)


st.subheader("Within-patient change between visits (Table 9)")
measure = frame.param("measure", "sf_ng_ml", tuple(VISIT_MEASURES))
pairs = frame.param("pairs", ("0-12", "0-24", "12-24"), PAIRS)
correction = frame.param("correction", "holm", tuple(CORRECTIONS))
cols = st.columns([2, 4, 2])
cols[0].selectbox("Measure", tuple(VISIT_MEASURES), key=frame.key("measure"), format_func=VISIT_MEASURES.get)
cols[1].multiselect("Visits compared (I − J)", PAIRS, key=frame.key("pairs"), placeholder="Choose pairs of months",
                    format_func=lambda p: "{} M − {} M".format(*p.split("-")))
cols[2].radio("Correction across the pairs", tuple(CORRECTIONS), key=frame.key("correction"),
              format_func=CORRECTIONS.get, horizontal=True)
section(cached_view(paired_section, frame.context(), measure=measure, pairs=pairs, correction=correction))

st.subheader("Correlation of two per-patient variables (Fig. 3)")
x = frame.param("x", "hbf_baseline", tuple(CORRELATES))
y = frame.param("y", "hb_rise", tuple(CORRELATES))
left, right = st.columns(2)
left.selectbox("Horizontal (x)", tuple(CORRELATES), key=frame.key("x"), format_func=CORRELATES.get)
right.selectbox("Vertical (y)", tuple(CORRELATES), key=frame.key("y"), format_func=CORRELATES.get)
section(cached_view(correlation_section, frame.context(), x=x, y=y))
frame.footer_caption()
