"""The adverse-events contract (``thaldash.data.adverse_events``): reading, checks, respellings."""

from __future__ import annotations

import pandas as pd
import pytest

from thaldash.data.adverse_events import (ADVERSE_EVENTS, AE_REQUIRED, adverse_events_markdown, load_adverse_events,
                                          normalise_event)

HEADER = "patient_id,event,month,grade,led_to_withdrawal\n"


def load(text: str, patients: pd.DataFrame | None = None):
    return load_adverse_events(text.encode("utf-8"), "ae.csv", patients=patients)


def problems(result) -> list[tuple[str, str, str]]:
    return list(result.problems[["severity", "column", "problem"]].itertuples(index=False, name=None))


def test_a_valid_table_is_typed(bundled):
    result = load(HEADER + "P01,rash,1,2,no\nW1,Severe rash,1,3,yes\nP02,dizziness,,,\n", bundled.patients)
    assert result.ok and result.n_errors == 0
    events = result.events
    assert events["event"].tolist() == ["rash", "rash", "dizziness"]  # a known spelling, and one kept as written
    assert events["grade"].tolist()[:2] == [2, 3] and pd.isna(events["grade"].iloc[2])
    assert events["led_to_withdrawal"].tolist() == [False, True, False]  # missing means false
    assert events["month"].isna().tolist() == [False, False, True]


def test_only_patient_and_event_are_required(bundled):
    assert AE_REQUIRED == ("patient_id", "event")
    result = load("patient_id,event\nP01,constipation\n", bundled.patients)
    assert result.ok and result.events["led_to_withdrawal"].tolist() == [False]


def test_every_problem_is_reported_at_once(bundled):
    result = load(HEADER + "P01,rash,x,7,maybe\nP99,rash,1,1,no\nP02,,1,1,no\n", bundled.patients)
    assert not result.ok
    found = problems(result)
    assert ("error", "month", "not a number") in found
    assert ("error", "grade", "impossible value: above the maximum of 5") in found
    assert ("error", "led_to_withdrawal", "not true/false; write true, false, yes, no, 1 or 0") in found
    assert ("error", "event", "empty cell; event must not be empty") in found
    assert any(c == "patient_id" and "P99 is not in the cohort file" in p for _, c, p in found)
    assert result.n_errors == 5


def test_a_missing_required_column_is_named():
    result = load("patient_id,month\nP01,1\n")
    assert not result.ok
    assert any(c == "event" and "required column" in p for _, c, p in problems(result))


def test_control_characters_in_an_event_are_refused():
    result = load(HEADER + "P01,ra\u202esh,1,1,no\n")
    assert not result.ok
    assert any("bidirectional-override" in p for _, _, p in problems(result))


def test_withdrawal_for_a_patient_the_cohort_keeps_is_a_warning(bundled):
    result = load(HEADER + "P01,rash,1,1,yes\n", bundled.patients)
    assert result.ok
    assert ("warning", "led_to_withdrawal",
            "the event led to withdrawal, but the cohort file does not mark this patient as withdrawn") in problems(result)


def test_respellings_are_warned_once_per_spelling(bundled):
    result = load(HEADER + "P01,Facial swelling,1,1,no\nP02,Facial swelling,2,1,no\n", bundled.patients)
    warnings = [p for s, _, p in problems(result) if s == "warning"]
    assert warnings == ["'Facial swelling' read as the paper's term 'eyelid/facial oedema' on 2 row(s)"]


@pytest.mark.parametrize("raw, term", [("DVT", "thrombosis"), ("  Skin   rash ", "skin rash"),
                                       ("arthralgia", "joint swelling or pain"), ("Headache", "Headache")])
def test_normalise_event(raw, term):
    assert normalise_event(raw) == term


def test_unreadable_file_is_one_sentence():
    result = load_adverse_events(b"", "ae.csv")
    assert not result.ok and result.unreadable
    assert result.problems["problem"].tolist() == ["ae.csv: the file is empty"]


def test_the_contract_documents_every_column():
    text = adverse_events_markdown()
    for column in ADVERSE_EVENTS:
        assert f"| `{column.name}` |" in text
    assert "THALDASH_ADVERSE_EVENTS" in text and "--adverse-events" in text
