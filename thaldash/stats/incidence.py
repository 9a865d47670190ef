"""Cumulative incidence of an event seen at scheduled visits, and whether it lasts.

Why: the paper reports transfusion independence (TI) reached "within 1 month" (16/34) and
"at 3 months" (21/34) of the TDT patients; the dashboard shows the cumulative incidence of TI
by visit with intervals, per genotype if asked, and how many of those who reached TI lost it.

TI is only checked at the visits (months 0, 1, 3, 6, 12, 18, 24), so the time a patient became
independent is known only to lie between the previous visit and the visit where it was first
seen (interval-censored). Every patient's event therefore carries the visit month at which it
was first seen, and the Kaplan–Meier estimate (``scipy.stats.ecdf`` on
``scipy.stats.CensoredData``, right-censored at the last visit attended) is reported at visit
months only, where it is the proportion independent by that visit among those followed; between
visits it would claim a precision the schedule does not have. With nobody lost to follow-up
before a visit, the estimate at it is simply k/n.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from thaldash.stats.inputs import (
    binary_values,
    check_confidence,
    not_computed,
    numeric_values,
    require_columns,
)

INCIDENCE_METHOD = (
    "Kaplan–Meier at scheduled visits (event time known only up to the visit where it was "
    "first seen; right-censored at the last visit attended); log-log interval (scipy.stats.ecdf)"
)
DURABILITY_METHOD = "Clopper–Pearson exact (scipy.stats.binomtest)"
INCIDENCE_COLUMNS: tuple[str, ...] = (
    "visit", "n", "at_risk", "events", "censored", "cum_incidence", "ci_low", "ci_high",
    "method", "reason",
)
DURABILITY_COLUMNS: tuple[str, ...] = (
    "n", "n_reached", "n_unknown", "n_lost", "proportion_lost", "ci_low", "ci_high",
    "method", "reason",
)
_ALL = "__thaldash_all__"


def cumulative_incidence(
    frame: pd.DataFrame,
    *,
    time: Hashable,
    event: Hashable,
    by: Hashable | None = None,
    visits: Sequence[float] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Proportion of patients who had the event by each visit, with its confidence interval.

    Parameters
    ----------
    frame
        One row per patient. Not modified. Rows with a missing time or event (or ``by``) are
        left out.
    time
        Visit month at which the event was first seen, or the last visit month attended when
        it never was (then the patient is censored there).
    event
        True/False or 1/0: whether the event was seen.
    by
        Optional column to estimate within (e.g. genotype); every group gets a row per visit.
    visits
        The visit months to report at (e.g. ``[1, 3, 6, 12, 18, 24]``); default: every
        distinct ``time`` in ``frame``.
    confidence
        Coverage of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (``by`` group, visit), groups sorted, visits ascending:

        - the ``by`` column; ``visit``; ``n``: patients in the group;
        - ``at_risk``: patients still followed and event-free just before the visit (time ≥
          visit); ``events``, ``censored``: patients whose event was first seen, or whose
          follow-up ended without it, after the previous reported visit and up to this one;
        - ``cum_incidence``: 1 − Kaplan–Meier survival at the visit;
        - ``ci_low``, ``ci_high``: 1 − the log-log interval of the survival, reversed;
        - ``method`` (``INCIDENCE_METHOD``); ``reason``: ``""``, or "not computed: …". The
          interval is not computed when the estimate is 0 (no event yet) or 1 (everyone had
          it), where the log-log interval is undefined; nothing is computed at a visit after
          the group's last follow-up (``at_risk`` 0). A frame without complete rows gives one
          row saying so.

    Raises
    ------
    ValueError
        A column is missing, ``time`` is not numeric or negative, ``event`` is not yes/no,
        or ``confidence`` is not between 0 and 1.
    """
    level = check_confidence(confidence)
    require_columns(frame, [time, event, *([by] if by is not None else [])])
    times = numeric_values(frame, time, booleans=True)
    events = binary_values(frame[event], str(event))
    groups = frame[by] if by is not None else pd.Series(_ALL, index=frame.index)
    keep = ~np.isnan(times) & ~np.isnan(events) & groups.notna().to_numpy()
    if (times[keep] < 0).any():
        raise ValueError(f"{time}: visit months cannot be negative")
    times, events, groups = times[keep], events[keep].astype(bool), groups[keep]
    months = np.unique(times) if visits is None else np.unique(np.asarray(visits, dtype=float))
    if not len(times) or not len(months):
        empty = {"visit": np.nan, "n": 0, "at_risk": 0, "events": 0, "censored": 0,
                 "cum_incidence": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                 "method": INCIDENCE_METHOD,
                 "reason": not_computed("no patient has both a visit month and an event status")}
        out = pd.DataFrame([empty])
        return out if by is None else out.assign(**{by: np.nan})[[by, *INCIDENCE_COLUMNS]]
    parts = []
    for label in sorted(pd.unique(groups)):
        mask = (groups == label).to_numpy()
        part = _group_rows(times[mask], events[mask], months, level)
        parts.append(part if by is None else part.assign(**{by: label}))
    out = pd.concat(parts, ignore_index=True)
    return out[list(INCIDENCE_COLUMNS) if by is None else [by, *INCIDENCE_COLUMNS]]


