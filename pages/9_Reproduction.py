"""Reproduction: each number the paper prints beside the same number computed from the loaded cohort."""

from __future__ import annotations

import streamlit as st

from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_file_view
from thaldash.ui.render import show, show_stats
from thaldash.views.reproduction import SHOW, printed_sources, reproduction_view

frame = page_frame("Reproduction", icon="📑")
sources = printed_sources()
chosen = frame.param("show")
where = frame.param("sources")
view = cached_file_view(reproduction_view, frame.context(), show=chosen, sources=where)

st.markdown(view.intro)
show_stats(view.headlines)
left, right = st.columns([1, 2])
left.radio("Show", tuple(SHOW), key=frame.key("show"), format_func=SHOW.get)
right.multiselect("Where printed", sources, key=frame.key("sources"), placeholder="Anywhere in the paper")
st.caption(plain(view.rows.caption))  # above the long table: it says what the rows are
show(frame, view.rows, caption=False, height=560)

st.subheader(view.contradictions.title)
st.caption(plain(view.contradictions.caption))
for row in view.contradictions.frame.itertuples(index=False):
    with st.expander(plain(f"{row.id} · {row.title}")):
        st.markdown(f"**Evidence.** {plain(row.evidence)}")
        st.markdown(f"**Decision.** {plain(row.decision)}")
        st.markdown(f"**Why.** {plain(row.reason)}")
frame.footer_caption()
