"""The contract is one definition: the data dictionary in data/README.md is generated from it."""

from __future__ import annotations

from pathlib import Path

from thaldash.data.schema import CONTRACT, COLUMNS, REQUIRED, data_dictionary_markdown, upload_help_text

DATA_README = Path(__file__).resolve().parents[2] / "data" / "README.md"


def test_data_readme_is_generated_from_the_contract():
    # Regenerate with: python -m thaldash contract --format md > data/README.md
    assert DATA_README.read_text(encoding="utf-8").rstrip("\n") == data_dictionary_markdown().rstrip("\n")


def test_every_column_is_documented_once():
    text = data_dictionary_markdown()
    for column in CONTRACT:
        assert text.count(f"| `{column.name}` |") == 1, column.name


def test_required_columns_are_the_issue_list():
    # The issue's contract v1, required columns in order.
    assert REQUIRED == ("patient_id", "allele_1", "allele_2", "thal_type", "splenectomy", "pre_rbc_units_24m",
                        "month", "hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units")


def test_upload_help_names_every_required_column_and_unit():
    text = upload_help_text()
    for name in REQUIRED:
        assert f"`{name}`" in text
    assert "g/L" in text and "ng/mL" in text


def test_unit_checks_name_their_unit():
    assert COLUMNS["hb_g_l"].unit_check.looks_like == "g/dL"
    assert "fraction" in COLUMNS["hbf_pct"].unit_check.looks_like
