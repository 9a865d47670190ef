"""Slices of whole patients, and the median of a column computed slice by slice."""

from __future__ import annotations

import numpy as np
import pytest

from thaldash.data.validation_chunks import median_within, row_chunks


def _slices(n: int, size: int) -> list[slice]:
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def test_slices_cover_the_rows_in_order_and_never_split_a_patient():
    patient = np.repeat(np.arange(1_000), 7)
    chunks = row_chunks(patient, len(patient), 500)
    assert chunks[0].start == 0 and chunks[-1].stop == len(patient)
    assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:]))
    assert all(patient[c.start] != patient[c.start - 1] for c in chunks[1:])
    assert all(500 <= c.stop - c.start < 507 for c in chunks[:-1])


def test_rows_without_a_patient_may_start_a_slice():
    patient = np.repeat(np.arange(100), 10)
    patient[495:505] = -1
    chunks = row_chunks(patient, len(patient), 500)
    assert chunks[1].start == 500


@pytest.mark.parametrize("scatter", ["a patient's rows in two runs", "a row without a patient inside a run"])
def test_scattered_patients_give_one_slice(scatter):
    patient = np.repeat(np.arange(1_000), 7)
    patient[7 * 500 if scatter.startswith("a patient") else 3] = 2 if scatter.startswith("a patient") else -1
    assert row_chunks(patient, len(patient), 500) == [slice(0, len(patient))]


def test_no_patient_column_gives_slices_of_the_size():
    assert row_chunks(None, 1_050, 500) == [slice(0, 500), slice(500, 1_000), slice(1_000, 1_050)]


@pytest.mark.parametrize("seed", range(30))
def test_the_median_is_numpys(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 2_000))
    values = [rng.normal(5, 3, n), rng.integers(-5, 20, n).astype(float), np.round(rng.normal(0.5, 0.3, n), 2)][seed % 3]
    values[rng.random(n) < 0.1] = np.nan
    values[rng.random(n) < 0.02] = np.inf * rng.choice([-1, 1])
    finite = values[np.isfinite(values)]
    if not len(finite):
        return
    median = float(np.median(finite))  # numpy.median of the finite values: the reference
    closest = int(np.flatnonzero(np.isfinite(values))[np.argmin(np.abs(finite - median))])
    assert median_within(values, _slices(n, 97), -np.inf, np.inf) == (median, closest, len(finite))
    low, high = sorted(rng.normal(5, 4, 2))
    found = median_within(values, _slices(n, 97), low, high)
    assert (found is not None) == (low <= median <= high)


def test_the_median_of_an_integer_column_is_exact():
    values = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64)
    assert median_within(values, _slices(8, 3), 0, 10) == (float(np.median(values)), 0, 8)
