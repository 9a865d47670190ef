"""The Streamlit layer: the shared page frame, URL state, data source, caching and small renderers.

The only part of ``thaldash`` that imports Streamlit. A page starts with::

    from thaldash.ui import page_frame

    frame = page_frame("Response", icon=":material/insights:")
    # frame.filtered, frame.rules, frame.param(...), frame.table(...), frame.footer
"""

from __future__ import annotations

from thaldash.ui.caching import cache_on_cohort
from thaldash.ui.frame import Frame, page_frame
from thaldash.ui.widgets import not_computed, plain, stat, table

__all__ = ["Frame", "page_frame", "cache_on_cohort", "not_computed", "plain", "stat", "table"]
