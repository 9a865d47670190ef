"""Safety: adverse events as patients of the enrolled with exact intervals, and why patients withdrew.

Two sources, one summary (``safety_table``): the paper's printed counts (``paper_safety``, for the
bundled reconstruction, which has no patient-level adverse events) or a cohort's own
adverse-events table (``cohort_safety``, ``thaldash.data.adverse_events``). "Not reported" (the
paper is silent: no number) is kept apart from "none recorded" (a table that lists no such event:
zero, with its interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.analyses.basis import PAPER_EVENTS, basis
from thaldash.data.adverse_events import EVENT_TERMS
from thaldash.data.cohort import Cohort
from thaldash.published.paper import is_bundled
from thaldash.published.numbers import published_numbers
from thaldash.published.paper import published_adverse_events
from thaldash.stats.inputs import not_computed
from thaldash.stats.proportions import proportions

SAFETY_COLUMNS: tuple[str, ...] = (
    "event", "status", "n", "total", "pct", "ci_low", "ci_high", "ci_method", "n_withdrawn", "n_grade_3_plus",
    "source", "reason",
)
COUNT_COLUMNS: tuple[str, ...] = ("event", "n", "n_events", "n_withdrawn", "n_grade_3_plus")
WITHDRAWAL_COLUMNS: tuple[str, ...] = ("reason_withdrawn", "n", "total", "pct", "ci_low", "ci_high", "ci_method",
                                       "month_min", "month_max", "reason")
NOT_REPORTED: dict[str, str] = {
    "thrombosis": "Methods, text lines 221–228: ultrasound screening for deep vein thrombosis every 6 months; "
                  "no result is reported",
    "peripheral neuropathy": "Methods, text lines 205–208: listed among thalidomide's common side effects; "
                             "no count is reported",
    "fatigue": "Methods, text lines 205–208: listed among thalidomide's common side effects; no count is reported",
}
"""Events the paper monitored or warned of without reporting a number: "not reported", never 0."""
PAPER_SOURCE = "Yang et al. 2024, Results (General conditions)"
RASH_READINGS: tuple[str, ...] = ("the two lists are the same patients", "the two lists are different patients")


def event_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Patients with each event in an adverse-events table (``AdverseEvents.events``).

    Returns
    -------
    pandas.DataFrame
        One row per event (sorted): ``event``; ``n``: distinct patients with it (a patient with two
        rashes counts once); ``n_events``: rows; ``n_withdrawn``: patients for whom it led to
        withdrawal; ``n_grade_3_plus``: patients with a grade ≥ 3 episode (missing grades count as
        not ≥ 3).
    """
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "event" else "str") for c in COUNT_COLUMNS})
    severe = events["grade"].fillna(0).astype("int64").to_numpy() >= 3 if "grade" in events \
        else np.zeros(len(events), bool)
    rows = events.assign(_w=events["led_to_withdrawal"].astype(bool), _s=severe)
    grouped = rows.groupby("event", sort=True, observed=True)
    out = pd.DataFrame({
        "n": grouped["patient_id"].nunique(),
        "n_events": grouped.size(),
        "n_withdrawn": rows[rows["_w"]].groupby("event", observed=True)["patient_id"].nunique(),
        "n_grade_3_plus": rows[rows["_s"]].groupby("event", observed=True)["patient_id"].nunique(),
    }).fillna(0).astype("int64")
    return out.rename_axis("event").reset_index().astype({"event": "str"})[list(COUNT_COLUMNS)]