def durability(
    frame: pd.DataFrame,
    *,
    reached: Hashable,
    lost: Hashable,
    by: Hashable | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Among patients who reached the event, the share who lost it later, with an exact interval.

    Parameters
    ----------
    frame
        One row per patient. Not modified.
    reached
        True/False or 1/0: whether the patient ever reached the event (e.g. TI).
    lost
        True/False or 1/0: whether a patient who reached it later lost it (e.g. needed a
        transfusion again). Read only where ``reached`` is true; missing there = unknown.
    by
        Optional grouping column.
    confidence
        Coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group (one row without ``by``):

        - the ``by`` column; ``n``: patients with a known ``reached``; ``n_reached``;
          ``n_unknown``: reached, but whether it lasted is missing (left out below);
        - ``n_lost``; ``proportion_lost`` = n_lost / (n_reached − n_unknown);
        - ``ci_low``, ``ci_high``: Clopper–Pearson interval; ``method``
          (``DURABILITY_METHOD``); ``reason``: ``""`` or "not computed: nobody …".

    Raises
    ------
    ValueError
        A column is missing, a value is not yes/no, or ``confidence`` is not between 0 and 1.
    """
    level = check_confidence(confidence)
    require_columns(frame, [reached, lost, *([by] if by is not None else [])])
    got = binary_values(frame[reached], str(reached))
    gone = binary_values(frame[lost], str(lost))
    groups = frame[by] if by is not None else pd.Series(_ALL, index=frame.index)
    keep = ~np.isnan(got) & groups.notna().to_numpy()
    rows = []
    for label in sorted(pd.unique(groups[keep])) if keep.any() else [_ALL]:
        mask = keep & (groups == label).to_numpy()
        reached_here = mask & (got == 1)
        known = reached_here & ~np.isnan(gone)
        k, n = int(np.nansum(gone[known])), int(known.sum())
        row = {"n": int(mask.sum()), "n_reached": int(reached_here.sum()),
               "n_unknown": int((reached_here & np.isnan(gone)).sum()), "n_lost": k,
               "proportion_lost": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "method": DURABILITY_METHOD, "reason": ""}
        if n == 0:
            row["reason"] = not_computed("nobody reached the event with a known later course")
        else:
            interval = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
            row.update(proportion_lost=k / n, ci_low=interval.low, ci_high=interval.high)
        if by is not None:
            row = {by: label if label != _ALL else np.nan, **row}
        rows.append(row)
    return pd.DataFrame(rows)


def _group_rows(times: np.ndarray, events: np.ndarray, months: np.ndarray, level: float) -> pd.DataFrame:
    """The incidence rows of one group at ``months``."""
    fit = stats.ecdf(stats.CensoredData(uncensored=times[events], right=times[~events]))
    with warnings.catch_warnings():
        # scipy warns where the log-log interval is undefined (S = 0 or 1); handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        band = fit.sf.confidence_interval(level, method="log-log")
        survival = fit.sf.evaluate(months)
        low, high = 1 - band.high.evaluate(months), 1 - band.low.evaluate(months)
    at_risk = (times[None, :] >= months[:, None]).sum(axis=1)
    # a time between two reported visits is counted at the next one: (previous visit, visit]
    previous = np.r_[-np.inf, months[:-1]]
    window = (times[None, :] > previous[:, None]) & (times[None, :] <= months[:, None])
    followed = months <= times.max()
    incidence = np.where(followed, 1 - survival, np.nan)
    edge = followed & ((incidence <= 0) | (incidence >= 1))
    low = np.where(followed & ~edge, low, np.nan)
    high = np.where(followed & ~edge, high, np.nan)
    reason = np.select(
        [~followed, incidence <= 0, incidence >= 1],
        [not_computed("nobody in this group is followed to this visit"),
         not_computed("no event by this visit; the log-log interval is undefined at 0"),
         not_computed("everyone followed had the event; the log-log interval is undefined at 1")],
        "",
    )
    # the estimate itself is defined at 0 and 1; only the interval is missing there
    return pd.DataFrame({
        "visit": months,
        "n": len(times),
        "at_risk": at_risk,
        "events": (window & events).sum(axis=1),
        "censored": (window & ~events).sum(axis=1),
        "cum_incidence": incidence,
        "ci_low": low,
        "ci_high": high,
        "method": INCIDENCE_METHOD,
        "reason": reason,
    })
