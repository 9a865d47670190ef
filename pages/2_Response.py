"""Response: tiers and ORR with exact CIs, transfusion independence, and tiers by subgroup."""

from __future__ import annotations

import streamlit as st

from thaldash.analyses.centres import with_centre
from thaldash.analyses.response import GROUPINGS
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_view
from thaldash.ui.render import show, show_stats
from thaldash.views.response import response_view

frame = page_frame("Response", icon="📊")
groupings = with_centre(GROUPINGS, frame.cohort)  # the centre too, with several centres
by = frame.param("by", "genotype", tuple(groupings))
view = cached_view(response_view, frame.context(), by=by)

st.caption(f"Percentages are of the evaluable patients; intervals are Clopper–Pearson exact 95%. The rules of "
           f"{plain(frame.scenario)} are in the tooltip.",
           help="  \n".join(plain(r) for r in frame.rules.describe().split("; ")))
show_stats(view.headlines)
if view.beside_paper is not None:
    st.markdown(f"**Beside the paper** ({plain(view.beside_paper.caption)})")
    show(frame, view.beside_paper, caption=False)

# Side by side on a desk screen; one under the other on a projector, where half a page is too narrow.
left, right = (st.container(), st.container()) if frame.presentation else st.columns(2)
with left:
    show(frame, view.tier_chart, caption=False)
with right:
    show(frame, view.tiers, caption=False)

st.subheader("Transfusion independence")
show(frame, view.independence)

st.subheader("Tiers by subgroup")
st.radio("Group by", tuple(groupings), key=frame.key("by"), format_func=groupings.get, horizontal=True)
show(frame, view.by_group_chart, caption=False)
show(frame, view.by_group)

st.subheader("Patients not graded MaR")
show(frame, view.non_mar, caption=False)
frame.footer_caption()
