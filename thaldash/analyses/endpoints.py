"""Each patient's endpoints, TDT and NTDT apart, and their proportions and distributions.

TDT by transfusion independence (k/n, Clopper–Pearson), transfusion reduction and Hb rise (median,
IQR); NTDT by the Hb-based endpoint (rise ≥ the MiR and MaR Hb thresholds at the window's end, and
sustained to month 24). The genotype look-up (``analyses.genotype``) and the Dose and NTDT page
summarise the patients they choose with these.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from thaldash.analyses.basis import HB_RISE, REDUCTION, SELECTION, TABLE_1, basis
from thaldash.analyses.independence import ti_course
from thaldash.data.cohort import Cohort, positions
from thaldash.grading.grade import grade, sustained_rise
from thaldash.grading.rules import SUSTAINED_TO_MONTH, GradingRules
from thaldash.stats.inputs import not_computed
from thaldash.stats.proportions import proportions
from thaldash.stats.summary import group_summary

PROPORTION_COLUMNS: tuple[str, ...] = ("thal_type", "endpoint", "k", "n", "pct", "ci_low", "ci_high", "ci_method",
                                       "reason", "basis")
DISTRIBUTION_COLUMNS: tuple[str, ...] = ("thal_type", "measure", "n", "median", "q1", "q3", "min", "max", "reason",
                                         "basis")
ONE_PATIENT = not_computed("one patient: no estimate")


def endpoint_names(rules: GradingRules) -> dict[str, tuple[str, str]]:
    """Each endpoint column: (thal type, label) under ``rules`` (thresholds and window)."""
    w, mir, mar = rules.window_months, rules.mir_hb_rise_g_l, rules.mar_hb_rise_g_l
    return {
        "independent": ("TDT", "transfusion independent to the last visit"),
        "hb_ge_mir": ("NTDT", f"Hb rise ≥ {mir:g} g/L at month {w}"),
        "hb_ge_mar": ("NTDT", f"Hb rise ≥ {mar:g} g/L at month {w}"),
        "sustained_ge_mir": ("NTDT", f"Hb rise ≥ {mir:g} g/L sustained to month {SUSTAINED_TO_MONTH}"),
        "sustained_ge_mar": ("NTDT", f"Hb rise ≥ {mar:g} g/L sustained to month {SUSTAINED_TO_MONTH}"),
    }


def measure_names(rules: GradingRules) -> dict[str, tuple[str, str, str]]:
    """Each distribution column: (thal type, label, basis-if-bundled) under ``rules``."""
    w = rules.window_months
    return {"reduction_pct": ("TDT", f"transfusion reduction, months 1–{w} (%)", REDUCTION),
            "hb_rise_tdt": ("TDT", f"Hb rise at month {w} (g/L)", HB_RISE),
            "hb_rise_ntdt": ("NTDT", f"Hb rise at month {w} (g/L)", HB_RISE),
            "hb_rise_sustained": ("NTDT", f"smallest Hb rise, months {w}–{SUSTAINED_TO_MONTH} (g/L)", HB_RISE)}


def patient_endpoints(cohort: Cohort, rules: GradingRules = GradingRules(), *, graded: pd.DataFrame | None = None,
                      course: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per analysed patient with the look-up's evidence.

    Returns ``patient_id``, ``genotype``, ``beta_class``, ``thal_type``, ``tier`` (under ``rules``),
    ``independent`` (TDT: free of transfusion to the last visit, ``ti_course``; NTDT: NA),
    ``ti_month``, ``reduction_pct``, ``hb_rise``, ``hb_rise_sustained`` (``grade``), and the 0/1
    (NaN unknown) columns of ``endpoint_names``. ``graded`` (``grade(cohort, rules)``) and ``course``
    (``ti_course(cohort)``) are computed when not given: a caller that has them saves a grading of
    every patient.
    """
    graded = grade(cohort, rules) if graded is None else graded
    held = sustained_rise(cohort, rules)
    patients = cohort.patients
    at = positions(patients["patient_id"], graded["patient_id"])
    course = ti_course(cohort) if course is None else course
    where = positions(course["patient_id"], graded["patient_id"])  # one cohort's categoricals: by code
    known = course["independent"].astype("float64").to_numpy()
    # No TDT patient means no course at all: nothing to index (every patient is then NTDT, NA).
    independent = np.where(where >= 0, known[np.maximum(where, 0)] if len(known) else np.nan, np.nan)
    ntdt = (graded["thal_type"] == "NTDT").to_numpy(dtype=bool, na_value=False)
    rise = graded["hb_rise"].to_numpy(dtype=float)
    mir, mar = rules.mir_hb_rise_g_l, rules.mar_hb_rise_g_l

    def at_least(values: np.ndarray, threshold: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(ntdt & ~np.isnan(values), (values >= threshold - 1e-9).astype(float), np.nan)

    # Ids as Arrow strings and the labels as the grading's categoricals: a Python object per patient and
    # column was 300 MiB at a million patients for a table of 10 numbers a patient.
    return pd.DataFrame({
        "patient_id": graded["patient_id"].astype("str").array,
        "genotype": graded["genotype"].array,
        "beta_class": patients["beta_class"].array.take(at, allow_fill=True),
        "thal_type": graded["thal_type"].array,
        "tier": graded["tier"].array,
        "independent": independent, "ti_month": graded["ti_month"].to_numpy(dtype=float),
        "reduction_pct": graded["reduction_pct"].to_numpy(dtype=float),
        "hb_rise": rise, "hb_rise_sustained": np.where(ntdt, held, np.nan),
        "hb_ge_mir": at_least(rise, mir), "hb_ge_mar": at_least(rise, mar),
        "sustained_ge_mir": at_least(held, mir), "sustained_ge_mar": at_least(held, mar),
    })


def endpoint_proportions(per_patient: pd.DataFrame, rules: GradingRules, *, by: str | None = None,
                         bundled: bool = False, whole: bool = True) -> pd.DataFrame:
    """Each endpoint as k/n with a Clopper–Pearson interval, TDT and NTDT apart (per ``by`` group).

    ``bundled`` and ``whole`` (every analysed patient of the file) choose the ``basis`` sentence.

    Returns ``PROPORTION_COLUMNS`` (``by`` first when given): ``n`` counts the patients of the type
    whose endpoint is known; ``pct`` is NaN with "not computed: …" for n = 0 and for n = 1 (one
    patient: no estimate; their own result is in the patient list).
    """
    groups = [(None, per_patient)] if by is None else list(per_patient.groupby(by, sort=True, observed=True))
    rows = []
    for label, part in groups:
        for column, (thal, endpoint) in endpoint_names(rules).items():
            values = part.loc[(part["thal_type"] == thal).to_numpy(dtype=bool), column].to_numpy(dtype=float)
            known = values[~np.isnan(values)]
            row = {"thal_type": thal, "endpoint": endpoint, "k": int(known.sum()), "n": len(known)}
            rows.append(row if by is None else {by: label, **row})
    out = pd.DataFrame(rows)
    props = proportions(out["k"].to_numpy(), out["n"].to_numpy(), noun="patient")
    one = out["n"].to_numpy() == 1
    out = out.assign(**{k: props[k] for k in ("pct", "ci_low", "ci_high", "ci_method", "reason")})
    tdt = basis(bundled, published=TABLE_1, assumed=None if whole else SELECTION)
    why = [tdt if t == "TDT" else basis(bundled, assumed=HB_RISE) for t in out["thal_type"]]
    out = out.assign(pct=np.where(one, np.nan, out["pct"]), reason=np.where(one, ONE_PATIENT, out["reason"]),
                     basis=why)
    return out[[*([by] if by else []), *PROPORTION_COLUMNS]]


def endpoint_distributions(per_patient: pd.DataFrame, rules: GradingRules, *, by: str | None = None,
                           bundled: bool = False) -> pd.DataFrame:
    """Median and IQR (``stats.group_summary``) of the look-up's measures, TDT and NTDT apart.

    Returns ``DISTRIBUTION_COLUMNS`` (``by`` first when given); n = 0 and n = 1 give NaN with a reason.
    """
    frame = per_patient.assign(_all="all", hb_rise_tdt=per_patient["hb_rise"], hb_rise_ntdt=per_patient["hb_rise"])
    key = by or "_all"
    parts = []
    for column, (thal, measure, note) in measure_names(rules).items():
        rows = frame[(frame["thal_type"] == thal).to_numpy(dtype=bool)]
        labels = ["all"] if by is None else sorted(frame[key].dropna().unique(), key=str)
        summary = group_summary(rows, value=column, group=key).set_index(key).reindex(labels)
        n = summary["n"].fillna(0).astype("int64").to_numpy()
        parts.append(pd.DataFrame({key: labels, "thal_type": thal, "measure": measure, "n": n,
                                   **{c: np.where(n >= 2, summary[c].to_numpy(dtype=float), np.nan)
                                      for c in ("median", "q1", "q3", "min", "max")},
                                   "reason": np.select([n == 0, n == 1], [not_computed(f"no {thal} patients with a "
                                                                                       "value"), ONE_PATIENT], ""),
                                   "basis": basis(bundled, assumed=note)}))
    out = pd.concat(parts, ignore_index=True)
    if by:
        out = out.sort_values([by], kind="stable", key=lambda s: s.astype(str)).reset_index(drop=True)
    return out[[*([by] if by else []), *DISTRIBUTION_COLUMNS]]
