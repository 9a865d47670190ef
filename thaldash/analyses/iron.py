"""Transfusion burden before and on treatment, and the ferritin course (chelation stops: ``analyses.chelation``).

Transfusion totals reuse ``thaldash.grading.transfusion`` (one patients × months panel), so a window
total here is the same number the grading uses, with the same rule for missing data: a total
over months (0, W] is known only when every study visit in that range exists and has
``rbc_units`` recorded; otherwise it is NaN and the reason is given. A later visit is never
assumed to cover a missing one, because an undercounted total would look like a response.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort, long_visits, positions
from thaldash.data.schema import STUDY_MONTHS
from thaldash.stats.inputs import numeric_values, require_columns
from thaldash.analyses.trajectories import STATUSES, PatientRows, cap_patients, draw_patients, trajectory_means
from thaldash.grading.transfusion import transfusion_arrays
from thaldash.grading.panel import VisitPanel, visit_panel

FOLLOW_UP_MONTHS = 24
PRE_MONTHS = 24  # pre_rbc_units_24m covers the 24 months before enrolment


_PANEL_COLUMNS = ("patient_id", "month", "thal_type", "rbc_units", "pre_rbc_units_24m", "genotype")


def _tdt(source: Cohort | pd.DataFrame) -> pd.DataFrame:
    """The TDT patients' visit rows (of a cohort's analysed patients), with only the columns used here."""
    if isinstance(source, Cohort) and "thal_type" in source.patients:
        # The TDT patients chosen on the patient table and only these columns copied: not the type joined
        # onto every visit and every column masked (270 MiB at a million patients).
        tdt = (source.patients["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)
        visits = source.visits_with(("thal_type", "pre_rbc_units_24m", "genotype"), analysed=True, where=tdt,
                                    only=_PANEL_COLUMNS)
        require_columns(visits, ["patient_id", "month", "thal_type", "rbc_units"])
        return visits[[c for c in _PANEL_COLUMNS if c in visits]]
    visits = long_visits(source, ("thal_type", "pre_rbc_units_24m", "genotype"))
    require_columns(visits, ["patient_id", "month", "thal_type", "rbc_units"])
    tdt = (visits["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)
    return visits.loc[tdt, [c for c in _PANEL_COLUMNS if c in visits]]


def units_before_after(visits: Cohort | pd.DataFrame, *, window: int = 6, graded: pd.DataFrame | None = None,
                       ) -> pd.DataFrame:
    """Red-cell units per month before enrolment and on treatment, one row per TDT patient.

    Parameters
    ----------
    visits
        A cohort (its analysed patients) or a long visits frame carrying ``thal_type``,
        ``pre_rbc_units_24m`` (and ``genotype``); only TDT patients are used.
    window
        W, the on-treatment window in months (the grading's window, 6 in the paper).
    graded
        Optional ``thaldash.grading.grade.grade`` output; its ``tier`` is attached by ``patient_id``.

    Returns
    -------
    Sorted by ``patient_id``:

    - ``patient_id``, ``genotype`` (when present), ``tier`` (with ``graded``)
    - ``pre_rbc_units_24m``; ``pre_units_per_month`` = pre_rbc_units_24m / 24
    - ``window_months`` (W); ``units_window``: Σ ``rbc_units`` at visits 0 < month ≤ W;
      ``units_per_month_window`` = units_window / W; ``reduction_pct_window``
      (``transfusion.transfusion_facts``, the number the grading uses)
    - ``units_24m``, ``units_per_month_24m`` (/ 24), ``reduction_pct_24m``: the same over
      0 < month ≤ 24
    - ``change_per_month_window``, ``change_per_month_24m``: on-treatment minus pre-enrolment
      units per month (negative = fewer transfusions)
    - ``problem_window``, ``problem_24m``: why a total or reduction is missing ("" if not):
      a missing study visit or ``rbc_units`` value in the range (see the module docstring),
      or no pre-enrolment transfusions (reduction undefined)
    """
    if not 1 <= window <= FOLLOW_UP_MONTHS:
        raise ValueError(f"window must be 1 to {FOLLOW_UP_MONTHS} months; got {window}.")
    panel = visit_panel(_tdt(visits), measures=("rbc_units",))
    out = pd.DataFrame({"patient_id": panel.patients["patient_id"]})
    if not len(out):
        return _empty_before_after(graded is not None, "genotype" in panel.patients)
    # The same arrays transfusion_facts and the grading use, so the totals are the same numbers. Each window's
    # arrays are let go once its columns are taken (a million patients: 240 -> 202 MiB at its peak).
    pre, units_w, reduction_w, problem_w = _window_columns(panel, window, min(3, window))
    _, units_24, reduction_24, problem_24 = _window_columns(panel, FOLLOW_UP_MONTHS, 3)
    if "genotype" in panel.patients:
        out = out.assign(genotype=panel.patients["genotype"])
    del panel
    if graded is not None:
        require_columns(graded, ["patient_id", "tier"])
        one = graded.drop_duplicates("patient_id")
        at = positions(one["patient_id"], out["patient_id"])
        out = out.assign(tier=pd.Series(one["tier"].array.take(at, allow_fill=True)))
    return out.assign(
        pre_rbc_units_24m=pre,
        pre_units_per_month=pre / PRE_MONTHS,
        window_months=window,
        units_window=units_w,
        units_per_month_window=units_w / window,
        reduction_pct_window=reduction_w,
        units_24m=units_24,
        units_per_month_24m=units_24 / FOLLOW_UP_MONTHS,
        reduction_pct_24m=reduction_24,
        change_per_month_window=units_w / window - pre / PRE_MONTHS,
        change_per_month_24m=units_24 / FOLLOW_UP_MONTHS - pre / PRE_MONTHS,
        problem_window=problem_w,
        problem_24m=problem_24,
    )


def _window_columns(panel: VisitPanel, window: int, free_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series]:
    """Units before enrolment, units in the window, reduction and its problem (the columns the table takes)."""
    arrays = transfusion_arrays(panel, window=window, free_months=free_months)
    return arrays.pre, arrays.units_in_window, arrays.reduction, arrays.reduction_problem.series()


BEFORE_AFTER_COLUMNS: tuple[str, ...] = (
    "patient_id", "genotype", "tier", "pre_rbc_units_24m", "pre_units_per_month", "window_months", "units_window",
    "units_per_month_window", "reduction_pct_window", "units_24m", "units_per_month_24m", "reduction_pct_24m",
    "change_per_month_window", "change_per_month_24m", "problem_window", "problem_24m",
)


def _empty_before_after(with_tier: bool, with_genotype: bool) -> pd.DataFrame:
    cols = [c for c in BEFORE_AFTER_COLUMNS if (c != "tier" or with_tier) and (c != "genotype" or with_genotype)]
    text = {"patient_id", "genotype", "tier", "problem_window", "problem_24m"}
    return pd.DataFrame({c: pd.Series(dtype="str" if c in text else "int64" if c == "window_months" else "float64")
                         for c in cols})


def transfusion_timeline(visits: Cohort | pd.DataFrame) -> pd.DataFrame:
    """Units transfused per visit interval for every TDT patient × visit month.

    Returns
    -------
    One row per TDT patient × month (the study months plus any other month a patient was seen),
    sorted by ``patient_id`` then ``month``:

    - ``patient_id``, ``month``
    - ``status``: "value", "missing value" (visit without ``rbc_units``) or "no visit"
    - ``rbc_units``: units since the patient's previous visit (NaN unless status is "value")
    - ``interval_months``: months since that previous visit (NaN at the first visit)
    - ``units_per_month`` = rbc_units / interval_months, comparable with
      ``units_before_after``'s pre-enrolment rate
    """
    panel = visit_panel(_tdt(visits), measures=("rbc_units",))
    months = np.union1d(panel.months, np.asarray(STUDY_MONTHS, dtype=np.int64))
    idx = np.searchsorted(months, panel.months)
    n_pat, n_mon = len(panel.patients), len(months)
    present = np.zeros((n_pat, n_mon), dtype=bool)
    units = np.full((n_pat, n_mon), np.nan)
    present[:, idx], units[:, idx] = panel.present, panel.values["rbc_units"]
    seen = np.where(present, months[None, :].astype(float), np.nan)
    # Month of the previous visit: forward-fill the visit months and shift one column right.
    previous = pd.DataFrame(seen).ffill(axis=1).shift(1, axis=1).to_numpy()
    interval = np.where(present, months[None, :] - previous, np.nan)
    status = np.where(~present, 2, np.where(np.isnan(units), 1, 0)).astype(np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(interval > 0, units / interval, np.nan)
    return pd.DataFrame({
        "patient_id": pd.Series(panel.patients["patient_id"].array.take(np.repeat(np.arange(n_pat), n_mon))),
        "month": np.tile(months, n_pat),
        "status": pd.Categorical.from_codes(status.reshape(-1), categories=list(STATUSES)),
        "rbc_units": units.reshape(-1),
        "interval_months": interval.reshape(-1),
        "units_per_month": rate.reshape(-1),
    })


def transfusion_timeline_sample(visits: Cohort | pd.DataFrame, *, max_patients: int, seed: int = 0) -> PatientRows:
    """``transfusion_timeline`` of at most ``max_patients`` TDT patients drawn at random (``cap_patients``).

    The patients are drawn first and the timeline built for them alone: a chart of 60 rows of a
    million-patient cohort costs 60 patients' work. From a ``Cohort`` the draw is made on its patient
    table (the TDT patients with visits, in the order their visits come), the same patients
    ``cap_patients`` draws from the visits, without joining the type onto 7 million visit rows first.
    """
    if isinstance(visits, Cohort) and "thal_type" in visits.patients:
        patients = visits.analysed_patients
        tdt = np.flatnonzero((patients["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)
                             & (patients["n_visits"].to_numpy() > 0))
        if len(tdt) > max_patients:
            keep = np.zeros(len(visits.patients), dtype=bool)
            keep[tdt[draw_patients(len(tdt), max_patients=max_patients, seed=seed)]] = True
            drawn = _tdt(visits.take(keep, f"timeline sample {max_patients} {seed}"))
            return PatientRows(transfusion_timeline(drawn), len(tdt), max_patients)
    sample = cap_patients(_tdt(visits), max_patients=max_patients, seed=seed)
    return PatientRows(transfusion_timeline(sample.rows), sample.n_patients, sample.n_shown)


def ferritin_course(visits: pd.DataFrame, *, by: Hashable | Sequence[Hashable] | None = None,
                    log: bool = False) -> pd.DataFrame:
    """Serum ferritin per month (and group): ``trajectory_means`` on ``sf_ng_ml``.

    ``log=True`` gives geometric means with back-transformed CIs, which suit ferritin's skew.
    """
    return trajectory_means(visits, measure="sf_ng_ml", by=by, log=log)


REDUCTION_FLOOR = -100.0


def reduction_bins(frame: pd.DataFrame, *, column: str = "reduction_pct", width: float = 5.0,
                   floor: float = REDUCTION_FLOOR) -> pd.DataFrame:
    """Patients per bin of transfusion reduction (%), for a histogram of any cohort size.

    Bins are ``[start, start + width)`` aligned on multiples of ``width`` (so the default
    thresholds 25 % and 50 % are bin edges), the last one closed at 100 %. Reductions below
    ``floor`` (more than double the pre-enrolment transfusions) share one open bin.

    Returns
    -------
    ``bin_start``, ``bin_end``, ``n``, ``open_low`` (True for the "< floor" bin); empty bins
    between the lowest and highest value are kept with n 0. NaN reductions are not counted.
    """
    require_columns(frame, [column])
    values = numeric_values(frame, column)
    values = values[~np.isnan(values)]
    if not len(values):
        return pd.DataFrame({"bin_start": pd.Series(dtype=float), "bin_end": pd.Series(dtype=float),
                             "n": pd.Series(dtype="int64"), "open_low": pd.Series(dtype=bool)})
    high = np.ceil(values.max() / width) * width
    low = min(max(np.floor(values.min() / width) * width, floor), high - width)
    edges = np.arange(low, high + width / 2, width)
    counts, _ = np.histogram(np.clip(values, low, high), bins=edges)
    under = values < floor
    out = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "n": counts.astype(np.int64),
                        "open_low": False})
    if under.any():  # clipped into the first bin above; move them to their own open bin
        out.loc[0, "n"] -= int(under.sum())
        extra = pd.DataFrame({"bin_start": [floor - width], "bin_end": [floor], "n": [int(under.sum())],
                              "open_low": [True]})
        out = pd.concat([extra, out], ignore_index=True)
    return out
