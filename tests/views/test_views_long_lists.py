"""A list of patients as long as a million-patient cohort: its block keeps what a page shows or downloads
(``views.blocks.PATIENT_LIST_ROWS``) and says how long it is; a slide takes its first rows and says so."""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.views import blocks
from thaldash.views.blocks import Col, Table
from thaldash.views.deck import MAX_TABLE_ROWS, deck_item


def _patients(n: int) -> pd.DataFrame:
    return pd.DataFrame({"patient_id": [f"P{i:06d}" for i in range(n)], "units": np.arange(n, dtype=float)})


def test_a_long_list_of_patients_keeps_its_first_rows_and_its_length(monkeypatch):
    monkeypatch.setattr(blocks, "PATIENT_LIST_ROWS", 50)
    frame = _patients(300)
    table = Table("units", "Units", frame, {"patient_id": Col("Patient"), "units": Col("Units")},
                  patient_column="patient_id", long_list=True)
    assert (len(table.frame), table.n_rows, table.trimmed) == (50, 300, True)
    pd.testing.assert_frame_equal(table.frame, frame.head(50))
    plain = Table("rates", "Rates", frame, {"units": Col("Units")})  # not a list of patients: kept whole
    assert (len(plain.frame), plain.n_rows, plain.trimmed) == (300, 300, False)
    read = Table("changed", "Changed", frame, {"units": Col("Units")}, patient_column="patient_id")  # read by row
    assert (len(read.frame), read.n_rows, read.trimmed) == (300, 300, False)


def test_a_slide_of_a_long_list_shows_its_first_rows_and_counts_them_all(monkeypatch):
    monkeypatch.setattr(blocks, "PATIENT_LIST_ROWS", 150)
    table = Table("units", "Units", _patients(400), {"patient_id": Col("Patient"), "units": Col("Units", "%.1f")},
                  patient_column="patient_id", long_list=True)
    item = deck_item(table, page="Transfusion and iron", state="", footer="data: x", reconstruction=True)
    assert len(item.table) == MAX_TABLE_ROWS
    assert list(item.table.iloc[0]) == ["P000000", "0.0"]
    assert f"The first {MAX_TABLE_ROWS} of 400 rows; the page's tables count them all." in item.caption
