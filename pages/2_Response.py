"""Response: tiers and ORR with exact CIs (per protocol or intention to treat), TDT and NTDT apart, the
transfusion reduction two ways, transfusion independence, and tiers by subgroup."""

from __future__ import annotations

import streamlit as st

from thaldash.grading.summary import ANALYSES
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show, show_stats
from thaldash.views.headlines import ANALYSIS_LABELS
from thaldash.views.response import GROUPINGS, response_view

frame = page_frame("Response", icon="📊")
groupings = frame.context().groupings(GROUPINGS)  # the centre too, with several centres
by = frame.param("by")
analysis = frame.param("analysis")
ne_fail = frame.param("ne_fail")
left, right = st.columns([2, 3])
left.radio("Denominator", ANALYSES, key=frame.key("analysis"), format_func=ANALYSIS_LABELS.get, horizontal=True,
           help="Per protocol (the paper's): the evaluable patients who did not withdraw. Intention to treat: "
                "every patient, those who withdrew counted as failures (tick “Include withdrawn patients”).")
right.toggle("Count not-evaluable patients as failures", key=frame.key("ne_fail"))
view = cached_view(response_view, frame.context(), by=by, analysis=analysis, not_evaluable_as_failure=ne_fail)

st.caption(f"Intervals are Clopper–Pearson exact 95%. The rules of {plain(frame.scenario)} are in the tooltip.",
           help="  \n".join(plain(r) for r in frame.rules.describe().split("; ")))
if view.notice:
    st.warning(view.notice)
show_stats(view.headlines)
if view.beside_paper is not None:
    st.markdown(f"**Beside the paper** ({plain(view.beside_paper.caption)})")
    show(frame, view.beside_paper, caption=False)

# Side by side on a desk screen; one under the other on a projector, where half a page is too narrow.
left, right = (st.container(), st.container()) if frame.presentation else st.columns(2)
with left:
    show(frame, view.tier_chart, caption=False)
with right:
    show(frame, view.tiers)

st.subheader("TDT and NTDT apart")
show_stats(view.by_type)
with st.expander("Every rate: TDT, NTDT and pooled, per protocol and intention to treat"):
    show(frame, view.rates)

st.subheader("Transfusion reduction")
show(frame, view.reduction)

st.subheader("Transfusion independence")
show(frame, view.independence)

st.subheader("Tiers by subgroup")
st.radio("Group by", tuple(groupings), key=frame.key("by"), format_func=groupings.get, horizontal=True)
if view.caveat:
    st.info(view.caveat)
show(frame, view.by_group_chart, caption=False)
show(frame, view.by_group)

st.subheader("Patients not graded MaR")
show(frame, view.non_mar)
frame.footer_caption()
