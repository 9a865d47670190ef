"""Read the contract's columns of a Parquet file, with every size known from the footer first.

A Parquet file is compressed and dictionary-encoded, so a file of a megabyte can decode to
gigabytes: one 1,000-character string repeated on 8 million rows, or a list column of a
thousand values per row. Nothing is decoded before the footer has been checked: the number of
rows and columns, the stored type of each contract column, and the decoded size of what will
be read (numbers: rows × width; text: read as a dictionary, so its size is the dictionary and
the data pages, which the footer states, plus one index per row). Columns outside the contract
are never decoded; they are returned by name and stored type, for a warning.

The footer is written by whoever made the file and could understate a page on purpose; the
app therefore loads uploads in a worker process with a memory limit as well
(``thaldash.loading.load_cohort_isolated``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import accumulate

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from thaldash.data.schema import COLUMNS, Column

# The limits are stated in ``thaldash.data.io`` (where the CSV path uses them too) and passed in.
_MAGIC = b"PAR1"
_GENERATED_INDEX = re.compile(r"__index_level_\d+__")
_EXPECTED = {
    "string": "text (a string column)",
    "float": "numbers (an integer or floating-point column, or text)",
    "int": "numbers (an integer or floating-point column, or text)",
    "bool": "true/false (a boolean column, 0/1, or text)",
}
Refuse = Callable[[str], Exception]
_READERS = min(2, os.cpu_count() or 1)
_PARALLEL_FROM_BYTES = 64 << 20
_NULLABLE_BOOL = {pa.bool_(): pd.BooleanDtype()}


@dataclass(frozen=True)
class Limits:
    """What a file may hold before anything is decoded (see ``thaldash.data.io`` for the values)."""

    rows: int
    columns: int
    decoded_bytes: int
    footer_bytes: int


@dataclass(frozen=True)
class ParquetColumns:
    """The contract columns read from a Parquet file, and what was left unread.

    Attributes
    ----------
    frame
        Contract columns present with an accepted type, in contract order (text as categoricals).
    duplicated
        Names that occur more than once in the file, in first-seen order.
    extras
        (name, stored type) of each column outside the contract, in file order; never decoded.
    refused
        (name, sentence) of each contract column whose stored type the contract does not accept;
        never decoded.
    """

    frame: pd.DataFrame
    duplicated: tuple[str, ...]
    extras: tuple[tuple[str, str], ...]
    refused: tuple[tuple[str, str], ...]


def read_parquet(data: bytes, limits: Limits, refuse: Refuse, contract: Mapping[str, Column] = COLUMNS) -> ParquetColumns:
    """The contract's columns of the Parquet file ``data``; ``refuse(reason)`` is raised for a bad file."""
    if len(data) < 12 or not data.endswith(_MAGIC):
        raise refuse("the Parquet file is truncated (its footer is missing); copy or export it again")
    footer = int.from_bytes(data[-8:-4], "little")
    if footer > limits.footer_bytes:
        raise refuse(f"the file's metadata (its footer) is {footer / 2**20:,.0f} MB, above the "
                     f"{limits.footer_bytes / 2**20:,.0f} MB limit; a cohort file's is well under 1 MB")
    try:
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
        n_rows = max(meta.num_rows, sum(meta.row_group(g).num_rows for g in range(meta.num_row_groups)))
    except MemoryError:
        raise  # not a damaged file: the caller says how much memory it needed
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise refuse(f"the Parquet file is damaged and cannot be read ({first_line(exc)})") from None
    if n_rows > limits.rows:
        raise refuse(f"the file has {n_rows:,} rows, above the limit of {limits.rows:,} rows")
    if meta.num_columns > limits.columns:
        raise refuse(f"the file has {meta.num_columns:,} columns, above the limit of {limits.columns:,}; "
                     f"the contract has {len(contract)}: write those (and few others) to the file")
    try:
        plan = _plan(pq.ParquetFile(pa.BufferReader(data)), n_rows, contract)
    except MemoryError:
        raise  # not a damaged file: the caller says how much memory it needed
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        raise refuse(f"the Parquet file is damaged and cannot be read ({first_line(exc)})") from None
    if plan.decoded > limits.decoded_bytes:
        name, size = max(plan.sizes.items(), key=lambda item: item[1])
        raise refuse(f"its columns would take {size_text(plan.decoded)} of memory once decoded ({name} alone "
                     f"{size_text(size)}), above the {size_text(limits.decoded_bytes)} limit for a cohort file")
    try:
        frame = _read(data, plan, contract)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means a damaged file (e.g. invalid UTF-8)
        raise refuse(f"the Parquet file is damaged and cannot be read ({first_line(exc)})") from None
    finally:
        pa.default_memory_pool().release_unused()  # give the decoding buffers back to the system
    return ParquetColumns(frame, plan.duplicated, plan.extras, plan.refused)


