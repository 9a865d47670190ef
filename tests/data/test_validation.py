"""validate(): every contract rule, all problems at once, typed output, capped problem lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from tests.adversarial import (CASES, TARGET_MONTH, TARGET_PATIENT, messy_frame, valid_frame, with_cell,
                               with_patient_value)
from thaldash.data.io import read_table
from thaldash.data.validation import CAP, PROBLEM_COLUMNS, Validation, validate

P = TARGET_PATIENT


def _rows(v: Validation, column: str, severity: str | None = None) -> pd.DataFrame:
    p = v.problems
    keep = p["column"] == column
    if severity:
        keep &= p["severity"] == severity
    return p[keep]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical text columns as plain text, to compare values with an input."""
    return frame.astype({c: "str" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def _as_csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """What read_table gives for ``frame`` written as CSV: every cell as text."""
    return read_table(frame.to_csv(index=False).encode()).frame


def test_valid_frame_passes_unchanged():
    v = validate(valid_frame())
    assert v.ok and v.n_errors == 0 and v.n_warnings == 0
    assert list(v.problems.columns) == list(PROBLEM_COLUMNS) and v.problems.empty
    assert_frame_equal(_plain(v.frame), valid_frame())


@pytest.mark.parametrize("source", ["frame", "csv text"])
def test_text_columns_come_out_categorical_with_sorted_categories(source):
    frame = valid_frame() if source == "frame" else _as_csv_text(valid_frame())
    typed = validate(frame).frame
    for column in ("patient_id", "allele_1", "allele_2", "thal_type", "sex"):
        categories = typed[column].cat.categories
        assert categories.is_monotonic_increasing and categories.is_unique, column
        # The categories are exactly the distinct values: sorting and grouping equal plain text.
        assert sorted(categories) == sorted(valid_frame()[column].dropna().unique()), column


def test_csv_text_is_typed_like_the_original():
    v = validate(_as_csv_text(valid_frame()))
    assert v.ok
    assert_frame_equal(_plain(v.frame), valid_frame())


def test_input_is_not_modified():
    frame = with_cell("hb_g_l", "9,5")
    before = frame.copy()
    validate(frame)
    assert_frame_equal(frame, before)


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome != "unreadable"], ids=lambda c: c.name)
def test_adversarial_cases(tmp_path, case):
    v = validate(read_table(case.build(tmp_path)))
    assert v.ok == (case.outcome == "warning")
    sev = "error" if case.outcome == "error" else "warning"
    rows = _rows(v, case.column, sev)
    if case.patient_id:
        rows = rows[rows["patient_id"] == case.patient_id]
    assert rows["problem"].str.lower().str.contains(case.text.lower(), regex=False).any(), v.problems


@pytest.mark.parametrize("text, fragment", [
    ("9,5", "decimal comma? write 9.5"),
    ("1,234", "write 1234 or 1.234"),
    ("<5", "censored"),
    ("> 200", "censored"),
    ("n/a", "missing-value marker"),
    ("NA", "missing-value marker"),
    ("NaN", "missing-value marker"),
    ("-", "missing-value marker"),
    ("inf", "infinite"),
    ("-Infinity", "infinite"),
    ("abc", "not a number"),
    ("1_000", "not a number"),
    ("84 g/L", "number followed by text"),
])
def test_non_numbers_are_errors_with_a_hint(text, fragment):
    v = validate(_as_csv_text(with_cell("hb_g_l", text)))
    assert not v.ok
    row = _rows(v, "hb_g_l", "error").iloc[0]
    assert (row["patient_id"], row["value"]) == (P, text)
    assert fragment in row["problem"]


def test_empty_cell_is_missing_where_nullable_and_an_error_elsewhere():
    nullable = validate(_as_csv_text(with_cell("hb_g_l", "")))
    assert nullable.ok
    assert np.isnan(nullable.frame.loc[(nullable.frame["patient_id"] == P)
                                       & (nullable.frame["month"] == TARGET_MONTH), "hb_g_l"]).all()
    required = validate(_as_csv_text(with_cell("pre_rbc_units_24m", "")))
    assert not required.ok
    assert "must not be empty" in _rows(required, "pre_rbc_units_24m")["problem"].iloc[0]


