"""Transfusion independence of TDT patients: when it is reached, whether it lasts, and who reaches it.

Per patient (``ti_course``), from ``rbc_units`` (units since the previous visit) at the visits:

- **reached**: a visit interval without any transfusion was seen; independence was *first reached*
  at the start of the first such interval (month 1 at the earliest, the contract's convention for
  a patient never transfused after baseline). A missing ``rbc_units`` before any free interval
  censors the patient at the last visit whose status is known.
- **lost**: after the first free interval, a later interval has a transfusion (unknown when a
  later value is missing and none is positive).
- **independent**: free of transfusion from some month to the last visit (the contract's
  transfusion-independence month exists): the paper's "free of blood transfusion" (21/34).

``ti_incidence`` is the cumulative incidence of *reached* at the visits (``stats.incidence``,
Kaplan–Meier on the first visit where it is seen); ``ti_model`` and ``ti_roc`` model
*independent* on baseline HbF and β class (``stats.firth``, ``stats.roc``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from thaldash.analyses.basis import (BETA_CLASS, HBF_BASELINE, TI_LASTING, TI_TIMING, basis)
from thaldash.data.coded_text import category_text
from thaldash.data.cohort import Cohort, positions
from thaldash.grading.panel import visit_panel
from thaldash.published.paper import is_bundled
from thaldash.stats.firth import INTERCEPT, firth_logistic, linear_predictor
from thaldash.stats.incidence import cumulative_incidence, durability
from thaldash.stats.roc import roc_auc, roc_curve

VISITS: tuple[int, ...] = (1, 3, 6, 12, 18, 24)
COURSE_COLUMNS: tuple[str, ...] = (
    "patient_id", "genotype", "beta_class", "thal_type", "reached", "reached_month", "time", "lost",
    "independent", "ti_month", "last_visit", "hbf_baseline", "two_beta0",
)
HBF_PER = 10.0
"""Baseline HbF enters the model per this many percentage points (an odds ratio per 1 % is ~1)."""
PREDICTORS: dict[str, str] = {"hbf_baseline_per_10": f"baseline HbF, per {HBF_PER:g} %",
                              "two_beta0": "β0/β0 (vs at least one β+ allele)"}
MODELS: dict[str, tuple[str, ...]] = {
    "HbF and β class": ("hbf_baseline_per_10", "two_beta0"),
    "HbF alone": ("hbf_baseline_per_10",),
    "β class alone": ("two_beta0",),
}
MODEL_COLUMNS: tuple[str, ...] = (
    "model", "term", "label", "estimate", "odds_ratio", "ci_low", "ci_high", "p", "test", "ci_method", "n",
    "events", "non_events", "events_per_parameter", "method", "reason", "basis",
)
ROC_SCORES: dict[str, str] = {"hbf_baseline": "baseline HbF", "model_log_odds": "HbF + β class model (apparent)"}
"""Score labels; "apparent": the model is judged on the patients it was fitted to, so its AUC is optimistic."""


def ti_course(cohort: Cohort) -> pd.DataFrame:
    """One row per analysed TDT patient: whether and when independence was reached, lost, held.

    Returns
    -------
    pandas.DataFrame
        ``COURSE_COLUMNS``: ``patient_id``, ``genotype``, ``beta_class``, ``thal_type``;
        ``reached`` (bool, NaN when unknown); ``reached_month`` (month first reached, NaN if not);
        ``time`` (``reached_month``, else the last visit whose status is known: the censoring
        time); ``lost`` (bool; NaN unknown or not reached); ``independent`` (free of transfusion
        to the last visit; NaN when not evaluable); ``ti_month``; ``last_visit``;
        ``hbf_baseline`` (HbF % at month 0); ``two_beta0`` (1.0 for β0/β0, 0.0 otherwise, NaN unknown).
    """
    patients = cohort.patients
    is_tdt = (patients["thal_type"] == "TDT").to_numpy(dtype=bool, na_value=False)
    tdt = patients[["patient_id", "genotype", "beta_class"]][is_tdt & ~patients["withdrawn"].to_numpy(dtype=bool)]
    # Only the TDT patients' rows of the four columns read, chosen before anything is copied; then only the
    # months after baseline and the baseline HbF kept, so that neither the visits nor the whole panel (together
    # 170 MiB at a million patients) outlive the few lines that need them.
    visits = cohort.visits_with((), analysed=True, where=is_tdt, only=("patient_id", "month", "rbc_units", "hbf_pct"))
    panel = visit_panel(visits, measures=("rbc_units", "hbf_pct"))
    del visits
    ids, months = panel.patients["patient_id"], panel.months
    after = months >= 1
    u, p, m = panel.values["rbc_units"][:, after], panel.present[:, after], months[after].astype(float)
    j0 = panel.column(0)
    hbf = panel.values["hbf_pct"][:, j0].copy() if j0 is not None else np.full(len(ids), np.nan)
    del panel
    n, k = u.shape
    if n == 0 or k == 0:  # no TDT patient, or nobody seen after baseline: nothing is known
        return _unknown_course(tdt, ids)
    free = p & (u == 0)
    positive = p & (u > 0)
    unknown = p & np.isnan(u)
    first_free = np.where(free.any(axis=1), np.argmax(free, axis=1), k)
    idx = np.arange(k)[None, :]
    unknown_before = (unknown & (idx < first_free[:, None])).any(axis=1)
    reached = first_free < k
    start = np.where(first_free > 0, m[np.maximum(first_free - 1, 0)], 0.0)
    reached_month = np.where(reached, np.maximum(start, 1.0), np.nan)
    later = idx > first_free[:, None]
    lost = np.where(~reached, np.nan, np.where((positive & later).any(axis=1), 1.0,
                                               np.where((unknown & later).any(axis=1), np.nan, 0.0)))
    # Censored: the last visit before the first gap in the record, or the last visit attended.
    first_gap = np.where(unknown.any(axis=1), np.argmax(unknown, axis=1), k)
    seen = p & (idx < first_gap[:, None])
    last_known = np.where(seen.any(axis=1), m[k - 1 - np.argmax(seen[:, ::-1], axis=1)] if k else 0.0, np.nan)
    reached_known = np.where(reached, 1.0, np.where(unknown_before | ~seen.any(axis=1), np.nan, 0.0))
    reached_known = np.where(reached & unknown_before, 1.0, reached_known)
    time = np.where(reached, reached_month, last_known)
    # Independence to the last visit: the contract's transfusion-independence month.
    last_positive = np.where(positive.any(axis=1), k - 1 - np.argmax(positive[:, ::-1], axis=1), -1)
    tail_unknown = (unknown & (idx > last_positive[:, None])).any(axis=1)
    has_later = (p & (idx > last_positive[:, None])).any(axis=1)
    independent = np.where(tail_unknown | ~p.any(axis=1), np.nan, np.where(has_later, 1.0, 0.0))
    ti_month = np.where(independent == 1, np.where(last_positive >= 0, m[np.maximum(last_positive, 0)], 1.0)
                        if k else np.nan, np.nan)
    at = positions(tdt["patient_id"], ids)
    beta = tdt["beta_class"].array.take(at, allow_fill=True)
    two_beta0 = np.where(pd.isna(beta) | (beta == "unknown/unknown"), np.nan, (beta == "β0/β0").astype(float))
    # Texts taken from their categories' own (Arrow) text and flags as masked booleans: no Python object per
    # patient (a million patients' ids as objects were 60 MiB, and each flag column another 8 MiB of pointers).
    out = pd.DataFrame({
        "patient_id": ids.array,  # the cohort's categorical: found by code, not hashed as text, by its readers
        "genotype": category_text(tdt["genotype"].array.take(at, allow_fill=True)),
        "beta_class": category_text(beta),
        "thal_type": "TDT",
        "reached": _flags(reached_known),
        "reached_month": reached_month, "time": time,
        "lost": _flags(lost),
        "independent": _flags(independent),
        "ti_month": ti_month, "last_visit": np.where(p.any(axis=1), m[k - 1 - np.argmax(p[:, ::-1], axis=1)]
                                                     if k else np.nan, np.nan),
        "hbf_baseline": hbf, "two_beta0": two_beta0,
    })
    return out[list(COURSE_COLUMNS)]


def _flags(values: np.ndarray) -> pd.arrays.BooleanArray:
    """1.0/0.0/NaN as True/False/NA."""
    return pd.arrays.BooleanArray(values == 1, np.isnan(values))


def _unknown_course(tdt: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """``ti_course`` rows for patients with no visit after baseline: every fact unknown."""
    at = positions(tdt["patient_id"], ids)
    unknown = pd.array([None] * len(ids), dtype="boolean")
    nan = np.full(len(ids), np.nan)
    return pd.DataFrame({
        "patient_id": ids.astype("str").to_numpy(), "genotype": tdt["genotype"].astype("object").to_numpy()[at],
        "beta_class": tdt["beta_class"].astype("object").to_numpy()[at], "thal_type": "TDT",
        "reached": unknown, "reached_month": nan, "time": nan, "lost": unknown, "independent": unknown,
        "ti_month": nan, "last_visit": nan, "hbf_baseline": nan, "two_beta0": nan,
    })[list(COURSE_COLUMNS)]


def _bundled_basis(cohort: Cohort, *, early: bool) -> str:
    return basis(is_bundled(cohort), published=TI_TIMING if early else None,
                 assumed=None if early else TI_LASTING)


def ti_incidence(cohort: Cohort, course: pd.DataFrame, *, by: str | None = None,
                 visits: Sequence[int] = VISITS) -> pd.DataFrame:
    """Cumulative incidence of independence by visit among TDT patients (``stats.incidence``).

    ``course`` is ``ti_course(cohort)``, with the ``by`` column when grouping (``beta_class``,
    ``genotype``, or a genotype-set column the caller adds). Returns ``cumulative_incidence``'s
    columns (``by`` first when given) plus ``basis``: on the bundled cohort months 1 and 3 are
    Table 1's published counts, later months depend on the reconstruction.
    """
    frame = course.assign(reached=course["reached"].astype("float64"))
    out = cumulative_incidence(frame, time="time", event="reached", by=by, visits=list(visits))
    early = out["visit"].to_numpy(dtype=float) <= 3
    return out.assign(basis=np.where(early, _bundled_basis(cohort, early=True), _bundled_basis(cohort, early=False)))


def ti_durability(cohort: Cohort, course: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Among those who reached independence, how many needed a transfusion again by their last visit.

    ``stats.incidence.durability`` columns plus ``basis``.
    """
    frame = course.assign(reached=course["reached"].astype("float64"), lost=course["lost"].astype("float64"))
    return durability(frame, reached="reached", lost="lost", by=by).assign(basis=_bundled_basis(cohort, early=False))


