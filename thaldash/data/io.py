"""Read a cohort file (Parquet or CSV) into a raw, untyped table, refusing what cannot be read.

The format is recognised from the bytes (Parquet files start and end with ``PAR1``), never
from the file name, so a CSV renamed ``.parquet`` is still read as CSV. Typing and checking
the values is ``thaldash.data.validation``'s job: a CSV is read as text, cell by cell, so that a
problem can quote the original text of the cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from thaldash.data.schema import CONTRACT

MAX_ROWS = 8_000_000  # 1,000,000 patients × 7 visits fit; a 10-million-row file is refused from its footer
MAX_CSV_BYTES = 500 * 1024 * 1024
# A Parquet file is compressed, so its size says little; this only stops absurd inputs
# from being read into memory before the row count in the footer can be checked.
MAX_PARQUET_BYTES = 4 * 1024 * 1024 * 1024
# Columns outside the contract are read from a Parquet file only while they are cheap (their
# decoded size, from the footer): no analysis uses them, and a wide export of a large cohort
# would otherwise double the memory the app needs. Left-out columns are named in a warning.
MAX_EXTRA_BYTES = 64 * 1024 * 1024

_PARQUET_MAGIC = b"PAR1"
_GENERATED_INDEX = re.compile(r"__index_level_\d+__")
# Signatures of files people upload by mistake, so the refusal can name what they uploaded.
_OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx); export the sheet as CSV or Parquet"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file (.xls/.doc); export the sheet as CSV or Parquet"),
    (b"ARROW1", "an Arrow/Feather file; write it as Parquet"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"%PDF", "a PDF document"),
    (b"SQLite format 3", "an SQLite database"),
)

Format = Literal["parquet", "csv"]


class UnreadableFile(ValueError):
    """The source cannot be read as a table; the message is one sentence for the user.

    Attributes
    ----------
    name
        The source's display name.
    sha256
        Hex digest of the bytes that were read, or "" when nothing could be read.
    """

    def __init__(self, message: str, *, name: str = "", sha256: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.sha256 = sha256


@dataclass(frozen=True, eq=False)
class RawTable:
    """A table as read from the source, before any typing or checking.

    Attributes
    ----------
    frame
        Contract columns first (in contract order), then extra columns in file order; each
        name once (the first of duplicated columns is kept). CSV columns are text (``str``,
        empty string for an empty cell); Parquet columns keep their stored types.
    name
        Display name of the source (file name, or the name given for bytes).
    sha256
        Hex digest of the source bytes.
    n_bytes
        Size of the source in bytes.
    format
        "parquet" or "csv", recognised from the content.
    duplicated_columns
        Column names that occur more than once in the source, in first-seen order.
    skipped_columns
        Columns outside the contract that were not read (a large Parquet file; see
        ``MAX_EXTRA_BYTES``), in file order.
    """

    frame: pd.DataFrame
    name: str
    sha256: str
    n_bytes: int
    format: Format
    duplicated_columns: tuple[str, ...] = ()
    skipped_columns: tuple[str, ...] = ()


def read_table(source: str | Path | bytes, name: str | None = None, *,
               max_rows: int = MAX_ROWS) -> RawTable:
    """Read a Parquet or CSV cohort file without changing it.

    Parameters
    ----------
    source
        A path, or the file's bytes (e.g. an upload).
    name
        Display name; defaults to the file name, or "uploaded file" for bytes.
    max_rows
        Files with more rows are refused (a Parquet file from its footer, before reading).

    Raises
    ------
    UnreadableFile
        Missing, empty, truncated, oversized, binary or malformed sources; the message is a
        sentence naming the source and the reason.
    """
    data, display = _source_bytes(source, name)
    digest = hashlib.sha256(data).hexdigest()

    def refuse(reason: str) -> UnreadableFile:
        return UnreadableFile(f"{display}: {reason}", name=display, sha256=digest)

    if not data:
        raise refuse("the file is empty")
    skipped: tuple[str, ...] = ()
    if data.startswith(_PARQUET_MAGIC):
        frame, dups, skipped = _read_parquet(data, max_rows, refuse)
        fmt: Format = "parquet"
    else:
        for magic, what in _OTHER_FORMATS:
            if data.startswith(magic):
                raise refuse(f"this is {what}, not a Parquet or CSV file")
        if len(data) > MAX_CSV_BYTES:
            raise refuse(f"the CSV file is {len(data) / 2**20:.0f} MB, above the "
                         f"{MAX_CSV_BYTES / 2**20:.0f} MB limit; convert it to Parquet")
        frame, dups = _read_csv(data, max_rows, refuse)
        fmt = "csv"
    return RawTable(frame=_project(frame), name=display, sha256=digest, n_bytes=len(data),
                    format=fmt, duplicated_columns=dups, skipped_columns=skipped)


def _source_bytes(source: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "uploaded file"
    path = Path(source)
    display = name or path.name or str(path)
    if not path.exists():
        raise UnreadableFile(f"{display}: no such file ({path})", name=display)
    if not path.is_file():
        raise UnreadableFile(f"{display}: not a regular file ({path})", name=display)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:  # read-only: the source is never written
            head = handle.read(len(_PARQUET_MAGIC))
            limit = MAX_PARQUET_BYTES if head == _PARQUET_MAGIC else MAX_CSV_BYTES
            if size > limit:
                kind = "Parquet" if head == _PARQUET_MAGIC else "CSV"
                raise UnreadableFile(f"{display}: the {kind} file is {size / 2**20:.0f} MB, above the "
                                     f"{limit / 2**20:.0f} MB limit", name=display)
            return head + handle.read(), display
    except OSError as exc:
        raise UnreadableFile(f"{display}: cannot be opened ({exc.strerror or exc})", name=display) from None


def _read_parquet(data: bytes, max_rows: int, refuse) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    if len(data) < 12 or not data.endswith(_PARQUET_MAGIC):
        raise refuse("the Parquet file is truncated (its footer is missing); copy or export it again")
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        n_rows = parquet.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise refuse(f"the Parquet file is damaged and cannot be read ({_first_line(exc)})") from None
    if n_rows > max_rows:
        raise refuse(f"the file has {n_rows:,} rows, above the limit of {max_rows:,} rows")
    names = list(parquet.schema_arrow.names)
    try:
        labels = _label_columns(parquet)
        if labels:  # decoded as dictionary codes: a label stored once per distinct value, not per row
            parquet = pq.ParquetFile(pa.BufferReader(data), read_dictionary=labels)
        skipped = _costly_extras(parquet, names)
        # Arrow keeps duplicated names; keep the first of each so pandas gets unique columns.
        keep = [i for i, n in enumerate(names) if n not in names[:i] and n not in skipped]
        if len(set(names)) == len(names):
            keep = [i for i in keep if not _GENERATED_INDEX.fullmatch(names[i])]  # pandas' unnamed index
            # One column at a time, each handed to pandas before the next is decoded: the peak is the
            # frame plus one column, not the frame plus the whole Arrow table.
            frame = pd.concat([_column(parquet, names[i]) for i in keep], axis=1) if keep else pd.DataFrame()
        else:
            table = parquet.read()
            table.validate(full=True)
            frame = table.select(keep).to_pandas()
            del table
        pa.default_memory_pool().release_unused()  # give the decoding buffers back to the system
        # pandas stores a named index (e.g. ``set_index("patient_id")``) apart from the columns.
        named = [n for n in frame.index.names if n is not None and n not in frame.columns]
        frame = (frame.reset_index(level=named) if named else frame).reset_index(drop=True)
    except Exception as exc:  # noqa: BLE001 - any failure here means a damaged file (e.g. bad pandas metadata)
        raise refuse(f"the Parquet file is damaged and cannot be read ({_first_line(exc)})") from None
    return frame, _duplicates(names), skipped


def _column(parquet: pq.ParquetFile, name: str) -> pd.DataFrame:
    """One column of ``parquet`` as a pandas frame (the file's pandas metadata applied)."""
    table = parquet.read(columns=[name])
    # A damaged page can decode into invalid UTF-8 that only fails later, inside a string operation.
    table.validate(full=True)
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    # A column that pandas wrote as a named index comes back as the index; make it a column again.
    return (frame.reset_index() if frame.shape[1] == 0 else frame).reset_index(drop=True)


def _label_columns(parquet: pq.ParquetFile) -> list[str]:
    """Contract text columns stored as Parquet strings (read as pandas categoricals).

    A million patients repeat a handful of genotype and type labels seven million times;
    dictionary decoding keeps one copy of each distinct label plus an integer code per row.
    """
    text = {c.name for c in CONTRACT if c.kind == "string"}
    schema = parquet.schema_arrow
    return [field.name for field in schema if field.name in text
            and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))]


