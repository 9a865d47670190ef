"""Iron chelation stopped for low ferritin (the paper's Table 8), and the stops per month for a chart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.analyses.iron import FOLLOW_UP_MONTHS
from thaldash.data.cohort import Cohort, long_visits
from thaldash.stats.inputs import numeric_values, require_columns


CHELATION_COLUMNS: tuple[str, ...] = (
    "patient_id", "sex", "age_years", "genotype", "thal_type", "chelation_stop_month",
    "sf_month_at_stop", "sf_at_stop", "sf_24m", "sf_change", "problem",
)


def chelation_stops(visits: Cohort | pd.DataFrame) -> pd.DataFrame:
    """Patients whose iron chelation was stopped for low ferritin, in the layout of Table 8.

    Returns
    -------
    One row per patient with a ``chelation_stop_month``, sorted by stop month then patient:

    - ``patient_id``, ``sex``, ``age_years``, ``genotype``, ``thal_type`` (``<NA>`` if absent)
    - ``chelation_stop_month``
    - ``sf_month_at_stop``, ``sf_at_stop``: the last recorded ferritin at or before the stop
      month ("SF before discontinuation"), and the visit month it comes from
    - ``sf_24m``: ferritin at month 24; ``sf_change`` = sf_24m − sf_at_stop
    - ``problem``: which of these is missing and why ("" when none)

    No ``chelation_stop_month`` column gives an empty frame with these columns.
    """
    visits = long_visits(visits, ("sex", "age_years", "genotype", "thal_type", "chelation_stop_month"))
    require_columns(visits, ["patient_id", "month", "sf_ng_ml"])
    if "chelation_stop_month" not in visits:
        return _empty_stops()
    stop = numeric_values(visits, "chelation_stop_month")
    rows = visits[~np.isnan(stop)]
    if rows.empty:
        return _empty_stops()
    keep = [c for c in ("patient_id", "sex", "age_years", "genotype", "thal_type", "chelation_stop_month")
            if c in rows]
    out = rows.groupby("patient_id", sort=True, as_index=False)[keep[1:]].first()
    sf = numeric_values(rows, "sf_ng_ml")
    month = rows["month"].to_numpy(dtype=float)
    before = rows[(month <= stop[~np.isnan(stop)]) & ~np.isnan(sf)]
    last = before.sort_values(["patient_id", "month"]).groupby("patient_id").tail(1).set_index("patient_id")
    at_24 = rows[month == FOLLOW_UP_MONTHS].set_index("patient_id")["sf_ng_ml"]
    out = out.assign(
        sf_month_at_stop=out["patient_id"].map(last["month"]).astype(float),
        sf_at_stop=out["patient_id"].map(last["sf_ng_ml"]).astype(float),
        sf_24m=out["patient_id"].map(at_24).astype(float),
    )
    out = out.assign(sf_change=out["sf_24m"] - out["sf_at_stop"])
    no_stop = np.where(out["sf_at_stop"].isna(), "no ferritin recorded at or before the stop month", "")
    no_24 = np.where(out["sf_24m"].isna(), "no ferritin at month 24", "")
    problem = pd.Series(no_stop, dtype="str").str.cat(pd.Series(no_24, dtype="str"), sep="; ").str.strip("; ")
    out = out.assign(problem=problem.to_numpy()).reindex(columns=list(CHELATION_COLUMNS))
    return out.sort_values(["chelation_stop_month", "patient_id"], ignore_index=True)


STOP_NAMES = 6
"""Patients named per stop month in ``stop_months`` (the rest are counted)."""


def stop_months(stops: pd.DataFrame) -> pd.DataFrame:
    """Chelation stops per month, for marking them on a chart of any cohort size.

    ``stops`` is ``chelation_stops`` output. Returns one row per ``chelation_stop_month`` (ascending)
    with ``n`` (patients stopped that month) and ``who`` (the first ``STOP_NAMES`` patient ids in
    the order of ``stops``, then "… and N more").
    """
    require_columns(stops, ["patient_id", "chelation_stop_month"])
    grouped = stops.groupby("chelation_stop_month", sort=True)["patient_id"]
    out = grouped.agg(n="size", who=lambda s: ", ".join(map(str, s.iloc[:STOP_NAMES])) + (
        f" … and {len(s) - STOP_NAMES:,} more" if len(s) > STOP_NAMES else "")).reset_index()
    return out.astype({"chelation_stop_month": "float64", "n": "int64", "who": "str"})


def _empty_stops() -> pd.DataFrame:
    floats = {"age_years", "chelation_stop_month", "sf_month_at_stop", "sf_at_stop", "sf_24m", "sf_change"}
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in floats else "str") for c in CHELATION_COLUMNS})