def model_frame(course: pd.DataFrame) -> pd.DataFrame:
    """``course`` with the model's columns: ``independent`` as 0/1 and HbF per ``HBF_PER`` %."""
    return course.assign(independent=course["independent"].astype("float64"),
                         hbf_baseline_per_10=course["hbf_baseline"] / HBF_PER)


def ti_model(cohort: Cohort, course: pd.DataFrame) -> pd.DataFrame:
    """Firth logistic regression of independence on baseline HbF and β class (``stats.firth``).

    Genotype itself separates independence perfectly in the paper's TDT patients and would need a
    parameter per genotype, so the model uses what genotype carries that generalises: the number
    of β0 alleles (β0/β0 vs not), with baseline HbF.

    Returns
    -------
    pandas.DataFrame
        ``MODEL_COLUMNS``, one row per term of each of ``MODELS`` (intercept included):
        ``model``, ``term``, ``label`` (readable), ``estimate`` (log-odds), ``odds_ratio`` with its
        profile-likelihood ``ci_low``/``ci_high``, ``p`` (penalized likelihood ratio), ``test``,
        ``ci_method``, ``n``, ``events`` (independent), ``non_events``,
        ``events_per_parameter``, ``method``, ``reason`` and ``basis``.
    """
    frame = model_frame(course)
    bundled = is_bundled(cohort)
    parts = []
    for name, predictors in MODELS.items():
        fit = firth_logistic(frame, outcome="independent", predictors=list(predictors))
        why = basis(bundled, published=BETA_CLASS,
                    assumed=HBF_BASELINE if "hbf_baseline_per_10" in predictors else None)
        parts.append(fit.assign(model=name, label=fit["term"].map({**PREDICTORS, INTERCEPT: "intercept"}),
                                basis=why))
    return pd.concat(parts, ignore_index=True)[list(MODEL_COLUMNS)]