def _costly_extras(parquet: pq.ParquetFile, names: list[str]) -> tuple[str, ...]:
    """Columns outside the contract, when together they decode to more than ``MAX_EXTRA_BYTES``."""
    contract = {c.name for c in CONTRACT}
    extras = [i for i, n in enumerate(names) if n not in contract]
    if not extras:
        return ()
    meta = parquet.metadata
    # Leaf columns map to top-level names by their path's first element (nested columns too).
    sizes: dict[str, int] = {}
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            top = chunk.path_in_schema.split(".")[0]
            sizes[top] = sizes.get(top, 0) + chunk.total_uncompressed_size
    extra_names = list(dict.fromkeys(names[i] for i in extras))
    if sum(sizes.get(n, 0) for n in extra_names) <= MAX_EXTRA_BYTES:
        return ()
    return tuple(extra_names)


def _read_csv(data: bytes, max_rows: int, refuse) -> tuple[pd.DataFrame, tuple[str, ...]]:
    if b"\x00" in data:
        raise refuse("this is a binary file, not a Parquet or CSV file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(f"this is not a UTF-8 text file (byte 0x{data[exc.start]:02x} at position "
                     f"{exc.start}); save the CSV as UTF-8, or use Parquet") from None
    if not text.strip():
        raise refuse("the file contains no text")
    try:
        # pandas renames a repeated header "a" to "a.1"; read the header ourselves to see it.
        header = next(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except (csv.Error, StopIteration) as exc:
        raise refuse(f"the CSV header cannot be read ({exc})") from None
    # A trailing delimiter gives a nameless column; name it by position rather than "" or "Unnamed: 3".
    header = [h.strip() or f"unnamed_{i + 1}" for i, h in enumerate(header)]
    try:
        with warnings.catch_warnings():
            # Rows longer than the header would otherwise be shifted or silently truncated.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=_delimiter(text), dtype=str, keep_default_na=False,
                                na_filter=False, skip_blank_lines=True, index_col=False, engine="c")
    except pd.errors.ParserWarning:
        raise refuse("some rows have more cells than the header has columns") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise refuse(f"the CSV cannot be parsed ({_first_line(exc)})") from None
    if len(frame) > max_rows:
        raise refuse(f"the file has {len(frame):,} rows, above the limit of {max_rows:,} rows")
    if len(header) == frame.shape[1]:
        frame = frame.set_axis(header, axis=1)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    return frame, _duplicates(header)


def _delimiter(text: str) -> str:
    # Spreadsheets in decimal-comma locales write ';'-separated CSV; the cells then say "9,5",
    # which validation reports as a decimal comma rather than as a garbled table.
    first = text.split("\n", 1)[0]
    if "," not in first:
        for sep in (";", "\t"):
            if sep in first:
                return sep
    return ","


def _project(frame: pd.DataFrame) -> pd.DataFrame:
    contract = [c.name for c in CONTRACT if c.name in frame.columns]
    extras = [c for c in frame.columns if c not in set(contract)]
    return frame[contract + extras]


def _duplicates(names: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    dups: list[str] = []
    for n in names:
        if n in seen and n not in dups:
            dups.append(n)
        seen.add(n)
    return tuple(dups)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
