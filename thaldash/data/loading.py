"""One call from a file (or uploaded bytes) to a ``Cohort``, with every problem as a table.

This is the entry point for the app and the CLI: ``load_cohort`` never raises for bad input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thaldash import DATA_DIR
from thaldash.data.cohort import Cohort, build_cohort
from thaldash.data.io import UnreadableFile, read_table
from thaldash.data.memory import release_memory
from thaldash.data.validation import validate
from thaldash.data.checks import PROBLEM_COLUMNS, empty_problems

DATA_ENV = "THALDASH_DATA"


@dataclass(frozen=True, eq=False)
class LoadResult:
    """The outcome of ``load_cohort``.

    Attributes
    ----------
    cohort
        The validated cohort, or ``None`` when the file is unreadable or has errors.
    problems
        Columns ``severity``, ``column``, ``patient_id``, ``value``, ``problem`` (see
        ``thaldash.data.validation.Validation``); errors first. An unreadable file gives one
        error row with ``column`` "" and the reason as ``problem``.
    source_name
        Display name of the source.
    sha256
        Hex digest of the source bytes ("" when nothing could be read).
    unreadable
        True when the source could not be read as a table at all.
    n_errors, n_warnings
        Number of problems found, counting those beyond the per-kind cap of ``problems``.
    """

    cohort: Cohort | None
    problems: pd.DataFrame
    source_name: str
    sha256: str
    unreadable: bool = False
    n_errors: int = 0
    n_warnings: int = 0

    @property
    def ok(self) -> bool:
        """True when a cohort was loaded (warnings allowed)."""
        return self.cohort is not None


def load_cohort(source: str | Path | bytes, name: str | None = None) -> LoadResult:
    """Read, validate and assemble a cohort; never raises for bad input.

    Parameters
    ----------
    source
        Path to a Parquet or CSV file, or its bytes (e.g. an upload).
    name
        Display name; defaults to the file name, or "uploaded file" for bytes.
    """
    try:
        return _load(source, name)
    finally:
        release_memory()


def _load(source: str | Path | bytes, name: str | None) -> LoadResult:
    fallback = name or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    try:
        raw = read_table(source, name)
    except UnreadableFile as exc:
        return LoadResult(None, _one_error(str(exc)), exc.name or fallback, exc.sha256,
                          unreadable=True, n_errors=1)
    shown, digest = raw.name, raw.sha256
    try:
        checked = validate(raw)
        problems, n_errors, n_warnings = checked.problems, checked.n_errors, checked.n_warnings
        # Hand the typed frame over: with no other reference left here, build_cohort frees each column
        # of the file as soon as it has its place in the cohort (a million patients need that memory).
        handed = [checked.frame]
        del raw, checked
        cohort = None if handed[0] is None else build_cohort(handed.pop(), source_name=shown, sha256=digest)
    except Exception as exc:  # a bug, not bad data; still one sentence rather than a traceback
        message = f"internal error while checking the file ({type(exc).__name__}: {exc}); please report it"
        return LoadResult(None, _one_error(message), shown, digest, n_errors=1)
    return LoadResult(cohort, problems, shown, digest, n_errors=n_errors, n_warnings=n_warnings)


def _one_error(message: str) -> pd.DataFrame:
    row = dict.fromkeys(PROBLEM_COLUMNS, "") | {"severity": "error", "problem": message}
    return pd.concat([empty_problems(), pd.DataFrame([row])], ignore_index=True).astype("str")


def bundled_cohort_path() -> Path:
    """``data/cohort.parquet`` of the repository (the cohort shipped with the app)."""
    return DATA_DIR / "cohort.parquet"


def default_data_path() -> Path:
    """The file named by the ``THALDASH_DATA`` environment variable if set, else the bundled cohort."""
    configured = os.environ.get(DATA_ENV, "").strip()
    return Path(configured).expanduser() if configured else bundled_cohort_path()
