"""Validation a slice of whole patients at a time, so that its temporaries do not scale with the file.

Checks across rows (duplicate visits, a baseline visit, values constant within a patient) need
all of a patient's rows together. Files are usually written patient by patient: then the rows
are cut into slices of about ``CHUNK_ROWS`` rows at patient boundaries. When some patient's rows
are scattered through the file, the whole file is one slice (the single pass of before).
Statistics over a whole column (the median of the unit check) are computed slice by slice too.
"""

from __future__ import annotations

import numpy as np

# Each slice's temporaries (masks, float copies, sort keys) are a few bytes per row: ~20 MB here.
CHUNK_ROWS = 500_000


def row_chunks(patient: np.ndarray | None, n_rows: int, chunk_rows: int = CHUNK_ROWS) -> list[slice]:
    """Slices of about ``chunk_rows`` rows, in order, none splitting a patient's rows.

    ``patient`` gives each row's patient (-1 for none); ``None`` means no patient column (any cut
    will do). One slice of all rows when a patient's rows are not all in one run.
    """
    if n_rows <= chunk_rows:
        return [slice(0, n_rows)]
    if patient is not None and not _in_runs(patient, chunk_rows):
        return [slice(0, n_rows)]
    starts = [0]
    while starts[-1] + chunk_rows < n_rows:
        cut = starts[-1] + chunk_rows
        if patient is not None:
            cut = _next_patient_start(patient, cut, chunk_rows)
        if cut >= n_rows:
            break
        starts.append(cut)
    return [slice(a, b) for a, b in zip(starts, [*starts[1:], n_rows])]


def _in_runs(patient: np.ndarray, block: int) -> bool:
    """True when each patient's rows form one unbroken run (rows without a patient aside)."""
    runs = 0
    previous = -1
    for start in range(0, len(patient), block):
        p = patient[start:start + block]
        runs += int(((p[1:] != p[:-1]) & (p[1:] >= 0)).sum()) + int(len(p) > 0 and p[0] >= 0 and p[0] != previous)
        previous = int(p[-1]) if len(p) else previous
    present = np.unique(patient[patient >= 0]) if len(patient) <= block else _distinct(patient, block)
    return runs == len(present)


def _distinct(patient: np.ndarray, block: int) -> np.ndarray:
    seen = np.zeros(int(patient.max()) + 1 if len(patient) else 0, dtype=bool)
    for start in range(0, len(patient), block):
        p = patient[start:start + block]
        seen[p[p >= 0]] = True
    return np.flatnonzero(seen)


def _next_patient_start(patient: np.ndarray, at: int, block: int) -> int:
    """The first row at or after ``at`` that starts a patient's run (or has no patient)."""
    while at < len(patient):
        p = patient[at - 1:at + block]
        starts = np.flatnonzero((p[1:] != p[:-1]) | (p[1:] < 0))
        if len(starts):
            return at + int(starts[0])
        at += block
    return len(patient)


def median_within(values: np.ndarray, chunks: list[slice], low: float, high: float) -> tuple[float, int, int] | None:
    """``np.median`` of the finite values, the first row closest to it and their number, when the median
    lies in [``low``, ``high``]; else None.

    Exact, without a copy of the column: one pass counts the values below and above the range (the
    median of a valid column is far outside the range of a unit mistake, and that settles it); else
    the middle values are found by a radix selection over the slices (16 bits of a sortable key at a
    time).
    """
    n = below = above = 0
    for c in chunks:
        v = _float(values[c])
        finite = v[np.isfinite(v)]
        n, below, above = n + len(finite), below + int((finite < low).sum()), above + int((finite > high).sum())
    middle = ((n - 1) // 2, n // 2)
    if n == 0 or middle[1] < below or middle[0] >= n - above:  # both middle values below, or both above
        return None
    first, second = _kth(values, chunks, middle[0]), _kth(values, chunks, middle[1])
    median = float(np.mean(np.array([first, second]))) if n % 2 == 0 else first
    if not low <= median <= high:
        return None
    best, best_row = np.inf, -1
    for c in chunks:
        v = _float(values[c])
        finite = np.flatnonzero(np.isfinite(v))
        if len(finite):
            distance = np.abs(v[finite] - median)
            i = int(np.argmin(distance))
            if distance[i] < best:
                best, best_row = float(distance[i]), c.start + int(finite[i])
    return median, best_row, n


def _kth(values: np.ndarray, chunks: list[slice], k: int) -> float:
    """The ``k``-th smallest finite value (0-based), -0.0 counted as 0.0."""
    prefix = np.uint64(0)
    for shift in (48, 32, 16, 0):
        counts = np.zeros(1 << 16, dtype=np.int64)
        for c in chunks:
            keys = _keys(values[c])
            if shift < 48:
                keys = keys[(keys >> np.uint64(shift + 16)) == prefix]
            counts += np.bincount(((keys >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.int64),
                                  minlength=1 << 16)
        below = np.cumsum(counts)
        digit = int(np.searchsorted(below, k, side="right"))
        k -= int(below[digit - 1]) if digit else 0
        prefix = (prefix << np.uint64(16)) | np.uint64(digit)
    return float(_value(prefix))


def _float(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _keys(values: np.ndarray) -> np.ndarray:
    """Finite values as unsigned integers that sort like the values."""
    v = _float(values)
    bits = (v[np.isfinite(v)] + 0.0).view(np.uint64)  # + 0.0 turns -0.0 into 0.0
    negative = (bits >> np.uint64(63)).astype(bool)
    return np.where(negative, ~bits, bits | np.uint64(1 << 63))


def _value(key: np.uint64) -> float:
    bits = np.uint64(key) & ~np.uint64(1 << 63) if key >> np.uint64(63) else ~np.uint64(key)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])
