"""Cohorts shared by tests (importable as ``tests.cohorts``).

``tiny_frame``: eight hand-written patients for unit tests. ``awkward_cohort``: valid but awkward
cohorts of any size (many chelation stops, off-schedule visits, one genotype, one type, one
patient, required columns only), built on ``tools.synthetic.synthetic_cohort``, for page tests.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from thaldash.data.schema import CONTRACT
from tools.synthetic import synthetic_cohort

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


AwkwardVariant = Literal["many_chelation_stops", "off_schedule_months", "one_genotype", "tdt_only", "ntdt_only",
                         "single_patient", "required_columns_only"]
AWKWARD_VARIANTS: tuple[str, ...] = AwkwardVariant.__args__
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in CONTRACT if c.required)


def awkward_cohort(variant: AwkwardVariant, n_patients: int, *, seed: int = 0) -> pd.DataFrame:
    """A valid cohort of ``n_patients`` (one for "single_patient") in the contract's long layout.

    - many_chelation_stops: 60 % of patients have a ``chelation_stop_month`` (study and in-between months);
    - off_schedule_months: month 0 and six random months of 1–24 per patient (2, 7, 9 …), a fifth of
      those visits dropped, so no two patients need share a schedule; every second patient is seen
      monthly instead, to month 24, and at months 30 and 36;
    - one_genotype: every patient CD17/-28 (TDT and NTDT);
    - tdt_only, ntdt_only: one thalassaemia type;
    - single_patient: one TDT patient;
    - required_columns_only: the contract's required columns and nothing else.
    """
    if variant not in AWKWARD_VARIANTS:
        raise ValueError(f"variant: {variant!r} is not one of {', '.join(AWKWARD_VARIANTS)}")
    rng = np.random.default_rng(seed)
    if variant in ("tdt_only", "ntdt_only", "single_patient"):
        return _one_type("NTDT" if variant == "ntdt_only" else "TDT", 1 if variant == "single_patient" else n_patients,
                         seed)
    frame = synthetic_cohort(n_patients, seed)
    if variant == "required_columns_only":
        return frame[list(REQUIRED_COLUMNS)]
    if variant == "one_genotype":
        return frame.assign(allele_1="CD17", allele_2="-28")
    if variant == "many_chelation_stops":
        ids = frame["patient_id"].unique()
        stopped = rng.random(len(ids)) < 0.6
        month = np.where(stopped, rng.choice([3.0, 6.0, 7.5, 9.0, 12.0, 15.0, 18.0, 24.0], len(ids)), np.nan)
        per_patient = pd.Series(month, index=ids)
        return frame.assign(chelation_stop_month=frame["patient_id"].map(per_patient).to_numpy(),
                            chelator=np.where(frame["patient_id"].str[-1].isin(list("02468")), "deferasirox",
                                              "deferoxamine"))
    return _off_schedule(frame, rng)


def _one_type(thal_type: str, n_patients: int, seed: int) -> pd.DataFrame:
    # The synthetic generator draws the type from the genotype; oversample and keep the first n of one type.
    frame = synthetic_cohort(4 * n_patients + 40, seed)
    ids = frame.loc[frame["thal_type"] == thal_type, "patient_id"].unique()[:n_patients]
    return frame[frame["patient_id"].isin(ids)].reset_index(drop=True)


def _off_schedule(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = frame["patient_id"].nunique()
    per_visit = frame.groupby("patient_id", sort=False).size().to_numpy()
    assert (per_visit == 7).all(), "synthetic_cohort gives seven visits per patient"
    later = np.sort(rng.random((n, 24)).argsort(axis=1)[:, :6] + 1, axis=1)  # six distinct months of 1-24
    months = np.concatenate([np.zeros((n, 1), dtype=int), later], axis=1).reshape(-1)
    keep = (months == 0) | (rng.random(len(months)) >= 0.2)
    sparse = frame.assign(month=months)[keep]
    # Every second patient is seen monthly and followed beyond the study, to month 36: 400 such patients
    # are more rows than a chart embeds, so a page must sample by rows, not only by patients.
    monthly = np.arange(n) % 2 == 1
    return pd.concat([sparse[~np.repeat(monthly, 7)[keep]], _monthly(frame[np.repeat(monthly, 7)])]
                     ).sort_values(["patient_id", "month"], ignore_index=True)


def _monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Visits at months 0-24, 30 and 36 from seven study visits per patient (in order 0, 1, 3 … 24)."""
    study = np.array(MONTHS)
    months = np.array([*range(25), 30, 36])
    n = len(frame) // len(study)
    last = np.minimum(np.searchsorted(study, months, side="right") - 1, len(study) - 1)  # values: the last study visit
    due = np.minimum(np.searchsorted(study, months, side="left"), len(study) - 1)  # units: spread over its interval
    gap = np.diff(study, prepend=0)[due]
    rows = (np.arange(n)[:, None] * len(study) + last[None, :]).reshape(-1)
    units = frame["rbc_units"].to_numpy().reshape(n, len(study))[:, due] / np.maximum(gap, 1)
    units[:, months == 0] = 0.0
    return frame.iloc[rows].assign(month=np.tile(months, n), rbc_units=(np.round(units * 4) / 4).reshape(-1))
