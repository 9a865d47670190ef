"""Cumulative incidence at visits against a hand-written Kaplan–Meier, and durability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.stats.incidence import (
    DURABILITY_COLUMNS,
    INCIDENCE_COLUMNS,
    cumulative_incidence,
    durability,
)

VISITS = [1, 3, 6, 12, 18, 24]


def _published_tdt() -> pd.DataFrame:
    # Yang et al. 2024: of 34 TDT patients 16 stopped transfusing within 1 month, 5 more at
    # 3 months (21), 13 never (followed to 24 months)
    return pd.DataFrame({
        "month": [1] * 16 + [3] * 5 + [24] * 13,
        "ti": [True] * 21 + [False] * 13,
        "beta0": [1] * 10 + [0] * 6 + [1] * 2 + [0] * 3 + [1] * 5 + [0] * 8,
    })


def _kaplan_meier(times: np.ndarray, events: np.ndarray, at: np.ndarray, z: float) -> pd.DataFrame:
    """Product-limit estimate with Greenwood variance and the log-log interval, by hand."""
    rows = []
    for t in at:
        s, greenwood = 1.0, 0.0
        for u in np.unique(times[events.astype(bool)]):
            if u > t:
                break
            n = np.sum(times >= u)
            d = np.sum((times == u) & events.astype(bool))
            s *= 1 - d / n
            greenwood += d / (n * (n - d)) if n > d else np.inf
        if 0 < s < 1:
            se = np.sqrt(greenwood) / abs(np.log(s))  # SE of log(−log S)
            low_s, high_s = s ** np.exp(z * se), s ** np.exp(-z * se)
        else:
            low_s = high_s = np.nan
        rows.append({"visit": t, "cum_incidence": 1 - s, "ci_low": 1 - high_s, "ci_high": 1 - low_s})
    return pd.DataFrame(rows)


def test_published_anchor_16_and_21_of_34() -> None:
    out = cumulative_incidence(_published_tdt(), time="month", event="ti", visits=VISITS)
    by_visit = out.set_index("visit")
    assert by_visit.loc[1, "cum_incidence"] == pytest.approx(16 / 34)
    assert by_visit.loc[3, "cum_incidence"] == pytest.approx(21 / 34)
    assert by_visit.loc[24, "cum_incidence"] == pytest.approx(21 / 34)
    assert by_visit.loc[1, ["at_risk", "events", "censored"]].tolist() == [34, 16, 0]
    assert by_visit.loc[3, ["at_risk", "events", "censored"]].tolist() == [18, 5, 0]
    assert by_visit.loc[24, ["at_risk", "events", "censored"]].tolist() == [13, 0, 13]
    assert list(out.columns) == list(INCIDENCE_COLUMNS) and (out["reason"] == "").all()


def test_matches_a_hand_computed_kaplan_meier_with_censoring() -> None:
    # staggered follow-up: some patients leave before month 24 without becoming independent
    data = pd.DataFrame({
        "month": [1, 1, 1, 3, 3, 3, 6, 6, 12, 12, 18, 24, 24, 24, 24, 6, 3, 12],
        "ti": [1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0],
    })
    out = cumulative_incidence(data, time="month", event="ti", visits=VISITS, confidence=0.9)
    expected = _kaplan_meier(data["month"].to_numpy(float), data["ti"].to_numpy(),
                             np.array(VISITS, float), stats.norm.ppf(0.95))
    pd.testing.assert_frame_equal(out[["visit", "cum_incidence", "ci_low", "ci_high"]], expected,
                                  check_dtype=False, rtol=1e-10)


def test_groups_each_get_every_visit() -> None:
    out = cumulative_incidence(_published_tdt(), time="month", event="ti", by="beta0", visits=VISITS)
    assert list(out.columns) == ["beta0", *INCIDENCE_COLUMNS]
    assert out.groupby("beta0").size().tolist() == [6, 6]
    beta0 = out[out["beta0"] == 1].set_index("visit")
    assert beta0.loc[3, "cum_incidence"] == pytest.approx(12 / 17)
    assert beta0["n"].eq(17).all()


def test_default_visits_are_the_observed_months() -> None:
    out = cumulative_incidence(_published_tdt(), time="month", event="ti")
    assert out["visit"].tolist() == [1.0, 3.0, 24.0]


def test_no_events_gives_zero_without_an_interval() -> None:
    data = pd.DataFrame({"month": [3, 6, 24], "ti": [False, False, False]})
    out = cumulative_incidence(data, time="month", event="ti", visits=[1, 3, 24])
    assert (out["cum_incidence"] == 0).all()
    assert out["ci_low"].isna().all() and out["reason"].str.contains("undefined at 0").all()


def test_all_events_reach_one_without_an_interval() -> None:
    data = pd.DataFrame({"month": [1, 1, 3], "ti": [1, 1, 1]})
    out = cumulative_incidence(data, time="month", event="ti", visits=[1, 3]).set_index("visit")
    assert out.loc[1, "cum_incidence"] == pytest.approx(2 / 3) and out.loc[1, "reason"] == ""
    assert out.loc[3, "cum_incidence"] == 1.0 and np.isnan(out.loc[3, "ci_high"])
    assert "undefined at 1" in out.loc[3, "reason"]


def test_single_patient() -> None:
    out = cumulative_incidence(pd.DataFrame({"month": [3], "ti": [1]}), time="month", event="ti",
                               visits=[1, 3])
    assert out["cum_incidence"].tolist() == [0.0, 1.0]
    assert out["reason"].str.startswith("not computed: ").all()


def test_visit_after_last_follow_up_is_not_computed() -> None:
    data = pd.DataFrame({"month": [1, 6], "ti": [1, 0]})
    row = cumulative_incidence(data, time="month", event="ti", visits=[12]).iloc[0]
    assert row["at_risk"] == 0 and np.isnan(row["cum_incidence"])
    assert "followed to this visit" in row["reason"]


def test_no_patients() -> None:
    data = pd.DataFrame({"month": pd.Series([], dtype=float), "ti": pd.Series([], dtype=bool)})
    out = cumulative_incidence(data, time="month", event="ti")
    assert len(out) == 1 and out["reason"].iloc[0].startswith("not computed: ")


def test_negative_month_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        cumulative_incidence(pd.DataFrame({"month": [-1], "ti": [1]}), time="month", event="ti")


def test_durability_uses_clopper_pearson() -> None:
    data = pd.DataFrame({
        "ti": [1] * 21 + [0] * 13,
        "relapsed": [1, 1, 1] + [0] * 17 + [None] + [None] * 13,
    })
    row = durability(data, reached="ti", lost="relapsed").iloc[0]
    assert (row["n"], row["n_reached"], row["n_unknown"], row["n_lost"]) == (34, 21, 1, 3)
    assert row["proportion_lost"] == pytest.approx(3 / 20)
    # Clopper–Pearson from beta quantiles (independent of binomtest)
    assert row["ci_low"] == pytest.approx(stats.beta.ppf(0.025, 3, 18))
    assert row["ci_high"] == pytest.approx(stats.beta.ppf(0.975, 4, 17))
    assert list(durability(data, reached="ti", lost="relapsed").columns) == list(DURABILITY_COLUMNS)


def test_durability_by_group_and_nobody_reached() -> None:
    data = pd.DataFrame({"g": ["a", "a", "b"], "ti": [1, 1, 0], "relapsed": [0, 1, None]})
    out = durability(data, reached="ti", lost="relapsed", by="g").set_index("g")
    assert out.loc["a", "proportion_lost"] == 0.5
    assert np.isnan(out.loc["b", "proportion_lost"]) and out.loc["b", "reason"].startswith("not computed")
