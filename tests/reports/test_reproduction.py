"""The reproduction report: every published number on the bundled cohort, and the matching rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thaldash.analyses.patients import patient_table
from thaldash.grading.rules import GradingRules
from thaldash.published.numbers import contradictions, printed_interval, published_numbers
from thaldash.reports.facts import cohort_facts
from thaldash.reports.reproduction import STATUSES, _matches, report_counts, reproduction_report


@pytest.fixture(scope="module")
def bundled_patients(bundled):
    return patient_table(bundled, GradingRules())  # the paper's rules: those its numbers were graded under


@pytest.fixture(scope="module")
def report(bundled, bundled_patients):
    return reproduction_report(bundled, bundled_patients)


ADVERSE_EVENT_FACT = r"^ae\["


def test_every_published_number_matches_unless_documented_contradiction(report):
    # The adverse-event counts are printed without patients: the cohort file cannot hold them.
    cohort_numbers = ~report["fact"].str.contains(ADVERSE_EVENT_FACT)
    undocumented = report[(report["status"] != "match") & (report["contradiction"] == "") & cohort_numbers]
    assert undocumented.empty, undocumented[["ref", "printed", "computed", "status"]].to_string()


def test_adverse_event_counts_are_not_in_the_bundled_cohort(report):
    events = report[report["fact"].str.contains(ADVERSE_EVENT_FACT)]
    # Results, text lines 341–346: oedema 9, rash 4 (the other 2), joint 4, skin rash 4, drowsiness 3, constipation 2
    assert events["printed"].tolist() == ["9", "4", "2", "4", "4", "3", "2"]
    assert (events["status"] == "not in this cohort").all()
    assert report.loc[report["ref"].str.startswith("res.withdrawn."), "status"].eq("match").all()


def paper_like_events() -> pd.DataFrame:
    """An adverse-events table with the paper's counts (Results), on patients of the bundled cohort."""
    rows = []
    ids = iter(f"P{i:02d}" for i in range(1, 32))
    for event, n in (("eyelid/facial oedema", 9), ("joint swelling or pain", 4), ("skin rash", 4),
                     ("drowsiness", 3), ("constipation", 2)):
        rows += [(next(ids), event, False) for _ in range(n)]
    rows += [("W1", "rash", True), ("W2", "rash", True), ("P30", "rash", False), ("P31", "rash", False)]
    return pd.DataFrame(rows, columns=["patient_id", "event", "led_to_withdrawal"]).assign(
        month=1.0, grade=pd.array([1] * len(rows), dtype="Int64"))


def test_adverse_event_counts_match_a_table_that_follows_the_paper(bundled, bundled_patients):
    report = reproduction_report(bundled, bundled_patients, adverse_events=paper_like_events())
    events = report[report["fact"].str.contains(ADVERSE_EVENT_FACT)]
    assert (events["status"] == "match").all(), events[["ref", "printed", "computed"]].to_string()
    fewer = paper_like_events().iloc[1:]  # one oedema patient less: 8, not the printed 9
    report = reproduction_report(bundled, bundled_patients, adverse_events=fewer).set_index("ref")
    assert report.loc["res.ae.oedema", "status"] == "miss"


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


def test_table_6_hb_6m_against_scipy(bundled, bundled_patients):
    # Table 6, Hb 6 M (TDT, SLR/NR 13 vs MaR 21): printed SE 3.672 and P < 0.001.
    facts = cohort_facts(bundled, bundled_patients)
    long = bundled.visits_with(["thal_type", "withdrawn", "genotype"])
    visits = long[(long["month"] == 6) & (long["thal_type"] == "TDT") & ~long["withdrawn"]]
    slr_genotypes = {"CD17/-28", "CD41-42/CD41-42", "CD17/IVS-II-654", "CD71-72/HbE"}
    a = visits.loc[visits["genotype"].isin(slr_genotypes), "hb_g_l"].to_numpy()
    b = visits.loc[~visits["genotype"].isin(slr_genotypes), "hb_g_l"].to_numpy()
    reference = stats.ttest_ind(a, b, equal_var=True)  # scipy.stats.ttest_ind, pooled variance
    sp = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    assert facts["cmp.tdt.hb_g_l.m6.p"] == pytest.approx(reference.pvalue)
    assert facts["cmp.tdt.hb_g_l.m6.se"] == pytest.approx(sp * math.sqrt(1 / len(a) + 1 / len(b)))
    assert round(facts["cmp.tdt.hb_g_l.m6.se"], 3) == 3.672  # Table 6, printed SE


def test_fig3_correlation_against_scipy(bundled, bundled_patients):
    # Fig. 3: baseline HbF vs Hb rise at 6 M, Pearson P = 0.009 as printed.
    v = bundled.analysed.pivot(index="patient_id", columns="month")
    x = v[("hbf_pct", 0)].to_numpy()
    y = (v[("hb_g_l", 6)] - v[("hb_g_l", 0)]).to_numpy()
    reference = stats.pearsonr(x, y)  # scipy.stats.pearsonr
    facts = cohort_facts(bundled, bundled_patients)
    assert facts["corr.analysed.hbf_pct.m0.hb_rise.m6.pearson.p"] == pytest.approx(reference.pvalue)
    assert round(reference.pvalue, 3) == 0.009


def test_table_9_against_scipy(bundled, bundled_patients):
    # Table 9: SF 0 M − 12 M over the 48, paired t: printed difference 1490.586, SE 295.779.
    v = bundled.analysed.pivot(index="patient_id", columns="month", values="sf_ng_ml")
    d = (v[0] - v[12]).to_numpy()
    reference = stats.ttest_rel(v[0], v[12])  # scipy.stats.ttest_rel
    facts = cohort_facts(bundled, bundled_patients)
    assert facts["paired.analysed.sf_ng_ml.m0-m12.p"] == pytest.approx(reference.pvalue)
    assert facts["paired.analysed.sf_ng_ml.m0-m12.se"] == pytest.approx(d.std(ddof=1) / math.sqrt(len(d)))
    assert f"{facts['paired.analysed.sf_ng_ml.m0-m12.diff']:.3f}" == "1490.586"


def test_report_on_another_cohort_runs_and_says_so(tiny):
    report = reproduction_report(tiny, patient_table(tiny, GradingRules()))
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
