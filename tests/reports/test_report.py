"""``python -m thaldash report``: stable fields, the dashboard's numbers, valid JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from thaldash.analyses.patients import compare_measure, patient_table
from thaldash.cli import main
from thaldash.grading.rules import GradingRules
from thaldash.reports.report import SECTION_FIELDS, full_report, report_markdown
from thaldash.stats import STUDENT_T


@pytest.fixture(scope="module")
def report(bundled):
    return full_report(bundled, today=dt.date(2026, 1, 1))


def test_sections_have_exactly_the_documented_fields(report):
    for section, fields in SECTION_FIELDS.items():
        assert report[section], section
        for record in report[section]:
            assert tuple(record) == fields, section


def test_report_is_strict_json(report):
    json.dumps(report, allow_nan=False)  # NaN would be invalid JSON: must already be null


def test_report_numbers_are_the_dashboards(bundled, report):
    direct = compare_measure(bundled, patient_table(bundled, GradingRules()), measure="sf_ng_ml", subset="TDT",
                             months=(24,))
    expected = direct[direct["test"] == STUDENT_T].iloc[0]
    row = next(r for r in report["comparisons"] if r["subset"] == "TDT" and r["measure"] == "sf_ng_ml"
               and r["month"] == 24 and r["test"] == STUDENT_T)
    assert row["p"] == expected["p"] and row["estimate"] == expected["diff"]
    # Table 10, SF 24 M as printed: P 0.013.
    assert f"{row['p']:.3f}" == "0.013"


def test_each_row_names_its_estimate(report):
    # Issue 11, point 4: the notes said "diff = mean_a − mean_b" for every row; a Mann–Whitney row holds a
    # difference in medians and a Wilcoxon row (paired) the median of the differences.
    kinds = {(r["test"], r["estimate_kind"]) for r in report["comparisons"]}
    assert kinds == {("Student t (pooled variance)", "difference in means (a − b)"),
                     ("Welch t", "difference in means (a − b)"),
                     ("Mann–Whitney U", "difference in medians (a − b)")}
    paired = {(r["test"], r["estimate_kind"]) for r in report["paired_changes"]}
    assert paired == {("paired t", "mean of the paired differences (time_i − time_j)"),
                      ("Wilcoxon signed-rank", "median of the paired differences (time_i − time_j)")}
    assert all("diff" not in r for r in report["comparisons"] + report["paired_changes"])


def test_tiers_reproduce_the_paper(report):
    tiers = {r["tier"]: r for r in report["tiers"] if r["analysis"] == "per-protocol"}
    # Results: MaR 35/48 (72.9%), ORR 44/48 (91.7%), NR 4.
    assert (tiers["MaR"]["n"], tiers["ORR"]["n"], tiers["NR"]["n"], tiers["ORR"]["total"]) == (35, 44, 4, 48)


def test_tiers_per_protocol_and_intention_to_treat(report):
    # Issue 11: the withdrawn counted as failures, 44/52 = 84.6 %, beside the paper's per-protocol 44/48.
    itt = {r["tier"]: r for r in report["tiers"] if r["analysis"] == "intention-to-treat"}
    assert (itt["ORR"]["n"], itt["ORR"]["total"], round(itt["ORR"]["pct"], 1)) == (44, 52, 84.6)
    assert itt["withdrawn"]["n"] == 4 and {r["n_patients"] for r in report["tiers"]} == {52}


def test_headlines_give_tdt_and_ntdt_apart(report):
    rows = {(r["population"], r["endpoint"], r["analysis"]): r for r in report["headlines"]}
    tdt = rows[("TDT", "ORR", "per-protocol")]
    assert (tdt["n"], tdt["total"]) == (30, 34)
    free = rows[("TDT", "transfusion-free", "per-protocol")]
    assert (free["n"], free["total"], free["constraint"]) == (21, 34, "published")  # Abstract: 21 (61.8 %)
    assert "never transfused" in rows[("NTDT", "ORR", "per-protocol")]["note"]


def test_reduction_is_labelled_both_ways(report):
    rows = {r["estimate"].split(" ")[0]: r for r in report["reduction"]}
    # Abstract: 31.3 %, the unweighted mean of per-patient reductions; the pooled volume fell 30.8 %.
    assert round(rows["mean"]["pct"], 1) == 31.3 and rows["mean"]["constraint"] == "published"
    assert round(rows["pooled"]["pct"], 1) == 30.8 and rows["pooled"]["constraint"] == "assumed"


def test_p_values_are_adjusted_and_descriptive_ones_marked(report):
    student = [r for r in report["comparisons"] if r["test"] == "Student t (pooled variance)"]
    assert {r["correction"] for r in student} == {"holm over 24 tests"}
    assert all(r["p_adjusted"] >= r["p"] for r in student if r["p"] is not None)
    hb6 = next(r for r in student if (r["subset"], r["measure"], r["month"]) == ("analysed", "hb_g_l", 6))
    assert hb6["p_descriptive"] and hb6["constraint"] == "published"  # Table 4 prints P < 0.001
    assert {r["correction"] for r in report["paired_changes"]} == {"holm"}
    assert all(r["p_adjusted"] is not None for r in report["paired_changes"])


def test_every_row_is_labelled_on_the_reconstruction_only(report, tiny):
    for section in ("headlines", "tiers", "reduction", "genotype_groups", "comparisons", "paired_changes",
                    "correlation"):
        assert {r["constraint"] for r in report[section]} <= {"published", "constrained", "assumed"}, section
    mann_whitney = [r for r in report["comparisons"] if r["test"] == "Mann–Whitney U"]
    assert {r["constraint"] for r in mann_whitney} == {"assumed"}
    other = full_report(tiny)
    assert all(r["constraint"] is None for r in other["comparisons"] + other["tiers"])


def test_the_report_says_what_other_rules_do(bundled):
    from thaldash.grading.scenarios import SCENARIOS

    strict = full_report(bundled, SCENARIOS["Strict clinical"], today=dt.date(2026, 1, 1))
    assert strict["rules"]["effect_vs_paper"].startswith("All 21 TDT patients graded MaR under the reference lose MaR")
    rows = {(r["population"], r["endpoint"], r["analysis"]): r for r in strict["headlines"]}
    # Other tier thresholds: the tiers are the reconstruction's; transfusion independence is still the paper's.
    assert rows[("TDT", "ORR", "per-protocol")]["constraint"] == "assumed"
    assert rows[("TDT", "transfusion-free", "per-protocol")]["constraint"] == "published"


def test_not_computed_cells_are_null_with_a_reason(tiny):
    report = full_report(tiny)
    uncomputed = [r for r in report["comparisons"] if not r["computed"]]
    assert uncomputed
    assert all(r["p"] is None and r["reason"].startswith("not computed") for r in uncomputed)


def test_markdown_has_every_section(report):
    text = report_markdown(report)
    for section in SECTION_FIELDS:
        assert f"## {section.replace('_', ' ').capitalize()}" in text


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_cli_report(capsys, fmt):
    assert main(["report", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(out)["population"]["analysed"] == 48
    else:
        assert out.startswith("# thaldash report")


def test_cli_report_bad_rule_is_one_line(capsys):
    assert main(["report", "--set", "window_months=7"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "window_months" in err and "Traceback" not in err


def test_cli_reproduce_on_bundled_cohort(capsys):
    assert main(["reproduce", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    # The adverse-event counts (Results) are printed without patients: not in the cohort file.
    assert {r["status"] for r in rows if not r["ref"].startswith("res.ae.")} <= {"match", "documented contradiction"}
    # Issue 11: the cohort was fitted to these numbers; "reproduced" read as a validation.
    assert "fitted to 618 of 647 published numbers" in err and "reproduced" not in err


def test_cli_reproduce_on_another_cohort_reports_misses(tmp_path, capsys):
    from tests.cohorts import tiny_frame

    path = tmp_path / "tiny.parquet"
    tiny_frame().to_parquet(path)
    assert main(["reproduce", str(path), "--misses-only"]) == 3
    out = capsys.readouterr().out
    assert "miss" in out and "published numbers reproduced" in out


def test_cli_reproduce_unreadable_file(tmp_path, capsys):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    assert main(["reproduce", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err
