"""Tests for ``python -m thaldash grade`` (``thaldash.cli.grade``).

The command is run in-process through its own ``add_arguments``/``run`` on contract-valid files
written here (the paper's 48 analysed patients plus the 4 who withdrew), and on bad files from
``tests/adversarial.py``.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

import adversarial
from thaldash.cli import grade as grade_command

# Table 3: the 13 still-transfused TDT patients' reductions (9 SLR, 4 NR).
TABLE3_REDUCTIONS = (31.0, 35.2, 41.5, 38.2, 34.3, 47.7, 13.3, 18.1, 21.5, 21.4, 30.8, 36.9, 37.6)
MONTHS = (0, 1, 3, 6, 12, 18, 24)


def _rows(pid: str, thal: str, pre: float, units: dict[int, float], *, withdrawn: bool = False,
          months: tuple[int, ...] = MONTHS) -> list[dict[str, object]]:
    return [{"patient_id": pid, "allele_1": "CD41-42", "allele_2": "-28" if thal == "TDT" else "HbE",
             "thal_type": thal, "splenectomy": False, "pre_rbc_units_24m": pre, "month": m,
             "hb_g_l": 80.0 + 3 * i, "hbf_pct": 10.0 + i, "sf_ng_ml": 2000.0 - 50 * i,
             "rbc_units": units.get(m, 0.0), "withdrawn": withdrawn} for i, m in enumerate(months)]


def paper_file(directory: Path) -> Path:
    """The paper's cohort as a contract-valid CSV (pre = 40 units → 10 expected over 6 months)."""
    rows = []
    for i, r in enumerate(TABLE3_REDUCTIONS):
        u = 10 * (1 - r / 100)
        rows += _rows(f"T{i:02d}", "TDT", 40.0, {1: 0.4 * u, 3: 0.3 * u, 6: 0.3 * u})
    rows += [row for i in range(16) for row in _rows(f"S1{i:02d}", "TDT", 40.0, {1: 3.0})]
    rows += [row for i in range(5) for row in _rows(f"S3{i:02d}", "TDT", 40.0, {1: 3.0, 3: 2.0})]
    rows += [row for i in range(14) for row in _rows(f"N{i:02d}", "NTDT", 0.0, {})]
    rows += [row for i in range(4) for row in _rows(f"W{i}", "TDT", 40.0, {1: 2.0}, withdrawn=True,
                                                      months=(0, 1))]
    path = directory / "paper.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    grade_command.add_arguments(parser)
    status = grade_command.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_table_has_every_patient_and_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([str(paper_file(tmp_path))], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["patient_id", "genotype", "thal_type", "tier"]
    assert sum(line.startswith(("T", "S", "N")) for line in lines[2:]) == 48
    # Table 3 and the text: 35 MaR, 0 MiR, 9 SLR, 4 NR; ORR 44/48 = 91.7 %.
    assert "48 patients graded; MaR 35, MiR 0, SLR 9, NR 4; not evaluable 0" in out
    assert "ORR (MaR + MiR + SLR) = 44/48 = 91.7%" in out
    assert "Clopper–Pearson exact" in out
    assert "SLR: still transfused in months 3–6; reduction 31.0% is within 25–50%" in out


def test_csv_and_json_carry_the_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(paper_file(tmp_path))
    status, out, _ = run([path, "--format", "csv"], capsys)
    table = pd.read_csv(io.StringIO(out))
    assert status == 0 and len(table) == 48
    assert {"patient_id", "tier", "reduction_pct", "hb_rise", "rule_trace"} <= set(table.columns)
    assert table["tier"].value_counts().to_dict() == {"MaR": 35, "SLR": 9, "NR": 4}
    status, out, _ = run([path, "--format", "json"], capsys)
    records = json.loads(out)
    assert status == 0 and len(records) == 48
    nr = [r for r in records if r["tier"] == "NR"]
    assert sorted(round(r["reduction_pct"], 1) for r in nr) == [13.3, 18.1, 21.4, 21.5]
    assert all(r["reduction_pct"] is None for r in records if r["patient_id"].startswith("N"))
    # Issue 11, point 3: never-transfused patients have no independence month, and say why.
    assert all(r["ti_month"] is None and r["ti_status"] == "never transfused"
               for r in records if r["patient_id"].startswith("N"))


def test_include_withdrawn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([str(paper_file(tmp_path)), "--format", "csv", "--include-withdrawn"], capsys)
    table = pd.read_csv(io.StringIO(out))
    assert status == 0 and len(table) == 52
    assert (table.loc[table["patient_id"].str.startswith("W"), "tier"] == "not evaluable").all()


@pytest.mark.parametrize("argv, counts", [
    # Strict: whole-window free needed, so the 16 who stopped after month 1 (3 of 10 units, 70 %) and
    # the 5 after month 3 (5 of 10, 50 %) are MiR; the NTDT are graded by Hb: 80 → 89 g/L, +9 → SLR.
    (["--scenario", "strict-clinical"], {"MiR": 21, "SLR": 9 + 14, "NR": 4}),
    # SLR from 35 %: 35.2, 36.9, 37.6, 38.2, 41.5, 47.7 stay SLR; the other 7 are NR.
    (["--scenario", "Paper, as applied", "--set", "slr_reduction_pct=35"], {"MaR": 35, "SLR": 6, "NR": 7}),
    # MiR from 40 %: 41.5 and 47.7; SLR from 30 %: seven more; NR: 13.3, 18.1, 21.4, 21.5.
    (["--set", "mir_reduction_pct=40", "--set", "slr_reduction_pct=30"], {"MaR": 35, "MiR": 2, "SLR": 7, "NR": 4}),
])
def test_scenario_and_set(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                          counts: dict[str, int]) -> None:
    status, out, _ = run([str(paper_file(tmp_path)), "--format", "csv", *argv], capsys)
    assert status == 0
    assert pd.read_csv(io.StringIO(out))["tier"].value_counts().to_dict() == counts


@pytest.mark.parametrize("argv, words", [
    (["--scenario", "paper-as-written"], ["Unknown scenario", "paper-as-applied", "strict-clinical"]),
    (["--set", "window_months=7"], ["window_months", "3, 6, 12"]),
    (["--set", "hb_criterion=sometimes"], ["hb_criterion", "none, untransfused, everyone"]),
    (["--set", "windows=6"], ["Unknown grading rule 'windows'"]),
    (["--set", "window_months"], ["NAME=VALUE"]),
])
def test_bad_scenario_or_setting_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        argv: list[str], words: list[str]) -> None:
    status, out, err = run([str(paper_file(tmp_path)), *argv], capsys)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    for word in words:
        assert word in err


