"""Builders for valid and bad cohort files, shared by the validation, CLI and page tests.

Every ``write_*`` builder takes a directory, writes one file into it and returns its path.
Cell-level faults are placed on patient ``TARGET_PATIENT`` at month ``TARGET_MONTH`` so a
test can check that the message names that patient. ``CASES`` lists the bad inputs with the
outcome each must produce, for tests that loop over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from thaldash.data.schema import STUDY_MONTHS

TARGET_PATIENT = "P03"
TARGET_MONTH = 6

# (patient_id, allele_1, allele_2, thal_type, splenectomy, pre_rbc_units_24m, sex, age_years)
_PATIENTS = (
    ("P01", "CD41-42", "-28", "TDT", False, 48.0, "F", 12.0),
    ("P02", "CD17", "IVS-II-654", "TDT", True, 60.0, "M", 19.0),
    ("P03", "CD41-42", "CD41-42", "TDT", False, 72.0, "M", 8.0),
    ("P04", "IVS-II-654", "HbE", "NTDT", False, 0.0, "F", 25.0),
    ("P05", "-28", "HbE", "NTDT", True, 0.0, "F", 31.0),
    ("P06", "CD17", "CD41-42", "TDT", False, 36.0, "M", 15.0),
)


def valid_frame() -> pd.DataFrame:
    """A valid 6-patient × 7-visit cohort in contract types (TDT/NTDT, splenectomy, both sexes)."""
    rows = []
    for i, (pid, a1, a2, thal, splen, pre, sex, age) in enumerate(_PATIENTS):
        for j, month in enumerate(STUDY_MONTHS):
            transfused = thal == "TDT" and 0 < month <= 6
            rows.append({
                "patient_id": pid, "allele_1": a1, "allele_2": a2, "thal_type": thal,
                "splenectomy": splen, "pre_rbc_units_24m": pre, "month": month,
                "hb_g_l": 70.0 + 3 * i + 4 * j, "hbf_pct": 10.0 + 5 * i + 3 * j,
                "sf_ng_ml": 2500.0 - 150 * i - 100 * j,
                "rbc_units": float(max(0, 6 - i - j)) if transfused else 0.0,
                "sex": sex, "age_years": age, "withdrawn": False,
            })
    frame = pd.DataFrame(rows)
    return frame.astype({"month": "int64", "patient_id": "str", "allele_1": "str", "allele_2": "str",
                         "thal_type": "str", "sex": "str"})


def target_row(frame: pd.DataFrame) -> int:
    """Position of the row of ``TARGET_PATIENT`` at ``TARGET_MONTH``."""
    hit = np.flatnonzero((frame["patient_id"] == TARGET_PATIENT) & (frame["month"] == TARGET_MONTH))
    return int(hit[0])


def _csv(frame: pd.DataFrame, directory: Path, name: str) -> Path:
    path = Path(directory) / name
    frame.to_csv(path, index=False)
    return path


def _parquet(frame: pd.DataFrame, directory: Path, name: str) -> Path:
    path = Path(directory) / name
    frame.to_parquet(path, index=False)
    return path


def with_cell(column: str, value: object, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` (default: the valid one) with one cell of the target patient replaced."""
    frame = valid_frame() if frame is None else frame
    out = frame.astype({column: object}) if column in frame else frame.assign(**{column: ""})
    out = out.astype({column: object})
    out.iloc[target_row(out), out.columns.get_loc(column)] = value
    return out


def with_patient_value(column: str, value: object) -> pd.DataFrame:
    """The valid frame with ``column`` set to ``value`` on every row of the target patient."""
    frame = valid_frame()
    out = frame.astype({column: object}) if column in frame else frame.assign(**{column: None})
    out = out.astype({column: object})
    out.loc[out["patient_id"] == TARGET_PATIENT, column] = value
    return out


# ---------------------------------------------------------------- valid files
def write_valid_csv(directory: Path) -> Path:
    return _csv(valid_frame(), directory, "cohort.csv")


def write_valid_parquet(directory: Path) -> Path:
    return _parquet(valid_frame(), directory, "cohort.parquet")


