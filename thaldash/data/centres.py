"""Several centres as one checked table: each file read and validated on its own, then joined.

The identity rule: patient ids are unique within a centre, not across centres. With more than one
centre, a patient's id in the cohort is ``CENTRE/ID`` (``keyed``), so grading, tables, links and
exports keep two ``P0001`` apart without any of them knowing about centres; ``centre`` and
``centre_patient_id`` (the file's own id) stay as patient-level columns. With one centre (or a single
file without a ``centre`` column) the ids are the file's, exactly as before.

Every file is read with ``io.read_table`` (contract columns only, bounded) and checked with
``validation.validate``; its problems carry its name in ``file``. The limits on rows, decoded memory
and bytes hold for the folder as a whole: each file is read with what the files before it left. One
file with an error refuses the whole folder; every file is still checked, so that every problem of
every file is reported at once (the typed tables are dropped as soon as the load is known to fail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.io import MAX_CSV_BYTES, MAX_DECODED_BYTES, MAX_PARQUET_BYTES, MAX_ROWS, UnreadableFile, read_table
from thaldash.data.io_parquet import size_text
from thaldash.data.schema import CENTRE_ID, CENTRE_SEPARATOR
from thaldash.data.sources import Folder, Part, folder_digest
from thaldash.data.validation import validate
from thaldash.data.validation_problems import CAP, PROBLEM_COLUMNS, UNSAFE_CHARACTERS, empty_problems


@dataclass(frozen=True, eq=False)
class FolderTable:
    """The outcome of ``read_folder``.

    Attributes
    ----------
    frame
        The typed rows of every file (``validation.Validation.frame``'s columns, ``centre`` always
        present), patients keyed by ``keyed``; None when any file has an error or cannot be read.
    problems
        Every file's problems (``PROBLEM_COLUMNS``; ``file`` names the file), errors first, then the
        problems across files (a patient in two files) and the folder's (a limit reached).
    name, sha256
        The folder's display name and ``sources.folder_digest`` of its files.
    files
        The files read, as named in ``file``; ``skipped``: those not read.
    n_errors, n_warnings
        Problems found, counting those beyond the per-kind cap of ``problems``.
    unreadable
        A file (or the folder) could not be read as a table at all.
    """

    frame: pd.DataFrame | None
    problems: pd.DataFrame
    name: str
    sha256: str
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    n_errors: int
    n_warnings: int
    unreadable: bool


def read_folder(folder: Folder) -> FolderTable:
    """Read and check every file of ``folder``, and join them into one table of patients keyed by centre."""
    problems: list[pd.DataFrame] = [_skipped(folder.skipped)]
    frames: list[tuple[str, pd.DataFrame]] = []
    digests: list[tuple[str, str]] = []
    rows = decoded = csv_bytes = total_bytes = n_errors = 0
    n_warnings = len(folder.skipped)
    unreadable = False
    for part in folder.parts:
        size = len(part.source) if isinstance(part.source, bytes) else _size(part.source)
        total_bytes += size
        if total_bytes > MAX_PARQUET_BYTES:
            problems.append(_error(part.name, f"the folder's files take {total_bytes / 2**20:,.0f} MB with this one, "
                                              f"above the {MAX_PARQUET_BYTES / 2**20:,.0f} MB limit for a cohort"))
            n_errors, unreadable = n_errors + 1, True
            break
        try:
            raw = read_table(part.source, part.name, max_rows=MAX_ROWS - rows,
                             max_decoded_bytes=MAX_DECODED_BYTES - decoded)
        except UnreadableFile as exc:
            shared = (f"; the folder's files share one limit ({MAX_ROWS:,} rows, {size_text(MAX_DECODED_BYTES)} "
                      f"decoded) and the files before this one hold {rows:,} rows" if rows and _a_shared_limit(str(exc))
                      else "")
            problems.append(_error(part.name, f"{exc}{shared}"))
            digests.append((part.name, exc.sha256))
            n_errors, unreadable = n_errors + 1, True
            frames.clear()
            continue
        digests.append((part.name, raw.sha256))
        rows += len(raw.frame)
        decoded += int(raw.frame.memory_usage(deep=True).sum())
        csv_bytes += raw.n_bytes if raw.format == "csv" else 0
        if csv_bytes > MAX_CSV_BYTES:
            problems.append(_error(part.name, f"the folder's CSV files take {csv_bytes / 2**20:,.0f} MB with this one, "
                                              f"above the {MAX_CSV_BYTES / 2**20:,.0f} MB limit; convert them to Parquet"))
            n_errors, unreadable = n_errors + 1, True
            break
        checked = validate(raw)
        del raw
        problems.append(checked.problems.assign(file=part.name))
        n_errors, n_warnings = n_errors + checked.n_errors, n_warnings + checked.n_warnings
        frame = None if checked.frame is None else _with_centre(checked.frame, part)
        if isinstance(frame, pd.DataFrame) and not n_errors:
            frames.append((part.name, frame))
        else:
            if isinstance(frame, str):
                problems.append(_error(part.name, frame, column="centre"))
                n_errors += 1
            frames.clear()  # the load fails: keep checking the files, not their rows
    names = tuple(name for name, _ in digests)
    if not n_errors:
        across, count = _patients_in_two_files(frames)
        problems.append(across)
        n_errors += count
    table = None
    if not n_errors:
        table = keyed(_concat([frame for _, frame in frames]))
    frames.clear()
    found = pd.concat(problems, ignore_index=True)[list(PROBLEM_COLUMNS)].astype("str")
    found = found.iloc[np.argsort((found["severity"] != "error").to_numpy(), kind="stable")].reset_index(drop=True)
    return FolderTable(table, found, folder.name, folder_digest(digests), names, folder.skipped, n_errors,
                       n_warnings, unreadable)


def keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``patient_id`` as ``CENTRE/ID`` when its ``centre`` column names several centres.

    The file's own id is kept in ``centre_patient_id``. With one centre (or no ``centre`` column) the
    frame is returned as it is. Both id columns are categoricals with sorted categories, as validation
    types text. ``frame`` is not changed.
    """
    if "centre" not in frame or frame["centre"].nunique(dropna=True) <= 1:
        return frame
    centre, pid = frame["centre"].astype("category"), frame["patient_id"].astype("category")
    c_codes, p_codes = centre.cat.codes.to_numpy(np.int64), pid.cat.codes.to_numpy(np.int64)
    n_ids = max(len(pid.cat.categories), 1)
    pairs, inverse = np.unique(c_codes * n_ids + p_codes, return_inverse=True)
    labels = joined(centre.cat.categories.to_numpy(dtype=object)[pairs // n_ids],
                    pid.cat.categories.to_numpy(dtype=object)[pairs % n_ids])
    order, categories = pd.factorize(labels, sort=True)  # sorted, like every other text column of the cohort
    codes = order[inverse.reshape(-1)]
    key = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(categories, dtype="str")))
    return frame.assign(patient_id=pd.Series(key, index=frame.index), **{CENTRE_ID: pid})


