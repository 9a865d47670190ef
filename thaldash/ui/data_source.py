"""Which file the app shows, and the upload that can replace it for one browser session.

Precedence: a valid upload held in this session (bytes in ``st.session_state``, never written to
disk, never seen by other sessions) > ``streamlit run app.py -- --data PATH`` > the
``THALDASH_DATA`` environment variable > the bundled cohort. ``PATH`` may be a file or a folder of
centres (``thaldash.data.sources``); an upload may be several files, one per centre.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import streamlit as st

from thaldash.data.adverse_events import AdverseEvents
from thaldash.data.loading import DATA_ENV, LoadResult, bundled_cohort_path
from thaldash.data.schema import data_dictionary_markdown, upload_help_text
from thaldash.data.sources import folder_digest, upload_parts
from thaldash.ui import caching
from thaldash.ui.widgets import plain

SourceKind = Literal["upload", "--data", "env", "bundled"]
UPLOAD_KEY = "thaldash.upload"
_UPLOADER_NONCE = "thaldash.upload_nonce"
KIND_TEXT: dict[str, str] = {
    "upload": "uploaded in this browser session",
    "--data": "given with --data",
    "env": f"named by {DATA_ENV}",
    "bundled": "bundled cohort",
}


@dataclass(frozen=True)
class Source:
    """The data source of this run.

    Attributes
    ----------
    name
        File name shown in captions and export footers.
    sha256
        Hex digest of the file's bytes ("" when it could not be read).
    kind
        "upload", "--data", "env" or "bundled".
    """

    name: str
    sha256: str
    kind: SourceKind

    @property
    def short_sha(self) -> str:
        return self.sha256[:12] if self.sha256 else "unreadable"

    def describe(self) -> str:
        """E.g. "cohort.parquet (bundled cohort, sha256 1a5a044a5b55)"."""
        return f"{self.name} ({KIND_TEXT[self.kind]}, sha256 {self.short_sha})"


def cli_data_path(argv: list[str] | None = None) -> Path | None:
    """The ``--data PATH`` given after ``streamlit run app.py --``; other arguments are ignored."""
    return _data_argument(tuple(sys.argv if argv is None else argv))


@functools.lru_cache(maxsize=4)  # read on every rerun; the server's arguments do not change
def _data_argument(argv: tuple[str, ...]) -> Path | None:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--data", default=None)
    try:
        known, _ = parser.parse_known_args(list(argv[1:]))
    except SystemExit:  # "--data" without a value: treat as not given rather than stopping the app
        return None
    return Path(known.data).expanduser() if known.data else None


def configured_path() -> tuple[Path, SourceKind]:
    """The file the server was started with (``--data``, else ``THALDASH_DATA``, else bundled)."""
    given = cli_data_path()
    if given is not None:
        return given, "--data"
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env).expanduser(), "env"
    return bundled_cohort_path(), "bundled"


def load_current() -> tuple[Source, LoadResult]:
    """Resolve this run's source and load it (cached by content hash)."""
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is not None:
        result = caching.load_upload(upload["sha256"], upload["name"], upload["data"])
        return Source(upload["name"], upload["sha256"], "upload"), result
    path, kind = configured_path()
    sha = caching.path_sha256(path)
    result = caching.load(sha, path.name, path)
    return Source(result.source_name or path.name, result.sha256 or sha, kind), result


def problems_table(result: LoadResult | AdverseEvents) -> None:
    """The validation problems (of the cohort, or of the adverse-events table) as a table of plain text (never
    interpreted as markup); the ``file`` column only for a folder of centres."""
    problems = result.problems.astype("str")
    if not isinstance(result, LoadResult) or not result.files:  # one file: every problem is in it
        problems = problems.drop(columns="file", errors="ignore")
    widths = {"severity": 70, "file": "small", "column": "small", "patient_id": "small", "value": "small",
              "problem": "large"}
    st.dataframe(problems, hide_index=True, width="stretch",
                 column_config={c: st.column_config.TextColumn(c, width=widths.get(c)) for c in problems.columns})
    shown = len(problems)
    counted = result.n_errors + result.n_warnings
    if counted > shown:
        st.caption(f"{shown} rows shown of {counted} problems found (repeated problems are summarised).")


def result_summary(result: LoadResult) -> str:
    """One sentence: how many errors and warnings."""
    return f"{result.n_errors} error(s), {result.n_warnings} warning(s)"


def upload_panel(*, key: str = "data") -> None:
    """File uploader: validate the file, show every problem, and make a valid file this session's data.

    An invalid file never replaces the current data. A valid one does, for this browser session
    only, and the page reruns so that every number on it comes from the new file.
    """
    nonce = st.session_state.get(_UPLOADER_NONCE, 0)
    uploaded = st.file_uploader("Upload a cohort file (Parquet or CSV), or one file per centre", type=["parquet", "csv"],
                                help=upload_help_text(), key=f"thaldash.uploader.{key}.{nonce}",
                                accept_multiple_files=True)
    if not uploaded:
        return
    name, data, sha = uploaded_source([(f.name, f.getvalue()) for f in uploaded])
    current = st.session_state.get(UPLOAD_KEY)
    if current is not None and current["sha256"] == sha:
        st.success(f"In use for this session: {plain(name)}.")
        return
    result = caching.load_upload(sha, name, data)
    if not result.ok:
        st.error(f"{plain(name)} cannot be used ({result_summary(result)}); the current data "
                 "stay in place. Every problem found:")
        problems_table(result)
        return
    st.session_state[UPLOAD_KEY] = {"name": name, "data": data, "sha256": sha}
    st.rerun()


def uploaded_source(files: list[tuple[str, bytes]]) -> tuple[str, bytes | tuple[tuple[str, bytes], ...], str]:
    """(name, data, sha256) of an upload: one file's bytes, or several files, each a centre, as (name, bytes)
    pairs in name order with the folder's digest (``sources.folder_digest``, as its load computes it)."""
    if len(files) == 1:
        name, data = files[0]
        return name, data, hashlib.sha256(data).hexdigest()
    pairs = tuple(sorted(files))
    digest = folder_digest((name, hashlib.sha256(data).hexdigest()) for name, data in pairs)
    return upload_parts(pairs).name, pairs, digest


def return_to_default_button() -> None:
    """A button that drops this session's upload and returns to the configured data."""
    if st.session_state.get(UPLOAD_KEY) is None:
        return
    path, kind = configured_path()
    label = "Return to the bundled cohort" if kind == "bundled" else f"Return to {path.name}"
    st.button(label, on_click=_drop_upload, key="thaldash.return_to_default")


def _drop_upload() -> None:
    st.session_state.pop(UPLOAD_KEY, None)
    # A new uploader key empties the widget, which would otherwise hand the same file back.
    st.session_state[_UPLOADER_NONCE] = st.session_state.get(_UPLOADER_NONCE, 0) + 1



@functools.cache  # drawn on every rerun of the Data page; the contract is fixed for the process
def contract_markdown() -> str:
    """The data contract as Markdown to embed in a page: headings one level down the page's own,
    without the "generated by" HTML comment (which Markdown without HTML would print as text)."""
    lines = [line for line in data_dictionary_markdown().splitlines() if not line.startswith("<!--")]
    return "\n".join(re.sub(r"^(#+) ", r"###\1 ", line) for line in lines)
