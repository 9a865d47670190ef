"""Open the Patient page from anywhere: a click on a row of a table of patients.

Any page that lists patients can make them clickable::

    from thaldash.ui.patient_link import open_patient, patient_table

    patient_table(frame, rows, "non_mar_patients", column_config={...})  # click a row → Patient page

or, from its own widget (a button, a chart selection)::

    if st.button("Open T3-01"):
        open_patient("T3-01")

``open_patient`` stores the patient as the Patient page's own state (``thaldash.ui.state``) and
switches page with ``?patient=<id>`` in the URL, so the Patient page opens on that patient and its
address can be copied. The sidebar filter and grading travel in the session as on any page switch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from thaldash.export import files as export
from thaldash.ui import state
from thaldash.ui.frame import Frame
from thaldash.ui.widgets import Actions, sent
from thaldash.views.blocks import PATIENT_LIST_ROWS

PATIENT_PAGE = "pages/8_Patient.py"
PATIENT_SLUG = "patient"  # page_slug("Patient")
PATIENT_PARAM = "patient"
MAX_ROWS = 1_000
"""Rows a patient table shows; longer lists show their first rows and say so."""
MAX_CSV_ROWS = PATIENT_LIST_ROWS
"""Longest list offered as a CSV (built only when clicked); beyond it the page's aggregate tables stand in."""


def open_patient(patient_id: str) -> None:
    """Switch to the Patient page showing ``patient_id`` (this run ends there).

    When the app was not started with its ``pages/`` folder (a page run on its own, as in a unit
    test), there is no Patient page to switch to: a warning says so instead of an exception.
    """
    pid = str(patient_id)
    state.set_page_param(PATIENT_SLUG, PATIENT_PARAM, pid)
    st.session_state.pop(state.widget_key(PATIENT_PARAM, PATIENT_SLUG), None)  # reseeded from the state
    try:
        st.switch_page(PATIENT_PAGE, query_params={PATIENT_PARAM: pid})
    except StreamlitAPIException:
        st.warning(f"The Patient page is not part of this app run, so patient {pid} cannot be opened here.")


def patient_url(patient_id: str) -> str:
    """The relative address of the Patient page for ``patient_id`` (Streamlit names the page after
    its file, ``8_Patient.py`` → ``/Patient``)."""
    return f"Patient?{urlencode({PATIENT_PARAM: str(patient_id)})}"


def patient_table(frame: Frame, table: pd.DataFrame, name: str, *, column_config: Mapping[str, Any] | None = None,
                  max_rows: int = MAX_ROWS, height: int | str | None = None, id_column: str = "patient_id",
                  what: str = "patients", more: Actions | None = None, counts: Sequence[str] = (),
                  derived: Sequence[str] = (), n_rows: int | None = None) -> None:
    """A table with one row per patient; clicking a row opens that patient's page.

    Shows the first ``max_rows`` rows (with a note when there are more) and offers the whole
    list as a CSV (with the provenance footer) outside presentation mode, up to ``MAX_CSV_ROWS``.

    Parameters
    ----------
    frame
        The page's ``Frame`` (footer, presentation mode).
    table
        One row per patient, with ``id_column``.
    name
        File name stem of the CSV and part of the widget key (unique on the page).
    height
        Pixels, "content" or "auto"; by default the whole list up to 15 rows, else a scrolling box.
    what
        What the rows are, for the note ("non-MaR patients").
    more
        Draws further buttons beside the download (outside presentation mode).
    counts, derived
        Columns that count patients and those computed from them (small cells in the CSV, ``data.disclosure``).
    n_rows
        Rows of the whole list when ``table`` holds only its first ones (``views.blocks.Table.n_rows``).
    """
    if table.empty:
        st.caption(f"No {what}.")
        return
    shown = table.head(max_rows)
    if height is None:  # short lists in full, long ones in a scrolling box of about 15 rows
        height = "content" if len(shown) <= 15 else 560
    note = "Click a row to open that patient's page."
    total = len(table) if n_rows is None else n_rows  # a long list's block keeps only its first rows
    if total > max_rows:
        note = (f"The first {max_rows:,} of {total:,} {what} (the counts above cover all of them). " + note)
    st.caption(note)
    event = st.dataframe(sent(table, max_rows), hide_index=True, width="stretch", column_config=dict(column_config or {}),
                         height=height, placeholder="–", on_select="rerun", selection_mode="single-row",
                         key=f"thaldash.pick.{name}")
    if not frame.presentation:
        row = st.container(horizontal=True)
        if total <= MAX_CSV_ROWS:
            row.download_button("Download CSV", lambda: export.table_csv(table, frame.footer, counts=counts,
                                                                         derived=derived, min_cell=frame.min_cell),
                                file_name=f"{name}.csv", mime="text/csv", key=f"thaldash.csv.{name}", on_click="ignore")
        if more is not None:
            more(row)
    rows = event.selection.rows if event is not None else []
    if rows:
        open_patient(str(shown[id_column].iloc[rows[0]]))


__all__ = ["MAX_ROWS", "PATIENT_PAGE", "PATIENT_PARAM", "open_patient", "patient_table",
           "patient_url"]
