"""Synthetic cohorts in the contract format, of any size, for benchmarks and load tests.

    python -m tools.synthetic 100000 /tmp/synthetic-100k.parquet

Not a model of thalassaemia: plausible shapes (genotype mix, TDT share and response pattern of
the bundled cohort) so that every page has work to do at 10,000 or 1,000,000 patients. Fully
vectorised: 1,000,000 patients × 7 visits build in a few seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = np.array([0, 1, 3, 6, 12, 18, 24])
# (allele_1, allele_2, weight, share TDT) roughly as in the bundled cohort.
GENOTYPES = (
    ("-28", "-28", 3, 0.0), ("CD17", "-29", 4, 0.0), ("CD41-42", "-28", 6, 0.35), ("CD41-42", "-29", 2, 1.0),
    ("CD41-42", "CD17", 5, 1.0), ("CD41-42", "IVS-II-654", 4, 1.0), ("CD17", "CD17", 3, 0.7),
    ("CD41-42", "CD71-72", 3, 1.0), ("IVS-II-654", "HbE", 2, 1.0), ("CD41-42", "CD43", 1, 1.0),
    ("CD17", "-28", 7, 0.7), ("CD41-42", "CD41-42", 4, 1.0), ("CD17", "IVS-II-654", 3, 1.0),
    ("CD71-72", "HbE", 1, 1.0),
)


def synthetic_cohort(n_patients: int, seed: int = 0, *, withdrawn_share: float = 0.08) -> pd.DataFrame:
    """``n_patients`` × 7 visits in the contract's long layout (required columns plus sex, age, withdrawn)."""
    rng = np.random.default_rng(seed)
    weights = np.array([g[2] for g in GENOTYPES], dtype=float)
    pick = rng.choice(len(GENOTYPES), n_patients, p=weights / weights.sum())
    tdt = rng.random(n_patients) < np.array([g[3] for g in GENOTYPES])[pick]
    # Response: 0 = independent by month 1, 1 = by month 3, 2 = still transfused (NTDT: never transfused).
    course = np.where(tdt, rng.choice(3, n_patients, p=[0.47, 0.15, 0.38]), 0)
    pre = np.where(tdt, np.round(rng.uniform(30, 80, n_patients) * 2) / 2, 0.0)
    base_hb = rng.normal(78, 9, n_patients)
    gain = np.where(course == 2, rng.normal(8, 6, n_patients), rng.normal(28, 8, n_patients))
    shape = 1 - np.exp(-MONTHS / 2.5)  # most of the rise in the first 3 months
    hb = np.clip(base_hb[:, None] + gain[:, None] * shape[None, :] + rng.normal(0, 3, (n_patients, 7)), 40, 160)
    base_hbf = np.clip(rng.normal(np.where(tdt, 12, 45), 12), 0.5, 95)
    top = np.where(course == 2, rng.uniform(20, 60, n_patients), rng.uniform(70, 97, n_patients))
    hbf = np.clip(base_hbf[:, None] + (top - base_hbf)[:, None] * shape[None, :], 0.3, 98.5)
    sf = np.clip(np.exp(rng.normal(np.log(np.where(tdt, 4500, 2500)), 0.6)), 150, 25_000)[:, None] \
        * np.exp(-MONTHS / 40)[None, :]
    units = np.zeros((n_patients, 7))
    gaps = np.diff(MONTHS, prepend=0)
    monthly = pre / 24
    transfused = np.zeros((n_patients, 7), dtype=bool)
    transfused[:, 1] = tdt
    transfused[:, 2] = tdt & (course >= 1)
    transfused[:, 3:] = (tdt & (course == 2))[:, None]
    units[transfused] = np.round((monthly[:, None] * gaps[None, :] * rng.uniform(0.4, 0.8, (n_patients, 7)))
                                 [transfused] * 4) / 4
    withdrawn = rng.random(n_patients) < withdrawn_share
    ids = np.char.add("S", np.char.zfill(np.arange(1, n_patients + 1).astype(str), 7))
    a1 = np.array([g[0] for g in GENOTYPES])[pick]
    a2 = np.array([g[1] for g in GENOTYPES])[pick]
    frame = pd.DataFrame({
        "patient_id": np.repeat(ids, 7),
        "allele_1": np.repeat(a1, 7),
        "allele_2": np.repeat(a2, 7),
        "thal_type": np.repeat(np.where(tdt, "TDT", "NTDT"), 7),
        "splenectomy": np.repeat(rng.random(n_patients) < 0.38, 7),
        "pre_rbc_units_24m": np.repeat(pre, 7),
        "month": np.tile(MONTHS, n_patients),
        "hb_g_l": np.round(hb, 1).reshape(-1),
        "hbf_pct": np.round(hbf, 1).reshape(-1),
        "sf_ng_ml": np.round(sf, 2).reshape(-1),
        "rbc_units": units.reshape(-1),
        "sex": np.repeat(np.where(rng.random(n_patients) < 0.58, "M", "F"), 7),
        "age_years": np.repeat(np.round(rng.uniform(12, 45, n_patients)), 7),
        "withdrawn": np.repeat(withdrawn, 7),
    })
    return frame


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m tools.synthetic N_PATIENTS OUT.parquet", file=sys.stderr)
        return 2
    frame = synthetic_cohort(int(args[0]))
    frame.to_parquet(Path(args[1]), index=False)
    print(f"wrote {args[1]}: {int(args[0]):,} patients, {len(frame):,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