@pytest.mark.parametrize("value, expected", [
    ("TRUE", True), ("yes", True), ("Yes", True), ("1", True), (" true ", True),
    ("false", False), ("No", False), ("0", False),
    (True, True), (False, False), (1, True), (0.0, False),
])
def test_boolean_spellings(value, expected):
    frame = with_patient_value("splenectomy", value)
    v = validate(frame)
    assert v.ok, v.problems
    assert v.frame["splenectomy"].dtype == bool
    assert (v.frame.loc[v.frame["patient_id"] == P, "splenectomy"] == expected).all()


@pytest.mark.parametrize("value", ["maybe", "2", "y", 2])
def test_bad_booleans(value):
    v = validate(with_patient_value("splenectomy", value))
    assert not v.ok
    assert "not true/false" in _rows(v, "splenectomy")["problem"].iloc[0]


@pytest.mark.parametrize("value, ok", [("6.0", True), (6.0, True), ("6.5", False), (6.5, False)])
def test_month_must_be_whole(value, ok):
    frame = with_cell("month", value)
    if not isinstance(value, str):
        frame = frame.astype({"month": "float64"})
    v = validate(frame)
    assert v.ok == ok
    if ok:
        assert v.frame["month"].dtype == "int64"
        assert list(v.frame.loc[v.frame["patient_id"] == P, "month"]) == [0, 1, 3, 6, 12, 18, 24]
    else:
        assert "not a whole number" in _rows(v, "month", "error")["problem"].iloc[0]


@pytest.mark.parametrize("value", [np.inf, -np.inf, "1e400"])
def test_infinity_is_an_error_even_without_a_maximum(value):
    # pre_rbc_units_24m has no maximum, so only the infinity check can catch these.
    v = validate(with_cell("pre_rbc_units_24m", value))
    assert not v.ok
    assert "infinite" in _rows(v, "pre_rbc_units_24m", "error")["problem"].iloc[0]


def test_stored_infinity_in_a_float_column_is_an_error():
    frame = valid_frame()
    v = validate(frame.assign(pre_rbc_units_24m=frame["pre_rbc_units_24m"].replace(72.0, np.inf)))
    rows = _rows(v, "pre_rbc_units_24m", "error")
    assert list(rows["patient_id"]) == [P] and "infinite" in rows["problem"].iloc[0]


def test_withdrawn_missing_or_absent_means_false():
    absent = validate(valid_frame().drop(columns="withdrawn"))
    assert absent.ok and absent.frame["withdrawn"].dtype == bool and not absent.frame["withdrawn"].any()
    blank = validate(_as_csv_text(valid_frame().assign(withdrawn="")))
    assert blank.ok and not blank.frame["withdrawn"].any()


def test_implausible_value_is_a_warning_and_loads():
    v = validate(with_cell("hb_g_l", 25.0))
    assert v.ok
    row = _rows(v, "hb_g_l", "warning").iloc[0]
    assert row["patient_id"] == P and "plausible range 30–200 g/L" in row["problem"]


def test_unit_mistake_names_the_unit_median_patient_and_fix():
    frame = valid_frame().assign(hb_g_l=lambda f: f["hb_g_l"] / 10)
    v = validate(frame)
    rows = _rows(v, "hb_g_l")
    assert len(rows) == 1  # one column-level error, not 42 "implausible" warnings as well
    median = float(np.median(frame["hb_g_l"]))  # numpy.median of the column, computed here
    problem = rows["problem"].iloc[0]
    assert f"median {median:g}" in problem and "g/dL" in problem and "multiply by 10" in problem
    assert f"for patient {rows['patient_id'].iloc[0]}" in problem


def test_case_variants_are_normalised_with_one_warning_per_spelling():
    frame = with_patient_value("thal_type", "tdt")
    frame = frame.assign(sex=frame["sex"].replace({"M": "male"}))
    v = validate(frame)
    assert v.ok
    assert set(v.frame["thal_type"]) == {"TDT", "NTDT"} and set(v.frame["sex"]) == {"F", "M"}
    warned = v.warnings.set_index("column")["problem"]
    assert warned["thal_type"] == "'tdt' read as 'TDT' on 7 row(s)"
    assert warned["sex"] == "'male' read as 'M' on 21 row(s)"  # 3 male patients × 7 visits


