"""Hostile files (issue 17): each is refused, or read in bounded memory, with a sentence saying why.

Each file is built here (in a second or a few) and checked by ``python -m thaldash validate`` in
a subprocess whose address space is capped at 2 GiB: a regression then fails its own test
instead of taking the memory of the test run. The 60-second timeout is a safety net.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import thaldash.data.io as io_module
from tests.adversarial import (TARGET_PATIENT, valid_frame, with_cell, write_binary_text_column, write_list_extra, write_long_csv,
                               write_long_string_extra, write_wide_csv_header, write_wide_parquet)
from thaldash.data.loading import load_cohort

REPO = Path(__file__).resolve().parents[2]
LIMIT = 2 * 1024**3
_CHILD = textwrap.dedent(f"""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))
    from thaldash.cli import main
    try:
        code = main(["validate", sys.argv[1]])
    finally:
        with open("/proc/self/status") as status:
            peak = next(line for line in status if line.startswith("VmHWM:")).split()[1]
        print(f"peak_kib={{peak}}", file=sys.stderr)
    sys.exit(code)
""")


def _validate_capped(path: Path) -> tuple[int, str, int]:
    """(exit status, stdout + stderr, peak resident KiB) of ``thaldash validate`` under a 2 GiB cap."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    peak = re.search(r"peak_kib=(\d+)", done.stderr)
    return done.returncode, done.stdout + done.stderr, int(peak.group(1)) if peak else -1


@pytest.mark.parametrize("build, status, sentence", [
    (write_long_string_extra, 1,
     "warning: notes: not read: a column outside the contract (stored as string); no analysis uses it"),
    (write_binary_text_column, 1,
     "error: withdrawal_reason: stored as binary; the contract expects text (a string column), "
     "so the column was not read"),
    (write_list_extra, 1,
     "warning: samples: not read: a column outside the contract (stored as list<element: int64>)"),
    (write_wide_parquet, 2, "the file has 10,000 columns, above the limit of 1,000"),
    (write_wide_csv_header, 2, "the header has 5,500,000 columns, above the limit of 1,000"),
    (write_long_csv, 2, "the file has 8,000,001 lines after the header, above the limit of 8,000,000 rows"),
], ids=["long string extra", "binary text column", "list extra", "10,000 columns", "5.5M-cell CSV header",
        "8,000,001-row CSV"])
def test_a_hostile_file_is_refused_with_a_sentence_within_2_gib(tmp_path, build, status, sentence):
    code, output, peak_kib = _validate_capped(build(tmp_path))
    assert code == status, output[-2000:]
    assert sentence in output
    assert "Traceback" not in output and "internal error" not in output
    assert 0 < peak_kib * 1024 < LIMIT


def test_a_contract_column_of_another_type_is_an_error_naming_it(tmp_path):
    frame = valid_frame().assign(withdrawal_reason=b"moved away")
    path = tmp_path / "binary.parquet"
    frame.to_parquet(path, index=False)
    result = load_cohort(path)
    assert not result.ok and not result.unreadable
    rows = result.problems[result.problems["column"] == "withdrawal_reason"]
    assert rows["problem"].tolist() == ["stored as binary; the contract expects text (a string column), "
                                        "so the column was not read"]
    assert not result.problems["problem"].str.contains("required column is missing").any()


def test_other_stored_types_the_contract_accepts_stay_valid(tmp_path):
    frame = valid_frame()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # Numbers as decimals, booleans as 0/1 integers, labels as dictionaries and as text views.
    table = table.set_column(table.schema.get_field_index("hb_g_l"), "hb_g_l",
                             pa.array([round(v, 1) for v in frame["hb_g_l"]]).cast(pa.decimal128(6, 1)))
    table = table.set_column(table.schema.get_field_index("splenectomy"), "splenectomy",
                             pa.array(frame["splenectomy"].astype("int8")))
    table = table.set_column(table.schema.get_field_index("thal_type"), "thal_type",
                             pa.array(frame["thal_type"]).dictionary_encode())
    table = table.set_column(table.schema.get_field_index("sex"), "sex", pa.array(frame["sex"], pa.string_view()))
    path = tmp_path / "types.parquet"
    pq.write_table(table, path)
    result = load_cohort(path)
    assert result.ok, result.problems
    assert result.cohort.visits.set_index(["patient_id", "month"])["hb_g_l"].sort_index().tolist() == \
        frame.set_index(["patient_id", "month"])["hb_g_l"].sort_index().tolist()


def test_the_decoded_size_of_text_is_bounded_from_the_footer(tmp_path, monkeypatch):
    n = 100_000
    frame = pd.DataFrame({"month": np.zeros(n, dtype=np.int64), "chelator": ["d" * 1000] * n})
    path = tmp_path / "plain_text.parquet"
    frame.to_parquet(path, index=False, use_dictionary=False)  # 100 MB of plain text, compressed to 100 kB
    monkeypatch.setattr(io_module, "MAX_DECODED_BYTES", 64 * 1024**2)
    result = load_cohort(path)
    assert result.unreadable
    assert re.search(r"its columns would take 9\d MiB of memory once decoded \(chelator alone 9\d MiB\), "
                     r"above the 64 MiB limit", result.problems["problem"].iloc[0])


def test_a_wide_file_within_the_limit_reads_only_the_contract_columns(tmp_path):
    frame = valid_frame()
    wide = pd.concat([frame, pd.DataFrame(np.zeros((len(frame), 980)), columns=[f"x{i}" for i in range(980)])],
                     axis=1)
    path = tmp_path / "wide.parquet"
    wide.to_parquet(path, index=False)
    result = load_cohort(path)
    assert result.ok and result.n_warnings == 980
    assert "x0" not in result.cohort.visits.columns


def test_a_huge_cell_is_an_error_quoted_by_its_start_and_length(tmp_path):
    path = tmp_path / "huge_cell.csv"
    with_cell("chelator", "a" * 5_000_000).to_csv(path, index=False)
    result = load_cohort(path)
    row = result.problems[result.problems["column"] == "chelator"].iloc[0]
    assert (row["severity"], row["patient_id"]) == ("error", TARGET_PATIENT)
    assert row["value"] == "'" + "a" * 100 + "…' (5,000,000 characters)"
    assert row["problem"].startswith("more than 1,000 characters, too long for a chelator")
    # Every cell of the problem table is bounded, whatever the file holds.
    assert result.problems.map(len).to_numpy().max() < 500


def test_a_long_number_cell_is_quoted_by_its_start_and_length_on_the_command_line(tmp_path):
    path = tmp_path / "digits.csv"
    with_cell("hb_g_l", "1" * 20_000 + "\nx").to_csv(path, index=False)
    code, output, _ = _validate_capped(path)
    assert code == 1, output[-2000:]
    assert output.startswith(f"error: hb_g_l: patient {TARGET_PATIENT}: not a number (a number followed by text, "
                             "perhaps a unit); write the number only (value: '" + "1" * 100 + "…' (20,002 characters))")
    assert len(output) < 1_000
