"""`python -m thaldash validate` and `contract`: exit codes, one line per problem, no tracebacks."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import thaldash.cli as cli
from tests.adversarial import (CASES, TARGET_PATIENT, write_bad_cell, write_label, write_truncated_parquet,
                               write_unknown_allele, write_valid_csv, write_valid_parquet)
from thaldash.data.schema import CONTRACT, data_dictionary_markdown
from thaldash.data.validation import escape_unsafe
from thaldash.data.validation_problems import UNSAFE_CHARACTERS

REPO = Path(__file__).resolve().parents[2]
EXIT = {"unreadable": 2, "error": 1, "warning": 0}


@pytest.fixture
def run(monkeypatch, capsys):
    """Run ``thaldash.cli.main`` in-process and return (exit code, stdout, stderr)."""

    def _run(*argv: str) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return _run


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_adversarial_case(tmp_path, run, case):
    path = case.build(tmp_path)
    before = _sha(path)
    code, out, err = run("validate", path)
    assert code == EXIT[case.outcome]
    assert "Traceback" not in out + err
    assert not UNSAFE_CHARACTERS.search((out + err).replace("\n", ""))
    lines = (out + err).splitlines()
    wanted = case.column and f": {case.column}: "
    hits = [ln for ln in lines if (not wanted or wanted in ln) and case.text.lower() in ln.lower()]
    if case.patient_id:
        hits = [ln for ln in hits if f"patient {escape_unsafe(case.patient_id)}:" in ln]
    assert hits, out + err
    assert _sha(path) == before


def test_valid_file_exits_0_with_a_summary(tmp_path, run):
    code, out, err = run("validate", write_valid_csv(tmp_path))
    assert (code, out, err) == (0, "valid: 6 patients, 42 visits, 0 warnings\n", "")


def test_warning_lines_then_summary(tmp_path, run):
    code, out, _ = run("validate", write_unknown_allele(tmp_path))
    assert code == 0
    assert out.splitlines() == [
        f"warning: allele_2: patient {TARGET_PATIENT}: unknown β-globin variant 'CD999'; its β0/β+ class "
        "will be shown as 'unknown' (value: CD999)",
        "valid: 6 patients, 42 visits, 1 warnings",
    ]


def test_error_line_format(tmp_path, run):
    code, out, _ = run("validate", write_bad_cell(tmp_path, "hb_g_l", "9,5"))
    assert code == 1
    assert out.splitlines()[0] == (f"error: hb_g_l: patient {TARGET_PATIENT}: not a number "
                                   "(decimal comma? write 9.5) (value: 9,5)")


def test_terminal_escapes_are_shown_escaped(tmp_path, run):
    code, out, _ = run("validate", write_label(tmp_path, "\x1b[2J\x1b]0;pwned\x07CD17", "allele_1"))
    assert code == 1
    assert "\x1b" not in out and "\\x1b[2J\\x1b]0;pwned\\x07CD17" in out


def test_missing_path_exits_2(tmp_path, run):
    code, out, err = run("validate", tmp_path / "nope.csv")
    assert code == 2 and out == "" and "no such file" in err


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_machine_formats(tmp_path, run, fmt):
    code, out, err = run("validate", write_label(tmp_path, "P03\u202eXYZ"), "--format", fmt)
    assert code == 1 and err.startswith("invalid: 1 errors")
    rows = json.loads(out) if fmt == "json" else pd.read_csv(io.StringIO(out), dtype=str).to_dict("records")
    assert rows[0]["column"] == "patient_id" and rows[0]["patient_id"] == "P03\\u202eXYZ"
    assert "\u202e" not in out


def test_contract_markdown(run):
    code, out, _ = run("contract")
    assert code == 0 and out == data_dictionary_markdown() + "\n"


def test_contract_json(run):
    code, out, _ = run("contract", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and [c["name"] for c in doc["columns"]] == [c.name for c in CONTRACT]
    hb = next(c for c in doc["columns"] if c["name"] == "hb_g_l")
    assert hb["unit"] == "g/L" and hb["unit_check"]["looks_like"] == "g/dL" and hb["plausible"] == [30, 200]


def _subprocess(*argv: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "thaldash", *map(str, argv)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("builder, code", [
    (write_valid_parquet, 0),
    (lambda d: write_bad_cell(d, "sf_ng_ml", "<5"), 1),
    (lambda d: write_label(d, "P03\u202eXYZ"), 1),
    (write_truncated_parquet, 2),
    (lambda d: d / "missing.parquet", 2),
])
def test_subprocess_exit_codes_without_traceback(tmp_path, builder, code):
    done = _subprocess("validate", builder(tmp_path))
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "\u202e" not in done.stdout + done.stderr


def test_subprocess_contract():
    done = _subprocess("contract", "--format", "md")
    assert done.returncode == 0 and done.stdout.startswith("# Cohort data contract v")