def test_aliases_and_spelling_of_alleles_are_normalised_silently():
    frame = with_patient_value("allele_1", "βCD41-42").pipe(
        lambda f: f.assign(allele_2=f["allele_2"].replace({"IVS-II-654": "IVS-2-654"})))
    v = validate(frame)
    assert v.ok and v.problems.empty
    assert_frame_equal(_plain(v.frame), valid_frame())


def test_allele_starting_with_minus_is_not_a_formula():
    assert validate(valid_frame()).problems.empty  # valid_frame has "-28" alleles


def test_unknown_allele_is_a_warning_naming_variant_and_patient():
    v = validate(with_patient_value("allele_2", "CD999"))
    assert v.ok
    rows = _rows(v, "allele_2", "warning")
    assert list(rows["patient_id"]) == [P] and "'CD999'" in rows["problem"].iloc[0]
    assert (v.frame.loc[v.frame["patient_id"] == P, "allele_2"] == "CD999").all()


def test_patient_level_variation_names_patient_and_values():
    v = validate(with_cell("pre_rbc_units_24m", 80.0))
    row = _rows(v, "pre_rbc_units_24m", "error").iloc[0]
    assert row["patient_id"] == P and "72.0 | 80.0" in row["problem"]


def test_equal_spellings_are_not_variation():
    frame = with_patient_value("splenectomy", "no")
    v = validate(with_cell("splenectomy", "false", frame))
    assert v.ok, v.problems


def test_duplicate_visit_and_empty_patient_id():
    frame = pd.concat([valid_frame(), valid_frame().iloc[[0]]], ignore_index=True)
    frame = with_cell("patient_id", "  ", frame)
    v = validate(frame)
    assert "duplicate visit" in _rows(v, "month", "error")["problem"].iloc[0]
    assert _rows(v, "month", "error")["patient_id"].iloc[0] == "P01"
    assert "must not be empty" in _rows(v, "patient_id", "error")["problem"].iloc[0]


def test_all_problems_are_reported_at_once():
    frame = with_cell("hb_g_l", "9,5", with_cell("sf_ng_ml", -1.0, with_patient_value("thal_type", "beta")))
    v = validate(frame.drop(columns="rbc_units"))
    assert set(v.errors["column"]) == {"hb_g_l", "sf_ng_ml", "thal_type", "rbc_units"}
    assert v.frame is None and v.n_errors == 4


def test_missing_column_hint_for_case_mismatch():
    v = validate(valid_frame().rename(columns={"hb_g_l": "Hb_g_l"}))
    assert "'Hb_g_l'" in _rows(v, "hb_g_l", "error")["problem"].iloc[0]


def test_duplicated_columns_in_a_dataframe():
    frame = valid_frame()
    doubled = pd.concat([frame, frame[["month"]]], axis=1)
    v = validate(doubled)
    assert "more than once" in _rows(v, "month", "error")["problem"].iloc[0]


def test_no_rows_is_an_error():
    v = validate(valid_frame().iloc[:0])
    assert not v.ok and "no data rows" in v.errors["problem"].iloc[0]


def test_extra_columns_are_left_out_and_named_in_one_warning_each():
    frame = valid_frame().assign(site=7, note="ok")
    frame.loc[0, "note"] = "tab\there"  # never checked: no analysis reads the column
    v = validate(frame)
    assert v.ok
    assert list(v.frame.columns) == list(valid_frame().columns)
    for column, stored in (("site", "int64"), ("note", "str")):
        rows = _rows(v, column)
        assert list(rows["severity"]) == ["warning"]
        assert rows["problem"].iloc[0] == (f"not read: a column outside the contract (stored as {stored}); "
                                           "no analysis uses it")


def test_unsafe_column_name_is_an_error():
    v = validate(valid_frame().assign(**{"x\u202ey": 1}))
    assert not v.ok and "column name" in _rows(v, "x\u202ey")["problem"].iloc[0]


def test_trimmed_patient_id_warns_and_is_stripped():
    v = validate(with_patient_value("patient_id", f" {P} "))
    assert v.ok and P in set(v.frame["patient_id"])
    assert "spaces removed" in _rows(v, "patient_id", "warning")["problem"].iloc[0]


def test_ntdt_with_transfusions_and_transfusion_at_baseline_warn():
    frame = valid_frame()
    frame = frame.assign(pre_rbc_units_24m=frame["pre_rbc_units_24m"].mask(frame["patient_id"] == "P04", 10.0))
    v = validate(frame)
    assert v.ok
    assert list(_rows(v, "pre_rbc_units_24m", "warning")["patient_id"]) == ["P04"]