def joined(centres: np.ndarray, ids: np.ndarray) -> pd.Series:
    """"CENTRE/ID" for each pair of the two arrays of text, vectorised (a million patients: no Python loop)."""
    left = pd.Series(centres, dtype="str")
    return left.str.cat(pd.Series(ids, dtype="str"), sep=CENTRE_SEPARATOR)


def _with_centre(frame: pd.DataFrame, part: Part) -> pd.DataFrame | str:
    """The file's rows with their ``centre``, or a sentence saying why the file's centre cannot be used."""
    if "centre" in frame:
        if not part.partitioned:
            return frame  # the file's own column wins over its name
        other = sorted({str(c) for c in frame["centre"].dropna().unique()} - {part.centre})
        if other:
            return (f"the file's centre column says {', '.join(repr(c) for c in other[:3])} but the file is in the "
                    f"folder centre={part.centre}; make them agree or drop the column")
        return frame
    if not part.centre or UNSAFE_CHARACTERS.search(part.centre):
        return ("the file's name gives no usable centre (it is empty or has control characters); rename the file "
                "or add a centre column")
    centre = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8),
                                       dtype=pd.CategoricalDtype(pd.Index([part.centre], dtype="str")))
    return frame.assign(centre=pd.Series(centre, index=frame.index))