def test_invalid_file_prints_the_problems_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([str(adversarial.write_bad_cell(tmp_path, "hb_g_l", "9,5"))], capsys)
    assert status == 1 and out == ""
    assert "hb_g_l" in err and adversarial.TARGET_PATIENT in err
    assert "breaks the data contract" in err and "Traceback" not in err


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([str(adversarial.write_random_bytes(tmp_path))], capsys)
    assert status == 2 and out == ""
    assert "could not be read" in err and "Traceback" not in err


def test_through_the_cli_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = importlib.import_module("thaldash.cli")
    status = cli.main(["grade", str(paper_file(tmp_path)), "--format", "csv"])
    assert status == 0
    assert len(pd.read_csv(io.StringIO(capsys.readouterr().out))) == 48


def test_independence_rule_follows_from_rule_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Stopped after month 1, free at months 3, 6, 12, 18 and 24: five later visits. Six asked: none are
    # independent, and the tiers (35 MaR, 9 SLR, 4 NR) do not move.
    path = str(paper_file(tmp_path))
    status, out, _ = run([path, "--format", "json", "--set", "ti_min_free_visits=6"], capsys)
    records = json.loads(out)
    assert status == 0
    stopped = [r for r in records if r["patient_id"].startswith("S1")]
    assert len(stopped) == 16 and all(r["ti_month"] is None for r in stopped)
    assert "(≥ 6 later visits without transfusion)" not in stopped[0]["rule_trace"]
    assert "the rule needs 6 later transfusion-free visits" in stopped[0]["rule_trace"]
    assert pd.Series([r["tier"] for r in records]).value_counts().to_dict() == {"MaR": 35, "SLR": 9, "NR": 4}
    status, _, err = run([path, "--set", "ti_min_free_visits=7"], capsys)
    assert status == 2 and "ti_min_free_visits" in err and "from 1 to 6" in err


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_machine_outputs_carry_values_as_they_are(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 11, point 2: the bundled cohort's -28/-28 patients (P01 …) came out as "'-28/-28", the
    # spreadsheet guard applied to an output another program reads. It belongs to the page downloads only.
    cli = importlib.import_module("thaldash.cli")
    assert cli.main(["grade", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    else:
        table = pd.DataFrame(json.loads(out))
    assert table.set_index("patient_id").at["P01", "genotype"] == "-28/-28"
    assert not table["genotype"].str.startswith("'").any()


def test_report_carries_values_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    cli = importlib.import_module("thaldash.cli")
    assert cli.main(["report", "--format", "json"]) == 0
    groups = {r["genotype"] for r in json.loads(capsys.readouterr().out)["genotype_groups"]}
    assert "-28/-28" in groups and not any(g.startswith("'") for g in groups)
    assert cli.main(["report", "--format", "md"]) == 0
    assert "| -28/-28 |" in capsys.readouterr().out


def test_summary_gives_tdt_and_ntdt_apart_and_intention_to_treat(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 11: the pooled 91.7 % mixes 14 NTDT who are MaR by rule; TDT alone 30/34, transfusion-free 21/34.
    cli = importlib.import_module("thaldash.cli")
    assert cli.main(["grade"]) == 0  # the bundled cohort
    out = capsys.readouterr().out
    assert "  TDT: ORR 30/34 = 88.2%" in out and "transfusion-free 21/34 = 61.8%" in out
    assert "  NTDT: ORR 14/14 = 100.0%" in out and "MaR by the transfusion-free rule" in out
    assert "31.3% (mean of per-patient reductions, unweighted); 30.8% (pooled volume)" in out
    status, out, _ = run([str(paper_file(tmp_path)), "--include-withdrawn"], capsys)
    # The header's n and the denominators agree: 48 graded per protocol, the 4 withdrawn said apart,
    # and 44/52 = 84.6 % when they count as failures.
    assert "48 patients graded; MaR 35, MiR 0, SLR 9, NR 4; not evaluable 0; withdrawn 4" in out
    assert "ORR (MaR + MiR + SLR) = 44/48 = 91.7%" in out
    assert "ORR, intention to treat (the 4 withdrawn counted as failures) = 44/52 = 84.6%" in out
