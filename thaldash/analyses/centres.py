"""Centres side by side: who each enrolled and kept, how complete their visits are, how their patients
responded, and whether the response rate differs between centres more than chance would make it.

The centre is a patient-level column of a cohort of several centres (``thaldash.data.centres``). It is
a grouping like the others (``with_centre``) only when there is more than one centre.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from thaldash.analyses.response import tier_crosstab
from thaldash.data.cohort import Cohort
from thaldash.data.schema import RESPONDING_TIERS, STUDY_MONTHS
from thaldash.grading.summary import tier_table
from thaldash.stats.contingency import EXPECTED_MIN, fisher_freeman_halton, pearson_chi2

CENTRE = "centre"
CENTRE_GROUPING: dict[str, str] = {CENTRE: "Centre"}
PATIENT_COLUMNS: tuple[str, ...] = ("centre", "n_enrolled", "n_withdrawn", "n_analysed", "n_expected", "n_visits",
                                    "pct_visits", "n_off_schedule")
HETEROGENEITY_COLUMNS: tuple[str, ...] = ("n", "n_centres", "n_responders", "test", "statistic", "df", "p",
                                          "min_expected", "why", "reason")


def with_centre(groupings: Mapping[str, str], cohort: Cohort) -> dict[str, str]:
    """``groupings`` plus "centre" when ``cohort`` has more than one centre (the choices a page offers)."""
    return {**groupings, **CENTRE_GROUPING} if cohort.several_centres else dict(groupings)


def centre_patients(enrolled: Cohort, visits: Cohort) -> pd.DataFrame:
    """Patients and visit completeness per centre.

    Parameters
    ----------
    enrolled
        The patients to count, withdrawn included (e.g. a filtered cohort with ``include_withdrawn``).
    visits
        The same patients with the visits the view reads (``data.schedule.scheduled``: off-schedule visits
        read as study months, or as recorded); only the analysed patients' visits are counted.

    Returns
    -------
    One row per centre, sorted (``PATIENT_COLUMNS``): ``n_enrolled``, ``n_withdrawn``, ``n_analysed``;
    ``n_expected`` (analysed patients × the study's 7 visits), ``n_visits`` (their visits at a study
    month), ``pct_visits`` (100 × n_visits / n_expected, NaN without analysed patients) and
    ``n_off_schedule`` (their visits at a month off the study schedule, as recorded in ``enrolled``,
    however ``visits`` reads them).
    """
    patients = enrolled.patients
    centre = patients[CENTRE].astype("str") if CENTRE in patients else pd.Series("all", index=patients.index)
    withdrawn = patients["withdrawn"].to_numpy(dtype=bool)
    # Visits at a study month as the view reads them; visits off the schedule as recorded (once read at
    # the nearest study month, none would be left off it, yet the centre recorded them).
    on = _by_centre(visits, np.isin(visits.analysed["month"].to_numpy(), STUDY_MONTHS)).rename("on")
    off = _by_centre(enrolled, ~np.isin(enrolled.analysed["month"].to_numpy(), STUDY_MONTHS)).rename("off")
    by_visit = pd.concat([on, off], axis=1)
    out = pd.DataFrame({CENTRE: centre.to_numpy(), "w": withdrawn}).groupby(CENTRE, sort=True)["w"].agg(
        n_enrolled="size", n_withdrawn="sum")
    out = out.assign(n_analysed=out["n_enrolled"] - out["n_withdrawn"]).join(by_visit, how="left").fillna(0)
    expected = out["n_analysed"].to_numpy(dtype=np.int64) * len(STUDY_MONTHS)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(expected > 0, 100 * out["on"].to_numpy() / np.maximum(expected, 1), np.nan)
    out = out.assign(n_expected=expected, n_visits=out["on"].astype(np.int64), pct_visits=pct,
                     n_off_schedule=out["off"].astype(np.int64)).reset_index()
    return out.astype({c: np.int64 for c in ("n_enrolled", "n_withdrawn", "n_analysed")})[list(PATIENT_COLUMNS)]


def _by_centre(cohort: Cohort, flags: np.ndarray) -> pd.Series:
    """How many of the analysed patients' visits of ``cohort`` are flagged, per centre."""
    # Counted per patient first, then per centre: a centre's text per visit was an array of
    # 7 million objects and a hash of them at a million patients. Patients without an analysed
    # visit are left out, so the centres listed are those of the visits, as before.
    at = cohort.visit_patient[: len(flags)]
    n = len(cohort.patients)
    per_patient = np.bincount(at[np.asarray(flags, dtype=bool)], minlength=n).astype(np.int64)
    seen = np.bincount(at, minlength=n) > 0
    centre = (cohort.patients[CENTRE].astype("str").to_numpy() if CENTRE in cohort.patients
              else np.full(n, "all", dtype=object))
    return pd.Series(per_patient[seen]).groupby(centre[seen], sort=True).sum()