@dataclass(frozen=True)
class _Plan:
    n_rows: int
    columns: dict[str, int]  # contract name → top-level field index, in contract order
    text: tuple[str, ...]  # those read as dictionaries
    decoded: int
    sizes: dict[str, int]
    duplicated: tuple[str, ...]
    extras: tuple[tuple[str, str], ...]
    refused: tuple[tuple[str, str], ...]


def _plan(parquet: pq.ParquetFile, n_rows: int, contract: Mapping[str, Column]) -> _Plan:
    """What to read, its decoded size, and what to leave: from the footer alone."""
    schema, meta = parquet.schema_arrow, parquet.metadata
    names = list(schema.names)
    leaves = [_leaf_count(field.type) for field in schema]
    if sum(leaves) != meta.num_columns:
        raise ValueError("its schema and its columns disagree")
    first_leaf = [0, *accumulate(leaves)][:-1]  # each field's first leaf column
    chunk_bytes = [0] * meta.num_columns
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk_bytes[c] += max(group.column(c).total_uncompressed_size, 0)
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        first.setdefault(name, i)
    columns: dict[str, int] = {}
    text: list[str] = []
    sizes: dict[str, int] = {}
    refused: list[tuple[str, str]] = []
    for name, column in contract.items():
        if name not in first:
            continue
        i = first[name]
        stored = schema.field(i).type
        size = _decoded_size(stored, column.kind, n_rows, chunk_bytes[first_leaf[i]] if leaves[i] == 1 else 0)
        if size is None or leaves[i] != 1:
            refused.append((name, f"stored as {type_name(stored)}; the contract expects {_EXPECTED[column.kind]}, "
                                  "so the column was not read"))
            continue
        columns[name] = i
        sizes[name] = size
        if _is_text(_values(stored)):
            text.append(name)
    extras = tuple((n, type_name(schema.field(i).type)) for i, n in enumerate(names)
                   if n not in contract and i == first[n] and not _GENERATED_INDEX.fullmatch(n))
    duplicated = tuple(n for n in first if names.count(n) > 1)
    return _Plan(n_rows, columns, tuple(text), sum(sizes.values()), sizes, duplicated, extras, tuple(refused))


def _read(data: bytes, plan: _Plan, contract: Mapping[str, Column]) -> pd.DataFrame:
    """The planned columns, each handed to pandas as soon as it is decoded, two at a time where there are two cores.

    Arrow decodes without Python's lock, so two columns at a time halve the reading of a large file
    (1,000,000 patients: 1.5 -> 0.8 s) and hold at most one column more in decoding; below 64 MiB
    decoded, one at a time. Each worker opens the file on its own (a reader is not shared between
    threads); the bytes are shared.
    """
    local = threading.local()

    def read_one(name: str, index: int) -> pd.Series:
        if not hasattr(local, "parquet"):  # text is decoded as dictionary codes: a label once per distinct value
            local.parquet = pq.ParquetFile(pa.BufferReader(data), read_dictionary=list(plan.text))
        # By position, never by name: duplicated names, and no pandas metadata parsed per column
        # (on a wide file that made reading quadratic in the number of columns).
        column = local.parquet.reader.read_column(index)
        # A damaged page can decode into invalid UTF-8 that only fails later, inside a string operation.
        column.validate(full=True)
        if pa.types.is_decimal(_values(column.type)):
            column = pc.cast(column, pa.string() if contract[name].kind == "string" else pa.float64())
        labels = _categorical(column) if name in plan.text else None
        if labels is not None:
            return labels.rename(name)
        # Booleans with gaps as pandas' nullable booleans (values and a mask), not a Python object per row.
        mapper = _NULLABLE_BOOL.get if contract[name].kind == "bool" and column.null_count else None
        return column.to_pandas(self_destruct=True, split_blocks=True, types_mapper=mapper).rename(name)

    names, indices = list(plan.columns), list(plan.columns.values())
    if plan.decoded < _PARALLEL_FROM_BYTES:  # a small file gains nothing from a thread (nor needs its stack)
        series = dict(zip(names, map(read_one, names, indices)))
    else:
        with ThreadPoolExecutor(max_workers=_READERS) as pool:
            series = dict(zip(names, pool.map(read_one, names, indices)))
    return pd.DataFrame(series, copy=False) if series else pd.DataFrame(index=pd.RangeIndex(plan.n_rows))