def safety_table(counts: pd.DataFrame, total: int, *, source: str, statuses: dict[str, str] | None = None,
                 watched: tuple[str, ...] = tuple(EVENT_TERMS)) -> pd.DataFrame:
    """Each event as patients of ``total`` with a Clopper–Pearson interval (``stats.proportions``).

    Parameters
    ----------
    counts
        ``event``, ``n``, ``n_withdrawn`` and optionally ``n_grade_3_plus`` (``event_counts``).
    total
        The denominator: enrolled patients (the paper: 52).
    source
        Where the counts come from (shown in the ``source`` column).
    statuses
        Status of events absent from ``counts``: by default "none recorded" (0 of ``total``);
        ``NOT_REPORTED`` events of the paper get "not reported" and no number.
    watched
        Events listed even when absent (the paper's terms).

    Returns
    -------
    pandas.DataFrame
        ``SAFETY_COLUMNS``: ``event``, ``status`` ("reported", "recorded", "none recorded", "not
        reported" or "not recorded"), ``n``, ``total``, ``pct`` and ``ci_low``/``ci_high`` (percent),
        ``ci_method``, ``n_withdrawn``, ``n_grade_3_plus`` (NaN when unknown), ``source``, ``reason``.
        Counted events first (most frequent first), then the absent ones.
    """
    statuses = statuses or {}
    counted = counts.assign(status=statuses.get("__counted__", "recorded"))
    if "n_grade_3_plus" not in counted:
        counted = counted.assign(n_grade_3_plus=np.nan)
    absent = [e for e in watched if e not in set(counts["event"])]
    missing_status = [statuses.get(e, statuses.get("__absent__", "none recorded")) for e in absent]
    zero = pd.DataFrame({"event": absent, "status": missing_status,
                         "n": [0 if s == "none recorded" else np.nan for s in missing_status],
                         "n_withdrawn": [0 if s == "none recorded" else np.nan for s in missing_status],
                         "n_grade_3_plus": [0 if s == "none recorded" else np.nan for s in missing_status]})
    rows = pd.concat([counted.sort_values(["n", "event"], ascending=[False, True], kind="stable"), zero],
                     ignore_index=True)
    known = rows["n"].notna().to_numpy()
    n = rows["n"].to_numpy(dtype=float)
    props = proportions(np.where(known, n, 0), np.where(known, total, 0))
    reason = np.where(known, props["reason"], [
        not_computed(_silence(s)) for s in rows["status"]])
    out = rows.assign(total=int(total), pct=np.where(known, props["pct"], np.nan),
                      ci_low=np.where(known, props["ci_low"], np.nan),
                      ci_high=np.where(known, props["ci_high"], np.nan),
                      ci_method=np.where(known, props["ci_method"], ""), reason=reason,
                      source=[NOT_REPORTED.get(e, source) if s == "not reported" else source
                              for e, s in zip(rows["event"], rows["status"])])
    return out[list(SAFETY_COLUMNS)].astype({"n": "float64", "n_withdrawn": "float64", "n_grade_3_plus": "float64"})


def _silence(status: str) -> str:
    if status == "not reported":
        return "the paper does not report it (not reported is not zero)"
    return "no adverse-event table was given (see the Data page)"


def paper_total() -> int:
    """The paper's denominator for adverse events: the 52 enrolled (Results, "52 patients")."""
    rows = published_numbers()
    return int(rows.loc[rows["ref"] == "res.enrolled", "value"].iloc[0])


def paper_safety() -> pd.DataFrame:
    """The paper's adverse events as n of 52 with exact intervals; unreported ones "not reported".

    Published counts: they do not depend on the reconstruction (``safety_table``'s columns).
    """
    events = published_adverse_events()
    counts = events[["event", "n", "n_withdrawn"]]
    statuses = {"__counted__": "reported", **{e: "not reported" for e in NOT_REPORTED}}
    table = safety_table(counts, paper_total(), source=PAPER_SOURCE, statuses=statuses,
                         watched=tuple(NOT_REPORTED))
    where = dict(zip(events["event"], events["location"]))
    return table.assign(source=[where.get(e, s) for e, s in zip(table["event"], table["source"])])