def write_csv_named_parquet(directory: Path) -> Path:
    """A valid CSV saved under a ``.parquet`` name: must be read as CSV by content."""
    path = Path(directory) / "renamed.parquet"
    path.write_text(valid_frame().to_csv(index=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------- unreadable files
def write_empty(directory: Path) -> Path:
    path = Path(directory) / "empty.parquet"
    path.write_bytes(b"")
    return path


def write_truncated_parquet(directory: Path) -> Path:
    data = write_valid_parquet(directory).read_bytes()
    path = Path(directory) / "truncated.parquet"
    path.write_bytes(data[: len(data) // 2])
    return path


def write_random_bytes(directory: Path) -> Path:
    path = Path(directory) / "random.csv"
    path.write_bytes(np.random.default_rng(20240191).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def write_ten_million_rows(directory: Path) -> Path:
    """A 10,000,000-row Parquet file of one tiny column (a few kB on disk, never meant to be loaded)."""
    path = Path(directory) / "huge.parquet"
    table = pa.table({"month": pa.array(np.zeros(10_000_000, dtype=np.int8))})
    pq.write_table(table, path, compression="zstd")
    return path


# ---------------------------------------------------------------- hostile files (issue 17)
# Each is small on disk and decodes to gigabytes (or costs minutes) if read naively. Built in a
# second or a few; load them only in a subprocess with a memory limit (tests/test_robustness.py).
BOMB_ROWS = 8_000_000


def _one_value_per_row(value: str | bytes, n_rows: int) -> pa.DictionaryArray:
    """``value`` on every row, stored once: a dictionary of one entry and a zero index per row."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n_rows, dtype=np.int32)), pa.array([value]))


def _bomb(directory: Path, name: str, column: str, values: pa.Array) -> Path:
    path = Path(directory) / name
    table = pa.table({"month": pa.array(np.zeros(len(values), dtype=np.int8)), column: values})
    # Without the stored Arrow schema the column reads back as plain (not dictionary) text: 8 GB.
    pq.write_table(table, path, store_schema=False)
    return path


def write_long_string_extra(directory: Path) -> Path:
    """An extra column of one 1,000-character string on 8,000,000 rows (dictionary-encoded, <1 MB)."""
    return _bomb(directory, "long_string_extra.parquet", "notes", _one_value_per_row("x" * 1000, BOMB_ROWS))


def write_binary_text_column(directory: Path) -> Path:
    """``withdrawal_reason`` (a contract text column) stored as binary: 1,000 bytes on 8,000,000 rows."""
    return _bomb(directory, "binary_text.parquet", "withdrawal_reason", _one_value_per_row(b"x" * 1000, BOMB_ROWS))


def write_list_extra(directory: Path, n_rows: int = 2_000_000, width: int = 125) -> Path:
    """An extra ``list<int64>`` column of ``width`` zeros per row: 2 GB decoded from a 16 kB file.

    (The red-team file held 1,000 int8 zeros per row; the same bytes in 8-byte values are 8 times
    fewer values for the writer to encode, a few seconds instead of a minute and a half.)
    """
    path = Path(directory) / "list_extra.parquet"
    per = 100_000
    block = pa.ListArray.from_arrays(pa.array(np.arange(0, (per + 1) * width, width, dtype=np.int32)),
                                     pa.array(np.zeros(per * width, dtype=np.int64)))
    schema = pa.schema([("month", pa.int8()), ("samples", pa.list_(pa.int64()))])
    part = pa.Table.from_arrays([pa.array(np.zeros(per, dtype=np.int8)), block], schema=schema)
    with pq.ParquetWriter(path, schema, compression="zstd", write_statistics=False) as writer:
        for _ in range(n_rows // per):
            writer.write_table(part, row_group_size=1_000_000)
    return path


def write_wide_parquet(directory: Path, n_columns: int = 10_000) -> Path:
    """A 5 MB Parquet file of 10,000 columns written by pandas (so with pandas metadata)."""
    path = Path(directory) / "wide.parquet"
    pd.DataFrame(np.zeros((50, n_columns)), columns=[f"c{i}" for i in range(n_columns)]).to_parquet(path)
    return path


def write_wide_csv_header(directory: Path, n_columns: int = 5_500_000) -> Path:
    """A CSV whose header has 5,500,000 cells (11 MB) and no rows."""
    path = Path(directory) / "wide_header.csv"
    path.write_bytes(b"x," * (n_columns - 1) + b"x\n")
    return path


def write_long_csv(directory: Path, n_rows: int = BOMB_ROWS + 1) -> Path:
    """A 256 MB CSV of 8,000,001 rows (one more than the limit) of six contract columns."""
    path = Path(directory) / "long.csv"
    path.write_bytes(b"patient_id,allele_1,allele_2,thal_type,month,hb_g_l\n"
                     + b"S0000001,CD41-42,-28,TDT,0,70.0\n" * n_rows)
    return path


# ---------------------------------------------------------------- contract violations (errors)
def write_missing_column(directory: Path, column: str = "hb_g_l") -> Path:
    return _csv(valid_frame().drop(columns=column), directory, f"missing_{column}.csv")


def write_duplicated_column_csv(directory: Path, column: str = "hb_g_l") -> Path:
    frame = valid_frame()
    text = frame.to_csv(index=False).splitlines()
    rows = [f"{line},{line.split(',')[frame.columns.get_loc(column)]}" for line in text[1:]]
    path = Path(directory) / "duplicated_column.csv"
    path.write_text("\n".join([f"{text[0]},{column}", *rows]) + "\n", encoding="utf-8")
    return path


def write_duplicated_column_parquet(directory: Path, column: str = "hb_g_l") -> Path:
    table = pa.Table.from_pandas(valid_frame(), preserve_index=False)
    table = pa.Table.from_arrays([*table.columns, table[column]], names=[*table.column_names, column])
    path = Path(directory) / "duplicated_column.parquet"
    pq.write_table(table, path)
    return path


def write_bad_cell(directory: Path, column: str, text: str) -> Path:
    """A CSV whose ``column`` holds ``text`` for the target patient and month."""
    safe = "".join(ch if ch.isalnum() else "_" for ch in text)[:20]
    return _csv(with_cell(column, text), directory, f"bad_{column}_{safe}.csv")


def write_scaled(directory: Path, column: str, factor: float) -> Path:
    """The whole ``column`` multiplied by ``factor`` (a unit mistake)."""
    frame = valid_frame()
    return _csv(frame.assign(**{column: frame[column] * factor}), directory, f"scaled_{column}.csv")


def write_hb_in_g_dl(directory: Path) -> Path:
    return write_scaled(directory, "hb_g_l", 0.1)


def write_hbf_as_fraction(directory: Path) -> Path:
    return write_scaled(directory, "hbf_pct", 0.01)


def write_ferritin_in_ug_ml(directory: Path) -> Path:
    return write_scaled(directory, "sf_ng_ml", 0.001)


def write_duplicate_visit(directory: Path) -> Path:
    frame = valid_frame()
    row = frame.index[(frame["patient_id"] == TARGET_PATIENT) & (frame["month"] == 12)][0]
    return _csv(frame.assign(month=frame["month"].mask(frame.index == row, TARGET_MONTH)),
                directory, "duplicate_visit.csv")


def write_varying_patient_level(directory: Path, column: str = "thal_type", value: object = "NTDT") -> Path:
    return _csv(with_cell(column, value), directory, f"varying_{column}.csv")


def write_bad_thal_type(directory: Path) -> Path:
    return _csv(with_patient_value("thal_type", "beta-major"), directory, "bad_thal_type.csv")


def write_label(directory: Path, text: str, column: str = "patient_id") -> Path:
    """A Parquet file (exact characters kept) whose ``column`` is ``text`` on the target patient."""
    return _parquet(with_patient_value(column, text), directory, f"label_{column}.parquet")


# ---------------------------------------------------------------- accepted with warnings
def write_unknown_allele(directory: Path) -> Path:
    return _csv(with_patient_value("allele_2", "CD999"), directory, "unknown_allele.csv")


def write_case_variants(directory: Path) -> Path:
    frame = with_patient_value("thal_type", "tdt")
    frame = frame.assign(sex=frame["sex"].replace({"M": "male", "F": "female"}))
    return _csv(frame, directory, "case_variants.csv")


@dataclass(frozen=True)
class Case:
    """A bad input and what it must produce.

    ``outcome`` is "unreadable" (exit 2), "error" (exit 1) or "warning" (exit 0 with a
    warning); ``column``/``patient_id`` must be named by a problem row; ``text`` must occur
    (case-insensitively) in that row's problem or, for unreadable files, in the message.
    """

    name: str
    build: Callable[[Path], Path]
    outcome: Literal["unreadable", "error", "warning"]
    column: str = ""
    patient_id: str = ""
    text: str = ""


def _cell(column: str, text: str) -> Callable[[Path], Path]:
    return lambda d: write_bad_cell(d, column, text)


def _label(text: str, column: str = "patient_id") -> Callable[[Path], Path]:
    return lambda d: write_label(d, text, column)


P = TARGET_PATIENT
CASES: tuple[Case, ...] = (
    Case("empty file", write_empty, "unreadable", text="empty"),
    Case("truncated parquet", write_truncated_parquet, "unreadable", text="truncated"),
    Case("random bytes", write_random_bytes, "unreadable", text="not"),
    Case("ten million rows", write_ten_million_rows, "unreadable", text="10,000,000 rows"),
    Case("missing column", write_missing_column, "error", "hb_g_l", text="missing"),
    Case("duplicated column (csv)", write_duplicated_column_csv, "error", "hb_g_l", text="more than once"),
    Case("duplicated column (parquet)", write_duplicated_column_parquet, "error", "hb_g_l", text="more than once"),
    Case("decimal comma", _cell("hb_g_l", "9,5"), "error", "hb_g_l", P, "write 9.5"),
    Case("censored value", _cell("sf_ng_ml", "<5"), "error", "sf_ng_ml", P, "censored"),
    Case("n/a marker", _cell("hbf_pct", "n/a"), "error", "hbf_pct", P, "missing-value marker"),
    Case("infinite", _cell("hb_g_l", "inf"), "error", "hb_g_l", P, "infinite"),
    Case("text in number", _cell("rbc_units", "abc"), "error", "rbc_units", P, "not a number"),
    Case("empty required number", _cell("month", ""), "error", "month", P, "empty"),
    Case("fractional month", _cell("month", "3.5"), "error", "month", P, "whole number"),
    Case("Hb in g/dL", write_hb_in_g_dl, "error", "hb_g_l", text="g/dL"),
    Case("HbF as fraction", write_hbf_as_fraction, "error", "hbf_pct", text="fraction"),
    Case("ferritin in ug/mL", write_ferritin_in_ug_ml, "error", "sf_ng_ml", text="µg/mL"),
    Case("negative ferritin", _cell("sf_ng_ml", "-5"), "error", "sf_ng_ml", P, "below the minimum"),
    Case("negative units", _cell("rbc_units", "-1"), "error", "rbc_units", P, "below the minimum"),
    Case("HbF over 100", _cell("hbf_pct", "104"), "error", "hbf_pct", P, "above the maximum"),
    Case("negative month", _cell("month", "-3"), "error", "month", P, "below the minimum"),
    Case("duplicate visit", write_duplicate_visit, "error", "month", P, "duplicate visit"),
    Case("varying thal_type", write_varying_patient_level, "error", "thal_type", P, "TDT | NTDT"),
    Case("varying splenectomy", lambda d: write_varying_patient_level(d, "splenectomy", "true"),
         "error", "splenectomy", P, "differs"),
    Case("bad thal_type", write_bad_thal_type, "error", "thal_type", P, "not one of TDT, NTDT"),
    Case("bad boolean", _cell("splenectomy", "maybe"), "error", "splenectomy", P, "not true/false"),
    Case("bidi override in patient_id", _label("P03\u202eXYZ"), "error", "patient_id", "P03\u202eXYZ", "bidirectional"),
    Case("escape sequence in allele", _label("\x1b[2J\x1b[31mCD17", "allele_1"), "error", "allele_1", P, "control"),
    Case("newline in chelator", _label("deferasirox\nrm -rf /", "chelator"), "error", "chelator", P, "control"),
    Case("formula in chelator", _label("=HYPERLINK(\"http://x\")", "chelator"), "warning", "chelator", P, "formula"),
    Case("html in withdrawal_reason", _label("<img src=x onerror=alert(1)>", "withdrawal_reason"),
         "warning", "withdrawal_reason", P, "plain text"),
    Case("markdown image in chelator", _label("![x](https://example.invalid/a.png)", "chelator"),
         "warning", "chelator", P, "plain text"),
    Case("unknown allele", write_unknown_allele, "warning", "allele_2", P, "CD999"),
    Case("case variants", write_case_variants, "warning", "thal_type", P, "read as 'TDT'"),
    Case("off-schedule month", _cell("month", "5"), "warning", "month", P, "schedule"),
    Case("transfusion at baseline", lambda d: _csv(with_patient_value("rbc_units", 2.0), d, "rbc0.csv"),
         "warning", "rbc_units", P, "month 0"),
)


# ---------------------------------------------------------------- problems spread through a large file
def messy_frame(n_patients: int = 3_000, seed: int = 7, *, straddle_at: int | None = None) -> pd.DataFrame:
    """A synthetic cohort as CSV text, with every kind of problem scattered through it.

    Cells are text (as read from a CSV), so number problems ("9,5", "<5", "n/a") can be placed.
    Kinds with more than ``CAP`` rows are included (hb_g_l decimal commas on a third of the rows),
    patients with values that vary between their rows, duplicate and missing visits, and a patient
    of 7 rows starting 3 rows before row ``straddle_at`` (a chunk boundary) whose ``age_years``
    changes across that row.
    """
    from tools.synthetic import synthetic_cohort

    frame = synthetic_cohort(n_patients, seed=seed).astype(str)
    rng = np.random.default_rng(seed)
    n = len(frame)

    def some(share: float) -> np.ndarray:
        return rng.random(n) < share

    frame.loc[some(0.33), "hb_g_l"] = "9,5"
    frame.loc[some(0.002), "sf_ng_ml"] = "<5"
    frame.loc[some(0.002), "hbf_pct"] = "n/a"
    frame.loc[some(0.001), "rbc_units"] = "-1"
    frame.loc[some(0.003), "hb_g_l"] = "25"  # implausible (a warning)
    frame.loc[some(0.002), "month"] = "5"  # off schedule
    frame.loc[some(0.001), "month"] = "3.5"
    frame.loc[some(0.002), "splenectomy"] = "maybe"
    frame.loc[some(0.003), "thal_type"] = "tdt"  # a case variant (warning), also varies within a patient
    frame.loc[some(0.001), "sex"] = "X"
    frame.loc[some(0.002), "allele_2"] = "CD999"
    frame.loc[some(0.001), "patient_id"] = " " + frame["patient_id"]  # trimmed: the same patient
    frame.loc[some(0.002), "pre_rbc_units_24m"] = "99.5"  # varies within a patient
    frame.loc[some(0.0005), "chelator"] = "=cmd"
    duplicate = np.flatnonzero(some(0.001) & (frame["month"] == "12").to_numpy())
    frame.loc[duplicate, "month"] = "6"
    no_baseline = np.flatnonzero(some(0.003) & (frame["month"] == "0").to_numpy())
    frame = frame.drop(index=no_baseline).reset_index(drop=True)
    if straddle_at is not None:
        rows = np.arange(straddle_at - 3, straddle_at + 4)
        frame.loc[rows, "patient_id"] = "S-STRADDLE"
        frame.loc[rows, "month"] = [str(m) for m in STUDY_MONTHS]
        frame.loc[rows, "age_years"] = ["30.0"] * 3 + ["31.0"] * 4
    return frame.fillna("")


def matching_problems(problems: pd.DataFrame, case: Case) -> pd.DataFrame:
    """The problem rows ``case`` expects: its severity, and its column and patient where it names them."""
    severity = "warning" if case.outcome == "warning" else "error"
    rows = problems[problems["severity"] == severity]
    if case.column:
        rows = rows[rows["column"] == case.column]
    if case.patient_id:
        rows = rows[rows["patient_id"] == case.patient_id]
    return rows
