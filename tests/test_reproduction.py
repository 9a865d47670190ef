"""The reproduction report: every published number on the bundled cohort, and the matching rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from thaldash.published.numbers import contradictions, printed_interval, published_numbers
from thaldash.reports.reproduction import STATUSES, _matches, cohort_facts, report_counts, reproduction_report


@pytest.fixture(scope="module")
def report(bundled):
    return reproduction_report(bundled)


def test_every_published_number_matches_unless_documented_contradiction(report):
    undocumented = report[(report["status"] != "match") & (report["contradiction"] == "")]
    assert undocumented.empty, undocumented[["ref", "printed", "computed", "status"]].to_string()


def test_documented_contradictions_are_exactly_the_misses(report):
    # A number marked as contradicting another is one no cohort can match together with the side kept;
    # if it matched, the contradiction would be wrongly documented.
    documented = report[report["contradiction"] != ""]
    assert (documented["status"] == "documented contradiction").all(), documented.to_string()


def test_contradictions_are_described():
    used = set(published_numbers()["contradiction"]) - {""}
    described = contradictions().set_index("id")
    assert used <= set(described.index)
    assert (described[["title", "evidence", "decision", "reason"]] != "").all().all()


def test_report_counts_add_up(report):
    counts = report_counts(report).set_index("status")["n"]
    assert counts[list(STATUSES)].sum() == counts["total"] == len(published_numbers())


def test_published_refs_are_unique():
    refs = published_numbers()["ref"]
    assert refs.is_unique


@pytest.mark.parametrize("value, printed, expected", [
    (30.075, "30.08", True),       # half-up: the lower end prints as the number
    (30.0849, "30.08", True),
    (30.085, "30.08", False),      # the upper end prints as the next number
    (-22.4689, "-22.469", True),
    (0.0004, "<0.001", True),
    (0.0011, "<0.001", False),
    (0.0085, "0.009", True),
    (48, "48", True),
    (47, "48", False),
    ("MaR", "MaR", True),
    ("SLR", "MaR", False),
    (math.nan, "1.0", None),
])
def test_matching_rule(value, printed, expected):
    assert _matches(value, printed) is expected


@pytest.mark.parametrize("printed, interval", [("91.7", (91.65, 91.75)), ("<0.01", (-math.inf, 0.01)),
                                               ("48", (47.5, 48.5)), ("MaR", None)])
def test_printed_interval(printed, interval):
    got = printed_interval(printed)
    if interval is None:
        assert got is None
    else:
        assert got == pytest.approx(interval)


def test_table_6_hb_6m_against_scipy(bundled):
    # Table 6, Hb 6 M (TDT, SLR/NR 13 vs MaR 21): printed SE 3.672 and P < 0.001.
    facts = cohort_facts(bundled)
    visits = bundled.visits[(bundled.visits["month"] == 6) & (bundled.visits["thal_type"] == "TDT")
                            & ~bundled.visits["withdrawn"]]
    slr_genotypes = {"CD17/-28", "CD41-42/CD41-42", "CD17/IVS-II-654", "CD71-72/HbE"}
    a = visits.loc[visits["genotype"].isin(slr_genotypes), "hb_g_l"].to_numpy()
    b = visits.loc[~visits["genotype"].isin(slr_genotypes), "hb_g_l"].to_numpy()
    reference = stats.ttest_ind(a, b, equal_var=True)  # scipy.stats.ttest_ind, pooled variance
    sp = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    assert facts["cmp.tdt.hb_g_l.m6.p"] == pytest.approx(reference.pvalue)
    assert facts["cmp.tdt.hb_g_l.m6.se"] == pytest.approx(sp * math.sqrt(1 / len(a) + 1 / len(b)))
    assert round(facts["cmp.tdt.hb_g_l.m6.se"], 3) == 3.672  # Table 6, printed SE


def test_fig3_correlation_against_scipy(bundled):
    # Fig. 3: baseline HbF vs Hb rise at 6 M, Pearson P = 0.009 as printed.
    v = bundled.visits[~bundled.visits["withdrawn"]].pivot(index="patient_id", columns="month")
    x = v[("hbf_pct", 0)].to_numpy()
    y = (v[("hb_g_l", 6)] - v[("hb_g_l", 0)]).to_numpy()
    reference = stats.pearsonr(x, y)  # scipy.stats.pearsonr
    assert cohort_facts(bundled)["corr.analysed.hbf_pct.m0.hb_rise.m6.pearson.p"] == pytest.approx(reference.pvalue)
    assert round(reference.pvalue, 3) == 0.009


def test_table_9_against_scipy(bundled):
    # Table 9: SF 0 M − 12 M over the 48, paired t: printed difference 1490.586, SE 295.779.
    v = bundled.visits[~bundled.visits["withdrawn"]].pivot(index="patient_id", columns="month", values="sf_ng_ml")
    d = (v[0] - v[12]).to_numpy()
    reference = stats.ttest_rel(v[0], v[12])  # scipy.stats.ttest_rel
    facts = cohort_facts(bundled)
    assert facts["paired.analysed.sf_ng_ml.m0-m12.p"] == pytest.approx(reference.pvalue)
    assert facts["paired.analysed.sf_ng_ml.m0-m12.se"] == pytest.approx(d.std(ddof=1) / math.sqrt(len(d)))
    assert f"{facts['paired.analysed.sf_ng_ml.m0-m12.diff']:.3f}" == "1490.586"


def test_report_on_another_cohort_runs_and_says_so(tiny):
    report = reproduction_report(tiny)
    assert set(report["status"]) <= set(STATUSES)
    assert (report["status"] == "miss").any()  # a different cohort: it does not reproduce the paper
    assert (report["status"] == "not in this cohort").any()  # e.g. the paper's Table 3 patients
    assert np.isin(report["status"], ["match"]).sum() < len(report) / 2


def test_the_words_for_the_matches_depend_on_the_cohort():
    # Issue 11: on the reconstruction the matches are what it was fitted to, not a reproduction.
    import pandas as pd

    from thaldash.reports.reproduction import match_label, reproduction_summary

    counts = pd.DataFrame({"status": ["match", "documented contradiction", "miss", "not in this cohort", "total"],
                           "n": [614, 22, 0, 0, 636]})
    assert reproduction_summary(counts, source_name="x", reconstruction=True).startswith(
        "x: fitted to 614 of 636 published numbers")
    assert "614 of 636 published numbers reproduced" in reproduction_summary(counts, source_name="x",
                                                                             reconstruction=False)
    assert match_label(reconstruction=True) == "Published numbers the cohort was fitted to"
