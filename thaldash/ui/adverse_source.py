"""Which adverse-events table the app uses, and the upload that can give one for a browser session.

Precedence, as for the cohort (``thaldash.ui.data_source``): a valid upload held in this session
(bytes in ``st.session_state``, never written to disk) > ``streamlit run app.py -- --adverse-events
PATH`` > the ``THALDASH_ADVERSE_EVENTS`` environment variable > none. The table is checked against
the cohort shown (every ``patient_id`` must be one of its patients), so it is read once per
(file, cohort).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import streamlit as st

from thaldash.data.adverse_events import ENV, AdverseEvents, load_adverse_events, source_label
from thaldash.data.cohort import Cohort
from thaldash.ui.memo import memo, session_store
from thaldash.ui.caching import path_sha256
from thaldash.ui.data_source import problems_table, result_summary
from thaldash.ui.widgets import plain

UPLOAD_KEY = "thaldash.adverse_upload"
_NONCE = "thaldash.adverse_upload_nonce"


def configured_path(argv: list[str] | None = None) -> Path | None:
    """``--adverse-events PATH`` after ``streamlit run app.py --``, else ``THALDASH_ADVERSE_EVENTS``, else None."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--adverse-events", default=None)
    try:
        known, _ = parser.parse_known_args((sys.argv if argv is None else argv)[1:])
    except SystemExit:
        known = argparse.Namespace(adverse_events=None)
    if known.adverse_events:
        return Path(known.adverse_events).expanduser()
    env = os.environ.get(ENV, "").strip()
    return Path(env).expanduser() if env else None


@memo(max_entries=8)
def _load(sha256: str, name: str, cohort_key: str, _source: str | Path, _cohort: Cohort) -> AdverseEvents:
    """``load_adverse_events`` of the configured table once per (file content, cohort); the keys stand
    for the unhashed arguments. (Kept in this session only when the cohort is an upload.)"""
    return load_adverse_events(_source, name, patients=_cohort.patients)


def _load_upload(sha256: str, name: str, data: bytes, cohort: Cohort) -> AdverseEvents:
    """An uploaded table, checked once per (content, cohort) and kept in this browser session only."""
    store = session_store()
    key = ("adverse_events_upload", sha256, cohort.sha256)
    found, result = store.get(key)
    if not found:
        with st.spinner("Checking the adverse-events table…"):
            result = load_adverse_events(data, name, patients=cohort.patients)
        store.put(key, result, max_entries=4)
    return result


def current_adverse_events(cohort: Cohort) -> AdverseEvents | None:
    """This session's adverse-events table for ``cohort`` (the whole file's cohort), or None when none is given."""
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is not None:
        return _load_upload(upload["sha256"], upload["name"], upload["data"], cohort)
    path = configured_path()
    if path is None:
        return None
    return _load(path_sha256(path) or str(path), path.name, cohort.sha256, path, cohort)


def describe(result: AdverseEvents | None) -> str:
    """A caption naming the table in use (escaped)."""
    if result is None:
        return "No adverse-events table is given."
    if not result.ok:
        return f"The adverse-events table {plain(result.source_name)} cannot be used ({result_summary(result)})."
    return f"Adverse events from {plain(source_label(result))}: {len(result.events)} events."


def upload_panel(cohort: Cohort) -> None:
    """The second uploader: check a table against ``cohort`` and use it in this session when valid."""
    nonce = st.session_state.get(_NONCE, 0)
    uploaded = st.file_uploader("Upload an adverse-events table (CSV or Parquet)", type=["csv", "parquet"],
                                help="One row per event: patient_id, event, and optionally month, grade (CTCAE 1–5) "
                                     "and led_to_withdrawal. Kept in this browser session only.",
                                key=f"thaldash.adverse_uploader.{nonce}")
    current = st.session_state.get(UPLOAD_KEY)
    if uploaded is not None:
        data = uploaded.getvalue()
        sha = hashlib.sha256(data).hexdigest()
        if current is None or current["sha256"] != sha:
            result = _load_upload(sha, uploaded.name, data, cohort)
            if not result.ok:
                st.error(f"{plain(uploaded.name)} cannot be used ({result_summary(result)}). Every problem found:")
                problems_table(result)
                return
            st.session_state[UPLOAD_KEY] = {"name": uploaded.name, "data": data, "sha256": sha}
            current = st.session_state[UPLOAD_KEY]
    if current is not None:
        st.success(f"In use for this session: {plain(current['name'])}.")
        st.button("Stop using the uploaded adverse-events table", on_click=_drop, key="thaldash.adverse_drop")


def _drop() -> None:
    st.session_state.pop(UPLOAD_KEY, None)
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1