def centre_response(graded: pd.DataFrame) -> pd.DataFrame:
    """Tiers and the ORR per centre, with Clopper–Pearson 95% intervals (``response.tier_crosstab`` by centre).

    ``graded`` is ``grade``'s output with a ``centre`` column (``response.response_patients`` adds it).
    """
    return tier_crosstab(tier_table(graded, by=CENTRE), by=CENTRE)


def orr_heterogeneity(crosstab: pd.DataFrame) -> pd.DataFrame:
    """Whether the response rate differs between centres: responders vs non-responders × centre.

    The evaluable patients of each centre (``centre_response``: MaR + MiR + SLR against NR) make a
    2 × k table. When every count expected under equal rates is at least 5 (Cochran's rule), Pearson's
    χ² (k − 1 df) is used: then its approximation holds and it costs nothing at any size. Otherwise
    the Fisher–Freeman–Halton test, conditional on the margins, exact (or Monte Carlo past its budget),
    because χ² P values are unreliable with small expected counts.

    Returns
    -------
    One row (``HETEROGENEITY_COLUMNS``): ``n`` (evaluable patients), ``n_centres`` (centres with one),
    ``n_responders``, ``test``, ``statistic`` (χ², NaN for Fisher–Freeman–Halton), ``df``, ``p``,
    ``min_expected`` (the smallest expected count), ``why`` (why this test) and ``reason`` ("" or
    "not computed: …": fewer than 2 centres with evaluable patients, or every patient responded, or none).
    """
    responders = crosstab[list(RESPONDING_TIERS)].sum(axis=1).to_numpy(dtype=np.int64)
    failures = crosstab["NR"].to_numpy(dtype=np.int64)
    present = (responders + failures) > 0
    table = np.vstack([responders[present], failures[present]])
    row = {"n": int(table.sum()), "n_centres": int(present.sum()), "n_responders": int(table[0].sum()), "test": "",
           "statistic": np.nan, "df": 0, "p": np.nan, "min_expected": np.nan, "why": "", "reason": ""}
    if row["n_centres"] < 2:
        row["reason"] = "not computed: fewer than 2 centres have an evaluable patient"
    elif row["n_responders"] in (0, row["n"]):
        row["reason"] = ("not computed: every evaluable patient responded" if row["n_responders"]
                         else "not computed: no evaluable patient responded") + ", at every centre alike"
    if row["reason"]:
        return pd.DataFrame([row], columns=list(HETEROGENEITY_COLUMNS))
    chi2 = pearson_chi2(table).iloc[0]
    row.update(min_expected=float(chi2["min_expected"]))
    if chi2["n_expected_below_5"] == 0:
        row.update(test=str(chi2["test"]), statistic=float(chi2["statistic"]), df=int(chi2["df"]), p=float(chi2["p"]),
                   why=f"every expected count is at least {EXPECTED_MIN:g} (smallest {chi2['min_expected']:.1f}), "
                       "so the χ² approximation holds")
    else:
        exact = fisher_freeman_halton(table).iloc[0]
        row.update(test=str(exact["method"]), df=int(row["n_centres"] - 1), p=float(exact["p"]),
                   reason=str(exact["reason"]),
                   why=f"{int(chi2['n_expected_below_5'])} of {table.size} expected counts are below "
                       f"{EXPECTED_MIN:g} (smallest {chi2['min_expected']:.1f}), where χ² P values are unreliable; "
                       "this test is conditional on the margins")
    return pd.DataFrame([row], columns=list(HETEROGENEITY_COLUMNS))
