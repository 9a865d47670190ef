"""The baseline: a bare one-widget Streamlit app, to compare the dashboard's timings against.

It draws what the benchmark waits for on the real app (a title and an "n = … of …" line in
the sidebar) and one checkbox that changes that line, and does nothing else.
"""

from __future__ import annotations

import streamlit as st

st.title("Bare app")
include = st.sidebar.checkbox("Include withdrawn patients")
st.sidebar.markdown(f"**n = {52 if include else 48} of {52 if include else 48} patients**")
