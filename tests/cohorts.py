"""Small hand-written cohorts shared by tests (importable as ``tests.cohorts``)."""

from __future__ import annotations

import pandas as pd

MONTHS = (0, 1, 3, 6, 12, 18, 24)


def _patient(pid, a1, a2, thal, pre, hb, units, *, withdrawn=False, sex="F", age=20.0, splenectomy=False,
             hbf=None, sf=None, months=MONTHS):
    rows = []
    for k, m in enumerate(months):
        rows.append({
            "patient_id": pid, "allele_1": a1, "allele_2": a2, "thal_type": thal, "splenectomy": splenectomy,
            "pre_rbc_units_24m": pre, "month": m, "hb_g_l": hb[k], "rbc_units": units[k],
            "hbf_pct": (hbf or [10.0 + 5 * k for k in range(len(months))])[k],
            # Each patient loses ferritin at their own pace, so within-patient changes vary.
            "sf_ng_ml": (sf or [3000.0 - (60 + ord(pid[-1]) % 17 * 9) * k for k in range(len(months))])[k],
            "sex": sex, "age_years": age, "withdrawn": withdrawn,
        })
    return rows


def tiny_frame() -> pd.DataFrame:
    """Eight patients covering each tier, NTDT, a withdrawal and a missing 6-month visit.

    Reductions over the 6-month window use pre = 48 units (12 expected in 6 months):
    T-SLR receives 8 units (reduction 33.3 %), T-NR 11 units (8.3 %).
    """
    rows = []
    rows += _patient("T-MAR1", "CD41-42", "CD17", "TDT", 48.0, [75, 90, 105, 110, 112, 111, 110], [0, 2, 0, 0, 0, 0, 0],
                     sex="M", age=13.0, splenectomy=True)
    rows += _patient("T-MAR3", "CD17", "CD17", "TDT", 48.0, [70, 80, 95, 105, 108, 107, 106], [0, 2, 2, 0, 0, 0, 0])
    rows += _patient("T-SLR", "CD17", "-28", "TDT", 48.0, [65, 70, 72, 80, 82, 83, 84], [0, 2, 3, 3, 4, 4, 4],
                     sex="M", age=16.0)
    rows += _patient("T-NR", "CD41-42", "CD41-42", "TDT", 48.0, [60, 62, 65, 66, 66, 67, 68], [0, 2, 4, 5, 6, 6, 6],
                     age=30.0, splenectomy=True)
    rows += _patient("N-1", "-28", "-28", "NTDT", 0.0, [85, 95, 105, 112, 114, 113, 115], [0] * 7, age=25.0,
                     hbf=[40, 50, 60, 70, 75, 76, 77])
    rows += _patient("N-2", "CD17", "-28", "NTDT", 0.0, [80, 88, 96, 104, 106, 105, 104], [0] * 7, sex="M", age=35.0,
                     hbf=[30, 38, 46, 54, 60, 61, 62])
    rows += _patient("W-1", "CD41-42", "CD17", "TDT", 40.0, [72, 74], [0, 2], withdrawn=True, months=(0, 1),
                     hbf=[5, 8], sf=[4000, 3900])
    gap = (0, 1, 3, 12, 18, 24)  # no 6-month visit: not evaluable at the default window
    rows += _patient("T-GAP", "CD41-42", "CD71-72", "TDT", 48.0, [74, 80, 90, 100, 101, 102], [0, 2, 2, 0, 0, 0],
                     months=gap, hbf=[8, 20, 40, 60, 61, 62], sf=[5000, 4900, 4800, 4500, 4400, 4300])
    frame = pd.DataFrame(rows)
    return frame.astype({"month": "int64", "patient_id": "str", "sex": "str"})
