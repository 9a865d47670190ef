"""Read a cohort file (Parquet or CSV) into a raw, untyped table, refusing what cannot be read.

The format is recognised from the bytes (Parquet files start and end with ``PAR1``), never
from the file name, so a CSV renamed ``.parquet`` is still read as CSV. Typing and checking
the values is ``thaldash.data.validation``'s job: a CSV is read as text, cell by cell, so that a
problem can quote the original text of the cell.

Only the contract's columns are read. A file is refused before it is parsed when its size,
rows or columns are beyond the limits below (a Parquet file from its footer, a CSV from its
raw bytes), so that one file cannot take the memory of the process that reads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from thaldash.data.io_csv import read_csv
from thaldash.data.io_parquet import Limits, read_parquet
from thaldash.data.schema import COLUMNS, Column

MAX_ROWS = 8_000_000  # 1,000,000 patients × 7 visits fit; a 10-million-row file is refused from its footer
# The contract has ~30 columns; an export with a few hundred others still loads, a 10,000-column file
# (a few MB of Parquet, minutes of parsing) or a header of millions of cells does not.
MAX_COLUMNS = 1_000
# What the contract's columns may take once decoded: 8,000,000 rows of every contract column take
# ~1.3 GiB; a Parquet "bomb" (a megabyte that decodes to gigabytes) is refused from its footer.
MAX_DECODED_BYTES = 2 * 1024**3
# A cohort file's footer is tens of kB (a 1,000-column file's, under 1 MB); parsing it costs memory too.
MAX_FOOTER_BYTES = 64 * 1024**2
MAX_CSV_BYTES = 500 * 1024 * 1024
# A Parquet file is compressed, so its size says little; this only stops absurd inputs
# from being read into memory before the row count in the footer can be checked.
MAX_PARQUET_BYTES = 4 * 1024 * 1024 * 1024

_PARQUET_MAGIC = b"PAR1"
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
        The contract's columns present in the source, in contract order, each once (the first
        of duplicated columns). CSV columns are text (``str``, empty string for an empty cell);
        Parquet columns keep their stored types (text as categoricals).
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
    extra_columns
        (name, stored type) of each column outside the contract, in file order: never read
        (no analysis uses them), named so that validation can say so. A CSV's type is "text".
    refused_columns
        (name, sentence) of each contract column not read because its stored type is not one
        the contract accepts (e.g. binary data in a text column).
    """

    frame: pd.DataFrame
    name: str
    sha256: str
    n_bytes: int
    format: Format
    duplicated_columns: tuple[str, ...] = ()
    extra_columns: tuple[tuple[str, str], ...] = ()
    refused_columns: tuple[tuple[str, str], ...] = ()


def read_table(source: str | Path | bytes, name: str | None = None, *,
               max_rows: int = MAX_ROWS, max_decoded_bytes: int | None = None,
               contract: Mapping[str, Column] = COLUMNS) -> RawTable:
    """Read the contract's columns of a Parquet or CSV cohort file without changing it.

    ``contract`` names the columns to read and their kinds, in order (the cohort's by default; the
    optional adverse-events table has its own); every other column is noted, never decoded.

    Parameters
    ----------
    source
        A path, or the file's bytes (e.g. an upload).
    name
        Display name; defaults to the file name, or "uploaded file" for bytes.
    max_rows
        Files with more rows are refused before they are parsed (Parquet from the footer, CSV
        from its line count).
    max_decoded_bytes
        Parquet files whose contract columns would take more memory once decoded are refused
        from the footer; None: ``MAX_DECODED_BYTES`` (a folder of centres passes what its earlier files left).

    Raises
    ------
    UnreadableFile
        Missing, empty, truncated, oversized, binary or malformed sources, and files beyond
        ``MAX_COLUMNS`` or ``MAX_DECODED_BYTES``; the message is a sentence naming the source
        and the reason.
    """
    data, display = _source_bytes(source, name)
    digest = hashlib.sha256(data).hexdigest()

    def refuse(reason: str) -> UnreadableFile:
        return UnreadableFile(f"{display}: {reason}", name=display, sha256=digest)

    if not data:
        raise refuse("the file is empty")
    refused: tuple[tuple[str, str], ...] = ()
    if data.startswith(_PARQUET_MAGIC):
        # None: the module's limit as it is when called (a test may lower it), not when this was defined.
        decoded = MAX_DECODED_BYTES if max_decoded_bytes is None else max_decoded_bytes
        limits = Limits(rows=max_rows, columns=MAX_COLUMNS, decoded_bytes=decoded,
                        footer_bytes=MAX_FOOTER_BYTES)
        parquet = read_parquet(data, limits, refuse, contract)
        frame, dups, extras, refused = parquet.frame, parquet.duplicated, parquet.extras, parquet.refused
        fmt: Format = "parquet"
    else:
        for magic, what in _OTHER_FORMATS:
            if data.startswith(magic):
                raise refuse(f"this is {what}, not a Parquet or CSV file")
        if len(data) > MAX_CSV_BYTES:
            raise refuse(f"the CSV file is {len(data) / 2**20:.0f} MB, above the "
                         f"{MAX_CSV_BYTES / 2**20:.0f} MB limit; convert it to Parquet")
        frame, dups, extras = read_csv(data, max_rows=max_rows, max_columns=MAX_COLUMNS, refuse=refuse,
                                         contract=contract)
        fmt = "csv"
    return RawTable(frame=frame, name=display, sha256=digest, n_bytes=len(data), format=fmt,
                    duplicated_columns=dups, extra_columns=extras, refused_columns=refused)


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