def _categorical(column: pa.ChunkedArray) -> pd.Series | None:
    """``column.to_pandas()`` of a dictionary-encoded text column, built from its unified dictionary; None when
    the column is not one (the caller converts it the usual way).

    The same categorical (categories in the order Arrow unifies them, the same codes and dtypes) as Arrow's own
    conversion, which at 1,000,000 patient ids took 0.8 s of a cold start against 0.3 s here.
    """
    if not pa.types.is_dictionary(column.type) or column.num_chunks == 0 or column.type.ordered:
        return None
    unified = column.unify_dictionaries().combine_chunks()
    dictionary = unified.dictionary
    if dictionary.null_count or not _is_text(dictionary.type) or not pa.types.is_signed_integer(unified.indices.type):
        return None
    codes = pc.fill_null(unified.indices, -1).to_numpy(zero_copy_only=False)
    # What Arrow's conversion calls too (pyarrow.pandas_compat), so the dtypes are its own.
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(dictionary.to_pandas()), ordered=False))


def _decoded_size(stored: pa.DataType, kind: str, n_rows: int, stored_bytes: int) -> int | None:
    """Bytes the column takes once read, or None when the contract does not accept ``stored``."""
    values = _values(stored)
    codes = 4 * n_rows if pa.types.is_dictionary(stored) else 0
    if _is_text(values):  # the dictionary and data pages as stored (uncompressed), plus an index per row
        return stored_bytes + 4 * n_rows
    if pa.types.is_decimal(values):  # converted to float64 (numbers) or to short text (labels)
        return n_rows * (values.byte_width + 8) + codes
    numeric = pa.types.is_integer(values) or pa.types.is_floating(values) or pa.types.is_boolean(values)
    if numeric or pa.types.is_null(values) or (kind == "string" and pa.types.is_temporal(values)):
        # pandas holds at least a byte per value (booleans), a pointer for an all-null column.
        width = 8 if pa.types.is_null(values) else max(values.bit_width // 8, 1)
        return n_rows * width + codes
    return None


def _values(stored: pa.DataType) -> pa.DataType:
    return stored.value_type if pa.types.is_dictionary(stored) else stored


def _is_text(stored: pa.DataType) -> bool:
    return pa.types.is_string(stored) or pa.types.is_large_string(stored) or pa.types.is_string_view(stored)


def _leaf_count(stored: pa.DataType) -> int:
    """Parquet leaf columns under an Arrow field (nested types have several)."""
    if isinstance(stored, pa.ExtensionType):
        return _leaf_count(stored.storage_type)
    if pa.types.is_struct(stored):
        return sum(_leaf_count(stored.field(i).type) for i in range(stored.num_fields))
    if pa.types.is_map(stored):
        return _leaf_count(stored.key_type) + _leaf_count(stored.item_type)
    if pa.types.is_list(stored) or pa.types.is_large_list(stored) or pa.types.is_fixed_size_list(stored) \
            or pa.types.is_list_view(stored) or pa.types.is_large_list_view(stored):
        return _leaf_count(stored.value_type)
    return 1


def type_name(stored: pa.DataType) -> str:
    """The stored type as Arrow spells it, cut short (a nested type's name can be long)."""
    text = str(stored)
    return text if len(text) <= 80 else text[:80] + "…"


def size_text(n_bytes: int) -> str:
    """``n_bytes`` in GiB above a GiB, else in MiB (``"2 GiB"``, ``"1.3 GiB"``, ``"95 MiB"``)."""
    if n_bytes >= 2**30:
        return f"{n_bytes / 2**30:,.1f}".removesuffix(".0") + " GiB"
    return f"{n_bytes / 2**20:,.0f} MiB"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 200 characters), for a refusal sentence."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