def test_missing_baseline_visit_warns():
    frame = valid_frame()
    v = validate(frame[~((frame["patient_id"] == P) & (frame["month"] == 0))])
    assert v.ok
    rows = _rows(v, "month", "warning")
    assert list(rows["patient_id"]) == [P] and "baseline" in rows["problem"].iloc[0]


def test_categorical_parquet_columns_are_accepted(tmp_path):
    path = tmp_path / "cat.parquet"
    valid_frame().astype({"thal_type": "category", "allele_1": "category"}).to_parquet(path)
    v = validate(read_table(path))
    assert v.ok, v.problems
    assert_frame_equal(_plain(v.frame), valid_frame())


def test_problems_are_capped_per_column_and_kind():
    base = valid_frame()
    frame = pd.concat([base.assign(patient_id=base["patient_id"] + f"-{i}") for i in range(72)],
                      ignore_index=True)
    n = len(frame)
    v = validate(frame.astype({"hb_g_l": object}).assign(hb_g_l="9,5", sf_ng_ml=-1.0))
    assert v.n_errors == 2 * n
    for column in ("hb_g_l", "sf_ng_ml"):
        rows = _rows(v, column)
        assert len(rows) == CAP + 1
        assert rows["problem"].iloc[-1].startswith(f"… and {n - CAP:,} more rows")


def _same_validation(a: Validation, b: Validation) -> None:
    assert_frame_equal(a.problems, b.problems)
    assert (a.n_errors, a.n_warnings) == (b.n_errors, b.n_warnings)
    assert (a.frame is None) == (b.frame is None)
    if a.frame is not None:
        assert_frame_equal(a.frame, b.frame)


ONE_SLICE = 10**9


@pytest.mark.parametrize("source", ["frame", "csv"])
@pytest.mark.parametrize("chunk_rows", [700, 5_000])
def test_validation_in_slices_gives_the_problems_of_one_pass(tmp_path, source, chunk_rows):
    frame = messy_frame(3_000, straddle_at=5_000)
    if source == "csv":
        frame.to_csv(tmp_path / "messy.csv", index=False)
        frame = read_table(tmp_path / "messy.csv")
    sliced, whole = validate(frame, chunk_rows=chunk_rows), validate(frame, chunk_rows=ONE_SLICE)
    _same_validation(sliced, whole)
    # The kinds this file must produce: capped across slices, and a patient across a slice boundary.
    hb = _rows(sliced, "hb_g_l", "error")
    assert len(hb[hb["problem"].str.startswith("not a number (decimal comma")]) == CAP
    assert hb["problem"].str.match(r"… and [\d,]+ more rows with this problem \(decimal comma\)").any()
    straddling = _rows(sliced, "age_years", "error")
    assert "30.0 | 31.0" in straddling.loc[straddling["patient_id"] == "S-STRADDLE", "problem"].iloc[0]
    for kind in ("duplicate visit", "no month-0", "read as 'TDT'", "CD999", "differs", "censored", "formula"):
        assert sliced.problems["problem"].str.contains(kind, regex=False).any(), kind


def test_a_file_not_in_patient_order_is_checked_in_one_slice_with_the_same_result():
    frame = messy_frame(1_000, seed=8).sample(frac=1, random_state=8).reset_index(drop=True)
    _same_validation(validate(frame, chunk_rows=700), validate(frame, chunk_rows=ONE_SLICE))


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome != "unreadable"], ids=lambda c: c.name)
def test_every_adversarial_case_gives_the_same_problems_in_slices(tmp_path, case):
    raw = read_table(case.build(tmp_path))
    _same_validation(validate(raw, chunk_rows=7), validate(raw, chunk_rows=ONE_SLICE))


def test_a_patient_level_value_with_many_spellings_lists_five_and_counts_the_rest():
    frame = valid_frame()
    rows = frame.index[frame["patient_id"] == P]
    frame = frame.assign(age_years=frame["age_years"].astype(float))
    frame.loc[rows, "age_years"] = [8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]
    row = _rows(validate(frame), "age_years", "error").iloc[0]
    assert row["value"] == "8.0 | 9.0 | 10.0 | 11.0 | 12.0 | … and 2 more"
