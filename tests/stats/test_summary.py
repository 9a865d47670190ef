"""group_summary: n, mean, SD, median and quartiles per group, against numpy."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from thaldash.stats.summary import group_statistics
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


# --- group_statistics against pandas' own group-by ------------------------------------------

def _awkward_frame(seed: int, n: int = 3_000) -> pd.DataFrame:
    """Several keys of several types, missing keys and values, an unused category, groups of one and of none."""
    rng = np.random.default_rng(seed)
    values = rng.normal(100, 15, n)
    values[rng.random(n) < 0.2] = np.nan
    values[:40] = 7.0  # a constant group below
    genotype = pd.Categorical(rng.choice(["b", "a", "c", None], n, p=[0.4, 0.3, 0.25, 0.05]),
                              categories=["c", "b", "a", "unused"])  # category order, not text order
    month = rng.choice(np.array([0, 1, 3, 6, 12, 18, 24], dtype=np.int16), n)
    arm = pd.Series(rng.choice(["TDT", "NTDT"], n), dtype="str").where(rng.random(n) > 0.03)
    splenectomy = rng.random(n) < 0.4
    frame = pd.DataFrame({"genotype": genotype, "month": month, "arm": arm, "splenectomy": splenectomy, "hb": values})
    frame.loc[:39, ["genotype", "month", "arm", "splenectomy"]] = ["a", 99, "TDT", True]
    frame.loc[40, ["genotype", "month", "arm", "splenectomy", "hb"]] = ["c", 98, "NTDT", False, 3.0]  # a group of one
    frame.loc[41, ["genotype", "month", "arm", "splenectomy", "hb"]] = ["c", 97, "NTDT", False, np.nan]  # no value
    return frame


@pytest.mark.parametrize("keys", [["month"], ["genotype"], ["month", "genotype"], ["arm", "month", "splenectomy"],
                                  ["genotype", "arm"], []])
@pytest.mark.parametrize("seed", [0, 1])
def test_group_statistics_match_pandas_groupby(keys, seed):
    frame = _awkward_frame(seed)
    got = group_statistics(frame, keys, frame["hb"].to_numpy(), quartiles=True,
                           tallies={"n_low": (frame["hb"] < 90).to_numpy()})
    # The reference: pandas' group-by of the same rows (what summarise used before), and numpy's quantile.
    data = frame.assign(one=0, low=frame["hb"] < 90)
    grouped = data.groupby(keys or ["one"], sort=True, observed=True, dropna=True)
    want = grouped["hb"].agg(["count", "size", "mean", "std", "median", "min", "max"])
    want["q1"] = grouped["hb"].quantile(0.25)
    want["q3"] = grouped["hb"].quantile(0.75)
    want["n_low"] = grouped["low"].sum()
    want = want.reset_index().drop(columns="one", errors="ignore")
    assert len(got) == len(want) > 0
    for key in keys:
        pd.testing.assert_series_equal(got[key], want[key], check_names=False)
    pairs = {"n": "count", "n_rows": "size", "mean": "mean", "sd": "std", "median": "median", "min": "min",
             "max": "max", "q1": "q1", "q3": "q3", "n_low": "n_low"}
    for mine, theirs in pairs.items():
        np.testing.assert_allclose(got[mine].to_numpy(dtype=float), want[theirs].to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-9, err_msg=f"{keys} {mine}")


def test_group_statistics_of_no_rows_has_no_groups():
    frame = _awkward_frame(0).iloc[:0]
    got = group_statistics(frame, ["month", "genotype"], frame["hb"].to_numpy())
    assert len(got) == 0 and list(got.columns[:2]) == ["month", "genotype"]


def test_group_means_are_exactly_rounded_whatever_the_order_of_the_values():
    """Hb of eight patients (a synthetic cohort's month 0) whose exact mean is 75.975: summed in sorted order, numpy
    gives 75.97500000000001, which prints as 75.98; the exact mean (fractions, the reference) prints as 75.97."""
    from fractions import Fraction

    values = [73.0, 73.8, 78.5, 82.0, 74.3, 65.5, 83.9, 76.8]
    exact = float(sum(Fraction(v) for v in values) / len(values))
    got = group_summary(pd.DataFrame({"arm": "A", "hb": values}), value="hb", group="arm")["mean"].iloc[0]
    assert got == exact and f"{got:.2f}" == "75.97"
