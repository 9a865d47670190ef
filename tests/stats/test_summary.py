"""group_summary: n, mean, SD, median and quartiles per group, against numpy."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from thaldash.stats import (
    group_summary,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]

# --- group_summary ----------------------------------------------------------------------

SUMMARY_CASES = {
    "small": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0],
    "with_nan": [10.5, np.nan, 12.0, 7.25, 9.0, np.nan],
    "two": [80.0, 95.5],
}


@pytest.mark.parametrize("values", SUMMARY_CASES.values(), ids=SUMMARY_CASES.keys())
def test_group_summary_matches_numpy(values):
    frame = pd.DataFrame({"arm": "A", "hb": values})
    got = group_summary(frame, value="hb", group="arm").iloc[0]
    x = np.array(values)[~np.isnan(values)]
    assert got["n"] == x.size and got["n_rows"] == len(values)
    assert got["mean"] == pytest.approx(np.mean(x))  # numpy.mean
    assert got["sd"] == pytest.approx(np.std(x, ddof=1))  # numpy.std(ddof=1)
    assert got["median"] == pytest.approx(np.median(x))  # numpy.median
    assert got["q1"] == pytest.approx(np.percentile(x, 25))  # numpy.percentile (linear)
    assert got["q3"] == pytest.approx(np.percentile(x, 75))
    assert (got["min"], got["max"]) == (x.min(), x.max())
    assert got["small_n"] == (x.size < 5)


def test_group_summary_one_row_per_stratum_and_group_keeps_names():
    frame = pd.DataFrame(
        {"month": [0, 0, 0, 6, 6, 6], "arm": ["B", "A", "A", "A", "B", "B"],
         "hb": [1.0, 2.0, 4.0, 5.0, 6.0, 8.0]}
    )
    got = group_summary(frame, value="hb", group="arm", by="month")
    assert list(got.columns[:2]) == ["month", "arm"]
    assert list(zip(got["month"], got["arm"])) == [(0, "A"), (0, "B"), (6, "A"), (6, "B")]
    assert got["mean"].tolist() == pytest.approx([3.0, 1.0, 5.0, 7.0])


@pytest.mark.parametrize(
    ("values", "mean_is_nan", "sd_is_nan"),
    [([np.nan, np.nan], True, True), ([7.0], False, True), ([7.0, np.nan], False, True)],
)
def test_group_summary_undefined_stats_are_nan(values, mean_is_nan, sd_is_nan):
    got = group_summary(pd.DataFrame({"arm": "A", "hb": values}), value="hb", group="arm")
    assert np.isnan(got["mean"].iloc[0]) == mean_is_nan
    assert np.isnan(got["sd"].iloc[0]) == sd_is_nan
    assert bool(got["small_n"].iloc[0])


def test_group_summary_constant_group_has_sd_exactly_zero():
    got = group_summary(pd.DataFrame({"arm": "A", "hb": [0.1] * 7}), value="hb", group="arm")
    assert got["sd"].iloc[0] == 0.0


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"arm": ["A"], "hb": ["high"]}), "hb: expected numbers"),
        (pd.DataFrame({"arm": ["A"], "x": [1.0]}), "column 'hb' is not in the data"),
        (pd.DataFrame({"arm": ["A"], "hb": [np.inf]}), "hb: 1 value(s) are infinite"),
    ],
)
def test_group_summary_rejects_bad_input_with_a_sentence(frame, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        group_summary(frame, value="hb", group="arm")