def ti_roc(cohort: Cohort, course: pd.DataFrame, model: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ROC curves and AUCs (DeLong) of baseline HbF and of the full model's fitted log-odds.

    Returns ``(curves, aucs)``: ``curves`` has ``score`` (a ``ROC_SCORES`` label) and
    ``stats.roc.roc_curve``'s columns; ``aucs`` has ``score`` and ``roc_auc``'s columns plus
    ``basis``. The model's AUC is apparent (the model is judged on the patients it was fitted to),
    so it is optimistic; baseline HbF alone involves no fitting.
    """
    frame = model_frame(course)
    terms = model[model["model"] == next(iter(MODELS))]
    fitted = terms["reason"].eq("").all()
    frame = frame.assign(model_log_odds=linear_predictor(frame, terms) if fitted else np.nan)
    why = basis(is_bundled(cohort), assumed=HBF_BASELINE)
    curves, aucs = [], []
    for column, label in ROC_SCORES.items():
        curves.append(roc_curve(frame, outcome="independent", score=column).assign(score=label))
        auc = roc_auc(frame, outcome="independent", score=column)
        if column == "model_log_odds" and not fitted:
            auc = auc.assign(auc=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                             reason=terms["reason"].iloc[0] or "not computed: the model was not fitted")
        aucs.append(auc.assign(score=label, basis=why))
    curve = pd.concat(curves, ignore_index=True)
    return curve[["score", *curve.columns.drop("score")]], pd.concat(aucs, ignore_index=True)[
        ["score", *aucs[0].columns.drop("score")]]