def rash_readings(table: pd.DataFrame) -> pd.DataFrame:
    """Patients with a rash on either of the paper's two lists (C9): the two readings the text allows.

    ``table`` is ``paper_safety()`` (rows "rash" and "skin rash"). Returns ``reading``, ``n``,
    ``total``, ``pct``, ``ci_low``, ``ci_high``, ``ci_method``, ``reason``: the lists as the same
    patients (the larger count) or as different ones (the sum, at most ``total``).
    """
    counts = table.set_index("event").reindex(["rash", "skin rash"])["n"]
    total = int(table["total"].iloc[0]) if len(table) else 0
    n = np.array([counts.max(), min(counts.sum(), total)])
    props = proportions(n, np.full(2, total))
    return pd.DataFrame({"reading": RASH_READINGS, "n": n, "total": total, **{
        k: props[k] for k in ("pct", "ci_low", "ci_high", "ci_method", "reason")}})


def cohort_safety(patients: pd.DataFrame, events: pd.DataFrame | None, *, source: str = "") -> pd.DataFrame:
    """A cohort's adverse events as patients of its enrolled (``patients``, withdrawn included).

    ``events`` is the cohort's adverse-events table (``AdverseEvents.events``), restricted here to
    ``patients``; ``None`` (no table given) lists the paper's terms as "not recorded", with no number.
    """
    total = len(patients)
    if events is None:
        return safety_table(event_counts(pd.DataFrame(columns=["patient_id", "event", "grade", "led_to_withdrawal"])),
                            total, source="no adverse-event table", statuses={"__absent__": "not recorded"})
    ids = pd.Index(patients["patient_id"].astype("str"))
    mine = events[ids.get_indexer(events["patient_id"].astype("str")) >= 0]
    return safety_table(event_counts(mine), total, source=source or "the adverse-events table")


def withdrawals(patients: pd.DataFrame) -> pd.DataFrame:
    """Why patients withdrew, as patients of the enrolled (``patients``, withdrawn included).

    Returns ``WITHDRAWAL_COLUMNS``: ``reason_withdrawn`` (as recorded; "(not recorded)" when
    missing), ``n``, ``total``, ``pct``, ``ci_low``, ``ci_high``, ``ci_method``, ``month_min``,
    ``month_max`` (of withdrawal), ``reason`` ("" or why the interval is missing). No rows when
    nobody withdrew.
    """
    gone = patients[patients["withdrawn"].fillna(False).astype(bool).to_numpy()] if "withdrawn" in patients \
        else patients.iloc[0:0]
    why = (gone["withdrawal_reason"].astype("object") if "withdrawal_reason" in gone
           else pd.Series(index=gone.index, dtype="object")).fillna("(not recorded)").astype("str")
    month = pd.to_numeric(gone["withdrawal_month"]) if "withdrawal_month" in gone \
        else pd.Series(np.nan, index=gone.index)
    grouped = pd.DataFrame({"r": why.to_numpy(), "m": month.to_numpy(dtype=float)}).groupby("r", sort=True)
    summary = grouped.agg(n=("m", "size"), month_min=("m", "min"), month_max=("m", "max")).reset_index()
    props = proportions(summary["n"].to_numpy(), np.full(len(summary), len(patients)))
    out = summary.rename(columns={"r": "reason_withdrawn"}).assign(total=len(patients), **{
        k: props[k] for k in ("pct", "ci_low", "ci_high", "ci_method", "reason")})
    return out.sort_values(["n", "reason_withdrawn"], ascending=[False, True], kind="stable")[
        list(WITHDRAWAL_COLUMNS)].reset_index(drop=True)


def safety_for(cohort: Cohort, events: pd.DataFrame | None = None, *, source: str = "") -> pd.DataFrame:
    """The safety table a view of ``cohort`` shows, with a ``basis`` column.

    A cohort's own adverse-events table (``events``) when given, counted over ``cohort.patients``
    (pass the enrolled, withdrawn included); else, on the bundled reconstruction, the paper's
    printed counts of its 52 enrolled (whatever the selection: the paper gives no patients); else
    every event "not recorded".
    """
    if events is None and is_bundled(cohort):
        return paper_safety().assign(basis=basis(True, published=PAPER_EVENTS))
    table = cohort_safety(cohort.patients, events, source=source)
    return table.assign(basis=basis(is_bundled(cohort), assumed=None) if events is None else
                        "computed from the adverse-events table given")
