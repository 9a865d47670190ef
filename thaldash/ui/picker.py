"""A table of patients in which one row can be picked; the pick is a page param, so the link keeps it.

Unlike ``patient_link.patient_table`` (a click opens the Patient page), the page stays and shows more
about the patient picked (the What-if page: their course under both rule sets).
"""

from __future__ import annotations

import streamlit as st

from thaldash.export import files as export
from thaldash.ui.frame import Frame
from thaldash.ui.render import column_config
from thaldash.ui.widgets import sent
from thaldash.views.blocks import Table

MAX_LISTED = 1_000
"""Rows shown at most; the CSV download has them all."""


def pick_patient(frame: Frame, table: Table, *, param: str = "patient", height: int = 280) -> str:
    """Draw ``table`` (a ``Table`` with ``patient_column``) with single-row selection; the patient picked, or "".

    The pick is the page param ``param`` (kept in the URL). The widget's key follows the list, so
    a selection never points at another patient once the list changes.
    """
    listed = table.frame.head(MAX_LISTED)
    ids = listed[table.patient_column].astype(str).tolist()
    wanted = frame.param(param, "")
    event = st.dataframe(sent(table.frame, MAX_LISTED), hide_index=True, width="stretch", column_config=column_config(table.columns),
                         column_order=list(table.columns), placeholder="–", height=height,
                         key=f"thaldash.pick.{table.key}.{hash(tuple(ids))}", on_select="rerun",
                         selection_mode="single-row",
                         selection_default={"selection": {"rows": [ids.index(wanted)] if wanted in ids else []}})
    if not frame.presentation:
        st.download_button("Download CSV", lambda: export.table_csv(table.frame, frame.footer, counts=table.counts,
                                                                   derived=table.from_counts, min_cell=frame.min_cell),
                           file_name=f"{table.key}.csv", mime="text/csv", key=f"thaldash.csv.{table.key}",
                           on_click="ignore")
    chosen = ids[event.selection.rows[0]] if event.selection.rows else ""
    if chosen != wanted:
        st.session_state[frame.key(param)] = chosen
        frame.param(param, "")
    return chosen