def _patients_in_two_files(frames: list[tuple[str, pd.DataFrame]]) -> tuple[pd.DataFrame, int]:
    """An error per (centre, patient) whose rows are in more than one file, and their number."""
    if len(frames) < 2:
        return empty_problems(), 0
    seen = pd.concat([f[["centre", "patient_id"]].drop_duplicates().astype("str").assign(file=name)
                      for name, f in frames], ignore_index=True)
    twice = seen[seen.duplicated(["centre", "patient_id"], keep=False)]
    if twice.empty:
        return empty_problems(), 0
    grouped = twice.groupby(["centre", "patient_id"], sort=True)["file"].agg(", ".join).reset_index()
    rows = [{"severity": "error", "file": files.split(", ")[0], "column": "patient_id",
             "patient_id": f"{c}{CENTRE_SEPARATOR}{p}", "value": p,
             "problem": f"the patient's rows are in more than one file ({files}); a patient's rows must all be "
                        "in one file"} for c, p, files in grouped.head(CAP).itertuples(index=False)]
    if len(grouped) > CAP:
        rows.append({"severity": "error", "file": "", "column": "patient_id", "patient_id": "", "value": "",
                     "problem": f"… and {len(grouped) - CAP:,} more patients whose rows are in more than one file"})
    return pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)), len(grouped)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other; each text column one categorical over every file's values (sorted)."""
    if len(frames) == 1:
        return frames[0]
    names = list(dict.fromkeys(c for f in frames for c in f.columns))
    dtypes = {}
    for name in names:
        kinds = [f[name].dtype for f in frames if name in f]
        if any(isinstance(k, pd.CategoricalDtype) for k in kinds):
            parts = [(f[name].cat.categories if isinstance(f[name].dtype, pd.CategoricalDtype)
                      else pd.Index(f[name].dropna().astype("str").unique())).to_numpy(dtype=object)
                     for f in frames if name in f]
            values = pd.Index(np.concatenate(parts), dtype="str").unique().sort_values()  # vectorised, no Python set
            dtypes[name] = pd.CategoricalDtype(values)
    aligned = []
    for frame in frames:
        # Recoding a categorical to the union of categories maps its few categories, not its rows.
        columns = {n: (frame[n].astype(dtypes[n]) if n in frame else pd.Series(pd.Categorical.from_codes(
                       np.full(len(frame), -1, dtype=np.int8), dtype=dtypes[n]), index=frame.index))
                   for n in dtypes}
        missing = {n: pd.Series(np.nan, index=frame.index, dtype="float64") for n in names
                   if n not in frame and n not in dtypes}
        aligned.append(frame.assign(**columns, **missing)[names])
    return pd.concat(aligned, ignore_index=True)


def _a_shared_limit(refusal: str) -> bool:
    """The refusal is for the rows or the decoded memory, the limits a folder's files share."""
    return ("rows" in refusal and "above the limit of" in refusal) or "once decoded" in refusal


def _size(path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_table says why the file cannot be opened


def _error(file: str, problem: str, *, column: str = "") -> pd.DataFrame:
    return pd.DataFrame([{"severity": "error", "file": file, "column": column, "patient_id": "", "value": "",
                          "problem": problem}], columns=list(PROBLEM_COLUMNS))


def _skipped(names: tuple[str, ...]) -> pd.DataFrame:
    rows = [{"severity": "warning", "file": name, "column": "", "patient_id": "", "value": "",
             "problem": "not read: not a Parquet or CSV file (.parquet, .csv) of the folder"} for name in names]
    return pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)) if rows else empty_problems()
