"""Off-schedule visits (``data.schedule``): each visit read at the nearest study month within its window.

Expected months are worked out by hand from the stated rule (±1 month up to month 6, ±2 after; a tie
between two study months goes to the later; two visits on one study month: the closer kept, the
earlier when equally close), not from the code.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from tests.cohorts import _patient, tiny_frame
from thaldash.data.cohort_build import build_cohort
from thaldash.data.schedule import RULE, map_visits, schedule_changes, scheduled
from thaldash.data.validation import validate
from thaldash.grading.grade import grade
from thaldash.views.context import ViewContext
from thaldash.views.trajectories import trajectory_visits

VISITS = pd.DataFrame({
    "patient_id": ["A"] * 8 + ["B"] * 3 + ["C"] * 3,
    "month": [0, 2, 3, 7, 9, 17, 24, 30, 0, 1, 5, 0, 11, 13],
})
# Hand-derived from the rule:
#  A: 0 stays; 2 ties between 1 and 3 → 3, but A has a visit at 3 (closer): left out; 3 stays; 7 → 6 (±1);
#     9 ties 6/12 → 12, 3 months away, beyond ±2: left out; 17 → 18 (±2); 24 stays; 30 → nearest 24, 6 away: out.
#  B: 0, 1 stay; 5 → 6.
#  C: 0 stays; 11 and 13 both 1 from 12: the earlier (11) kept as 12, 13 left out.
EXPECTED = [0, -1, 3, 6, -1, 18, 24, -1, 0, 1, 6, 0, 12, -1]


def test_each_visit_goes_where_the_rule_says():
    mapping = map_visits(VISITS)
    assert mapping.month.tolist() == EXPECTED
    assert mapping.kept.tolist() == [m >= 0 for m in EXPECTED]


def test_the_months_alone_skip_the_changes_table():
    mapping = map_visits(VISITS, changes=False)
    assert mapping.changes is None
    assert mapping.month.tolist() == EXPECTED and mapping.kept.tolist() == map_visits(VISITS).kept.tolist()


def test_the_changes_table_lists_every_moved_or_left_out_visit():
    changes = map_visits(VISITS).changes
    assert list(zip(changes["patient_id"], changes["recorded_month"], changes["change"])) == [
        ("A", 2, "left out"), ("A", 7, "moved"), ("A", 9, "left out"), ("A", 17, "moved"), ("A", 30, "left out"),
        ("B", 5, "moved"), ("C", 11, "moved"), ("C", 13, "left out")]
    assert pd.isna(changes["study_month"].iloc[0]) and changes["study_month"].iloc[1] == 6
    assert changes.loc[changes["recorded_month"] == 9, "reason"].iloc[0] == (
        "left out: month 9 is not within the window of any study month")
    assert "closer to month 3" in changes["reason"].iloc[0]
    assert "as close to month 12 and earlier" in changes["reason"].iloc[-1]
    assert "±1 month" in RULE.describe() and "±2 months" in RULE.describe()


def _late_six_month_visit():
    """The tiny cohort, with T-GAP's visits at 0, 1, 3, 7 (its 6-month visit, late), 12, 18, 24."""
    frame = tiny_frame()
    frame = frame[frame["patient_id"] != "T-GAP"]
    late = pd.DataFrame(_patient("T-GAP", "CD41-42", "CD71-72", "TDT", 48.0, [74, 80, 90, 95, 100, 101, 102],
                                 [0, 2, 2, 1, 0, 0, 0], months=(0, 1, 3, 7, 12, 18, 24)))
    frame = pd.concat([frame, late], ignore_index=True).astype({"month": "int64"})
    checked = validate(frame)
    assert checked.ok, checked.problems
    return build_cohort(checked.frame, "late", hashlib.sha256(frame.to_csv().encode()).hexdigest())


def test_scheduled_cohort_reads_the_late_visit_at_month_6():
    cohort = _late_six_month_visit()
    assert cohort.n_off_schedule == 1
    mapped = scheduled(cohort, "nearest")
    gap = mapped.visits[mapped.visits["patient_id"] == "T-GAP"]["month"].tolist()
    assert gap == [0, 1, 3, 6, 12, 18, 24] and mapped.parent is cohort
    # Every visit kept, only months moved: the other columns are the recorded visits', shared, not copied.
    pd.testing.assert_frame_equal(mapped.visits.drop(columns="month"),
                                  cohort.visits.drop(columns="month").reset_index(drop=True))
    assert np.shares_memory(mapped.visits["hb_g_l"].to_numpy(), cohort.visits["hb_g_l"].to_numpy())
    assert scheduled(cohort, "recorded") is cohort
    assert len(schedule_changes(cohort)) == 1


def test_grading_keeps_the_recorded_months():
    cohort = _late_six_month_visit()
    recorded = grade(cohort).set_index("patient_id")
    ctx = ViewContext(cohort=cohort, filtered=cohort, schedule="nearest")
    through_view = ctx.graded().set_index("patient_id")
    pd.testing.assert_frame_equal(through_view, recorded)
    # Read at month 6, T-GAP's late visit would change its grading; the view does not let it.
    moved = grade(scheduled(cohort, "nearest")).set_index("patient_id")
    assert not moved.loc["T-GAP"].equals(recorded.loc["T-GAP"])
    # The trajectories read the same visit at month 6.
    visits = trajectory_visits(ctx)
    assert 6 in visits.loc[visits["patient_id"] == "T-GAP", "month"].tolist()
    as_recorded = trajectory_visits(ViewContext(cohort=cohort, filtered=cohort, schedule="recorded"))
    assert 7 in as_recorded.loc[as_recorded["patient_id"] == "T-GAP", "month"].tolist()
