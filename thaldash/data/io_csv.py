"""Read the contract's columns of a CSV file, with the header and the line count checked first.

A CSV is refused before it is parsed when it is binary, not UTF-8, has more columns in its header than
``max_columns`` or more lines than ``max_rows``; then only the contract's columns are parsed, in slices,
so a wide file costs a slice, not the file (``data.io.read_table`` calls it).
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from collections.abc import Mapping

import pandas as pd

from thaldash.data.io_parquet import first_line
from thaldash.data.schema import Column

# A CSV is parsed in slices of about this many cells, so a wide file costs a slice, not the file.
_CSV_CELLS_PER_SLICE = 2_000_000
_UTF8_BLOCK = 16 * 1024**2


def read_csv(data: bytes, *, max_rows: int, max_columns: int, refuse, contract: Mapping[str, Column]
             ) -> tuple[pd.DataFrame, tuple[str, ...], tuple[tuple[str, str], ...]]:
    if b"\x00" in data:
        raise refuse("this is a binary file, not a Parquet or CSV file")
    _check_utf8(data, refuse)
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if not body or body.isspace() or (len(body) < 4096 and not body.decode("utf-8").strip()):
        raise refuse("the file contains no text")
    # Counted on the raw bytes, before any parsing: a header of millions of cells, or millions of
    # lines beyond the row limit, would otherwise take gigabytes to parse only to be refused.
    end = _first_line_end(body)
    sep = _delimiter(body, end)
    if body.count(sep.encode(), 0, end) + 1 > max_columns:
        raise refuse(f"the header has {body.count(sep.encode(), 0, end) + 1:,} columns, above the limit of "
                     f"{max_columns:,}; the contract has {len(contract)}: write those (and few others) to the file")
    lines = _line_count(body)
    if lines - 1 > max_rows:
        raise refuse(f"the file has {lines - 1:,} lines after the header, above the limit of {max_rows:,} rows")
    try:
        # pandas renames a repeated header "a" to "a.1"; read the header ourselves to see it.
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        header = next(csv.reader(text, delimiter=sep))
    except (csv.Error, StopIteration) as exc:
        raise refuse(f"the CSV header cannot be read ({exc})") from None
    # A trailing delimiter gives a nameless column; name it by position rather than "" or "Unnamed: 3".
    header = [h.strip() or f"unnamed_{i + 1}" for i, h in enumerate(header)]
    wanted = {n: i for i, n in reversed(list(enumerate(header))) if n in contract}  # first of each
    keep = [name for name in contract if name in wanted]
    frame = _csv_columns(data, sep, [wanted[n] for n in keep], max(1, _CSV_CELLS_PER_SLICE // len(header)), refuse)
    if len(frame) > max_rows:
        raise refuse(f"the file has {len(frame):,} rows, above the limit of {max_rows:,} rows")
    extras = tuple((n, "text") for n in dict.fromkeys(header) if n not in contract)
    return frame.set_axis(keep, axis=1), _duplicates(header), extras


def _csv_columns(data: bytes, sep: str, positions: list[int], rows_per_slice: int, refuse) -> pd.DataFrame:
    """Columns ``positions`` of the CSV as text, parsed a slice of rows at a time.

    pandas parses every cell of a row (which is how rows longer than the header are noticed),
    but only the slice at hand is held in memory; the kept columns are joined one at a time.
    """
    pieces: list[list[pd.Series]] = [[] for _ in positions]
    n_rows = 0
    try:
        with warnings.catch_warnings():
            # Rows longer than the header would otherwise be shifted or silently truncated.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            with pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                             skip_blank_lines=True, index_col=False, engine="c", encoding="utf-8-sig",
                             chunksize=rows_per_slice) as reader:
                for part in reader:
                    n_rows += len(part)
                    for kept, position in zip(pieces, positions):
                        kept.append(part.iloc[:, position].reset_index(drop=True))
                    del part
    except pd.errors.ParserWarning:
        raise refuse("some rows have more cells than the header has columns") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise refuse(f"the CSV cannot be parsed ({first_line(exc)})") from None
    columns = {}
    for i, kept in enumerate(pieces):
        columns[i] = pd.concat(kept, ignore_index=True) if kept else pd.Series([], dtype=str)
        kept.clear()  # each slice is let go as soon as its column is joined
    return pd.DataFrame(columns, index=pd.RangeIndex(n_rows), copy=False)


def _check_utf8(data: bytes, refuse) -> None:
    """Refuse bytes that are not UTF-8, decoding a block at a time (no copy of the whole text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _UTF8_BLOCK):
        held = len(decoder.getstate()[0])  # the start of a character split between two blocks
        try:
            decoder.decode(data[start:start + _UTF8_BLOCK], final=start + _UTF8_BLOCK >= len(data))
        except UnicodeDecodeError as exc:
            at = start - held + exc.start
            raise refuse(f"this is not a UTF-8 text file (byte 0x{data[at]:02x} at position {at}); "
                         "save the CSV as UTF-8, or use Parquet") from None


def _first_line_end(data: bytes) -> int:
    end = data.find(b"\n")
    return len(data) if end < 0 else end


def _line_count(data: bytes) -> int:
    """Lines in ``data`` (a last line without a newline counts; old Mac files end lines with "\\r")."""
    newlines = data.count(b"\n") or data.count(b"\r")
    return newlines + (0 if data.endswith((b"\n", b"\r")) else 1)


def _delimiter(data: bytes, end: int) -> str:
    # Spreadsheets in decimal-comma locales write ';'-separated CSV; the cells then say "9,5",
    # which validation reports as a decimal comma rather than as a garbled table.
    if data.find(b",", 0, end) < 0:
        for sep in (";", "\t"):
            if data.find(sep.encode(), 0, end) >= 0:
                return sep
    return ","


def _duplicates(names: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    dups: list[str] = []
    for n in names:
        if n in seen and n not in dups:
            dups.append(n)
        seen.add(n)
    return tuple(dups)
