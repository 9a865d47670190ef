"""Data: the contract, the loaded file's checks and provenance, and an upload for this session."""

from __future__ import annotations

import streamlit as st

from thaldash.data.adverse_events import adverse_events_markdown
from thaldash.ui import page_frame, plain
from thaldash.ui.caching import cached_file_view
from thaldash.ui.data_source import (contract_markdown, problems_table, result_summary, return_to_default_button,
                                     upload_panel)
from thaldash.ui.render import show
from thaldash.views.blocks import Stat
from thaldash.views.data import data_view
from thaldash.ui.adverse_source import current_adverse_events, describe
from thaldash.ui.adverse_source import upload_panel as upload_adverse_events

frame = page_frame("Data", icon="🗂️", require_patients=False)
source, result = frame.source, frame.load
view = cached_file_view(data_view, frame.context())

st.subheader("The loaded file")
st.markdown(plain(source.describe()))
st.caption(f"{view.size} · checks: {result_summary(result)}")
if len(result.problems):
    problems_table(result)
else:
    st.success("Every check of the contract passed.")

if result.files:
    st.caption(f"{len(result.files)} files, one cohort: " + ", ".join(plain(f) for f in result.files)
               + (f". Not read: {', '.join(plain(f) for f in result.skipped)}" if result.skipped else "") + ".")

if view.schedule is not None:
    st.subheader("Visits off the study schedule")
    show(frame, view.schedule)

st.subheader("Where the values come from")
if isinstance(view.provenance, Stat):
    st.info(view.provenance.reason)
else:
    show(frame, view.provenance)

st.subheader("Use another file in this session")
st.caption("The file is checked against the contract first; a file with errors never replaces the current "
           "data. A valid file is used on every page of this browser session only and is never written to disk.")
upload_panel()
return_to_default_button()

with st.expander("The data contract"):
    st.markdown(contract_markdown())

st.subheader("Adverse events (optional)")
adverse = current_adverse_events(frame.cohort)
st.caption(describe(adverse))
if adverse is not None and len(adverse.problems):
    problems_table(adverse)
upload_adverse_events(frame.cohort)
with st.expander("The adverse-events contract"):
    st.markdown(adverse_events_markdown())
frame.footer_caption()
