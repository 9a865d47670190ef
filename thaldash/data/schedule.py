"""Visits off the study schedule, mapped to the nearest study month under a stated rule (or kept as recorded).

Real visits happen at month 2 or 7. For the trajectories and the comparisons by month a visit can be
read as the study month it stands for; ``ScheduleRule.describe`` states the rule, and
``map_visits`` returns the mapped visits with a table of every visit moved or left out. Grading never
uses the mapped visits: a tier and its transfusion sums come from the recorded months
(``scheduled`` keeps the recorded cohort as the parent whose grading a view reuses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.data.schema import STUDY_MONTHS

SCHEDULES: dict[str, str] = {
    "nearest": "Nearest study month (±1 month up to month 6, ±2 after)",
    "recorded": "As recorded",
}
"""The choices for off-schedule visits (URL parameter ``schedule``), the first the default."""
DEFAULT_SCHEDULE = "nearest"
CHANGE_COLUMNS: tuple[str, ...] = ("patient_id", "recorded_month", "study_month", "change", "reason")


@dataclass(frozen=True)
class ScheduleRule:
    """Each visit goes to the nearest study month, if it lies within that month's window.

    A study month up to ``early_until`` has a window of ± ``early_window`` months, a later one of ±
    ``late_window``. A visit halfway between two study months goes to the later one (visits are more
    often late than early). When two visits of a patient go to one study month, the closer one is
    kept (the earlier when equally close) and the other is left out, as is a visit outside every window.
    """

    months: tuple[int, ...] = STUDY_MONTHS
    early_until: int = 6
    early_window: float = 1.0
    late_window: float = 2.0

    def describe(self) -> str:
        """The rule as one sentence, for captions and the Data page."""
        return (f"each visit is read as the nearest study month ({', '.join(map(str, self.months))}) when it lies "
                f"within ±{self.early_window:g} month of it (months up to {self.early_until}) or "
                f"±{self.late_window:g} months (later months); a visit halfway between two study months goes to "
                "the later one; when two visits of a patient fall on one study month the closer is kept (the "
                "earlier when equally close) and the other left out; a visit outside every window is left out")


RULE = ScheduleRule()


@dataclass(frozen=True, eq=False)
class ScheduleMapping:
    """``map_visits``'s result.

    Attributes
    ----------
    kept
        One bool per input visit: the visit is in the mapped visits.
    month
        The study month of each input visit (its recorded month when unchanged; -1 when left out).
    changes
        One row per visit moved or left out (``CHANGE_COLUMNS``): ``patient_id``, ``recorded_month``,
        ``study_month`` (<NA> when left out), ``change`` ("moved" or "left out") and ``reason`` (a
        sentence); in the visits' order. None when ``map_visits`` was asked not to build it.
    """

    kept: np.ndarray
    month: np.ndarray
    changes: pd.DataFrame | None


def map_visits(visits: pd.DataFrame, rule: ScheduleRule = RULE, *, changes: bool = True) -> ScheduleMapping:
    """Each visit's study month under ``rule`` (``patient_id`` and ``month`` columns; not modified).

    With ``changes=False`` the table of changes is not built (``changes`` is None): reading a cohort on
    the schedule needs only the months, and the table writes a sentence per visit moved.
    """
    recorded = visits["month"].to_numpy(dtype=np.int64)
    study = np.asarray(sorted(rule.months), dtype=np.int64)
    above = np.clip(np.searchsorted(study, recorded), 0, len(study) - 1)
    below = np.clip(above - 1, 0, len(study) - 1)
    later = np.abs(study[above] - recorded) <= np.abs(recorded - study[below])  # a tie goes to the later month
    target = np.where(later, study[above], study[below])
    # Each full-length temporary is dropped once used: at a million patients (7 million visits) each is
    # 56 MB, and a dozen alive at once made this the peak of every page reading the study schedule.
    del above, below, later
    distance = np.abs(recorded - target)
    inside = distance <= np.where(target <= rule.early_until, rule.early_window, rule.late_window)
    pid = pd.factorize(visits["patient_id"])[0]
    claimed = np.where(inside, target, -1)
    # The closest visit to a study month wins it; equally close, the earlier one.
    order = np.lexsort((recorded, distance, claimed, pid))
    del distance
    taken = np.zeros(len(recorded), dtype=bool)
    ranked_pid, ranked_target = pid[order], claimed[order]
    del pid, claimed
    first = np.r_[True, (ranked_pid[1:] != ranked_pid[:-1]) | (ranked_target[1:] != ranked_target[:-1])]
    del ranked_pid, ranked_target
    taken[order[first]] = True
    kept = inside & taken
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0)) if len(order) else order
    winner = np.empty(len(recorded), dtype=np.int64)  # the recorded month of the visit that won the study month
    winner[order] = recorded[order[start]]
    if not changes:
        return ScheduleMapping(kept, np.where(kept, target, -1), None)
    changed = ~kept | (target != recorded)
    rows = np.flatnonzero(changed)
    reasons = [_reason(int(recorded[i]), int(target[i]), bool(inside[i]), bool(kept[i]), int(winner[i]), rule)
               for i in rows]
    changes = pd.DataFrame({
        "patient_id": visits["patient_id"].to_numpy()[rows],
        "recorded_month": recorded[rows],
        "study_month": pd.array([int(t) if k else None for t, k in zip(target[rows], kept[rows])], dtype="Int64"),
        "change": np.where(kept[rows], "moved", "left out"),
        "reason": reasons,
    }, columns=list(CHANGE_COLUMNS))
    return ScheduleMapping(kept, np.where(kept, target, -1), changes.astype({"change": "str", "reason": "str"}))


def _reason(month: int, target: int, inside: bool, kept: bool, winner: int, rule: ScheduleRule) -> str:
    window = rule.early_window if target <= rule.early_until else rule.late_window
    if kept:
        return f"read as month {target}, the nearest study month (within ±{window:g})"
    if not inside:
        return f"left out: month {month} is not within the window of any study month"
    tie = abs(winner - target) == abs(month - target)
    return (f"left out: the visit at month {winner} is {'as close to' if tie else 'closer to'} month {target}"
            + (" and earlier" if tie else ""))


def scheduled(cohort: Cohort, schedule: str = DEFAULT_SCHEDULE, rule: ScheduleRule = RULE) -> Cohort:
    """``cohort`` with its visits read as study months (``schedule`` "nearest"), or as it is ("recorded",
    or when no visit is off the schedule).

    The mapped cohort has the same patients (``n_visits`` counts their mapped visits) and the recorded
    cohort as its parent, so a grading asked of it is the recorded visits' (``ui.caching.graded``).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule: {schedule!r} is not one of {', '.join(SCHEDULES)}")
    if schedule == "recorded" or cohort.n_off_schedule == 0:
        return cohort
    mapping = map_visits(cohort.visits, rule, changes=False)
    month = mapping.month.astype(cohort.visits["month"].dtype)  # study months fit the recorded months' type
    if mapping.kept.all():  # only months change: the other columns are shared with the recorded visits, not copied
        visits = cohort.visits.assign(month=month).reset_index(drop=True)
    else:
        visits = cohort.visits[mapping.kept].assign(month=month[mapping.kept]).reset_index(drop=True)
    del month
    n_visits = np.bincount(cohort.visit_patient[mapping.kept], minlength=len(cohort.patients))
    patients = cohort.patients.assign(n_visits=n_visits.astype(np.int64))
    return Cohort(visits=visits, patients=patients, source_name=cohort.source_name,
                  sha256=f"{cohort.sha256}:schedule={schedule}", parent=cohort.parent or cohort, scope=cohort.scope)


def schedule_changes(cohort: Cohort, rule: ScheduleRule = RULE) -> pd.DataFrame:
    """Every visit of ``cohort`` (withdrawn patients' too) that the rule moves or leaves out (``CHANGE_COLUMNS``)."""
    if cohort.n_off_schedule == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("change", "reason", "patient_id") else "Int64")
                             for c in CHANGE_COLUMNS})
    return map_visits(cohort.visits, rule).changes
