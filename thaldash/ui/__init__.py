"""The Streamlit layer: the shared page frame, URL state, data source, caching and small renderers.

The only part of ``thaldash`` that imports Streamlit. Every page (a file in ``pages/``) starts
with the one call that builds the sidebar, loads the data and restores the view from the URL::

    import streamlit as st
    from thaldash.ui import page_frame

    frame = page_frame("Response", icon="📈")        # draws the title; stops if no patient matches

    grouping = frame.param("grouping", "tier", GROUPINGS)       # a page setting kept in the URL
    st.radio("Group by", GROUPINGS, key=frame.key("grouping"))  # no index/default: the key has it

    summary = some_core_function(frame.filtered, frame.rules, grouping=grouping)
    frame.table(summary, "response_summary")    # table + CSV download with the provenance footer
    frame.chart(some_chart(summary, presentation=frame.presentation), "response")  # + PNG/SVG
    frame.footer_caption()

``frame.cohort`` (everyone), ``frame.filtered`` (after the sidebar filter), ``frame.enrolled``
(filtered, withdrawn kept), ``frame.graded`` (cached grading of ``filtered``), ``frame.rules``,
``frame.filter``, ``frame.source``, ``frame.presentation``, ``frame.footer``. Cache an analysis
with ``@cache_on_cohort``; show text that comes from data through ``plain`` (or in a table).
"""

from __future__ import annotations

from thaldash.ui.caching import cache_on_cohort
from thaldash.ui.frame import Frame
from thaldash.ui.page_setup import page_frame
from thaldash.ui.widgets import chart, not_computed, plain, stat, table

__all__ = ["Frame", "page_frame", "cache_on_cohort", "chart", "not_computed", "plain", "stat", "table"]
