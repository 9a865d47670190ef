"""Reading Parquet/CSV into a RawTable: format by content, refusals as sentences, no writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.adversarial import (valid_frame, write_csv_named_parquet, write_duplicated_column_csv,
                               write_duplicated_column_parquet, write_empty, write_random_bytes,
                               write_ten_million_rows, write_truncated_parquet, write_valid_csv,
                               write_valid_parquet)
from thaldash.data.io import MAX_ROWS, RawTable, UnreadableFile, read_table
from thaldash.data.schema import CONTRACT


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_csv_is_read_as_text_with_original_cells(tmp_path):
    raw = read_table(write_valid_csv(tmp_path))
    assert raw.format == "csv"
    assert all(pd.api.types.is_string_dtype(raw.frame[c]) for c in raw.frame.columns)
    assert raw.frame.loc[0, "hb_g_l"] == "70.0"  # the text as written by DataFrame.to_csv
    assert raw.frame.shape == valid_frame().shape


def test_parquet_keeps_stored_types(tmp_path):
    raw = read_table(write_valid_parquet(tmp_path))
    assert raw.format == "parquet"
    assert raw.frame["month"].dtype == "int64"
    assert raw.frame["hb_g_l"].dtype == "float64"


def test_csv_renamed_parquet_is_read_as_csv(tmp_path):
    raw = read_table(write_csv_named_parquet(tmp_path))
    assert raw.format == "csv"
    assert raw.name == "renamed.parquet"
    assert len(raw.frame) == len(valid_frame())


def test_parquet_bytes_are_recognised_whatever_the_name(tmp_path):
    data = write_valid_parquet(tmp_path).read_bytes()
    raw = read_table(data, name="upload.csv")
    assert (raw.format, raw.name, raw.n_bytes) == ("parquet", "upload.csv", len(data))


def test_bytes_without_name_get_a_default_name(tmp_path):
    assert read_table(write_valid_csv(tmp_path).read_bytes()).name == "uploaded file"


def test_sha256_is_of_the_bytes_and_the_file_is_unchanged(tmp_path):
    path = write_valid_parquet(tmp_path)
    before, mtime = _sha(path), path.stat().st_mtime_ns
    raw = read_table(path)
    assert raw.sha256 == before  # hashlib.sha256 over the file's bytes, computed independently
    assert (_sha(path), path.stat().st_mtime_ns) == (before, mtime)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_only_contract_columns_are_read_in_contract_order_and_extras_are_named(tmp_path, fmt):
    frame = valid_frame()
    shuffled = frame.assign(note="x", site=7)[["note", *reversed(frame.columns), "site"]]
    path = tmp_path / f"shuffled.{fmt}"
    shuffled.to_csv(path, index=False) if fmt == "csv" else shuffled.to_parquet(path, index=False)
    raw = read_table(path)
    assert list(raw.frame.columns) == [c.name for c in CONTRACT if c.name in frame.columns]
    stored = {"csv": ("text", "text"), "parquet": ("large_string", "int64")}[fmt]
    assert raw.extra_columns == (("note", stored[0]), ("site", stored[1]))


@pytest.mark.parametrize("builder", [write_duplicated_column_csv, write_duplicated_column_parquet])
def test_duplicated_columns_are_recorded_and_kept_once(tmp_path, builder):
    raw = read_table(builder(tmp_path))
    assert raw.duplicated_columns == ("hb_g_l",)
    assert list(raw.frame.columns).count("hb_g_l") == 1
    assert "hb_g_l.1" not in raw.frame.columns


@pytest.mark.parametrize("builder, fragment", [
    (write_empty, "empty"),
    (write_truncated_parquet, "truncated"),
    (write_random_bytes, "not a"),
])
def test_unreadable_files_raise_a_sentence(tmp_path, builder, fragment):
    path = builder(tmp_path)
    with pytest.raises(UnreadableFile) as info:
        read_table(path)
    assert fragment in str(info.value)
    assert str(info.value).startswith(path.name)


@pytest.mark.parametrize("data, fragment", [
    (b"PK\x03\x04" + b"\x00" * 100, "Excel"),
    (b"PAR1" + b"\x00" * 100 + b"PAR1", "damaged"),
    ("patient_id,month\nP1,0\n".encode("utf-16"), "not"),
    ("patient_id,month\nP\xe9,0\n".encode("latin-1"), "UTF-8"),
    (b"   \n  \n", "no text"),
    (b"a,b\n1,2,3\n", "more cells than the header"),
])
def test_other_unreadable_bytes(data, fragment):
    with pytest.raises(UnreadableFile, match=fragment):
        read_table(data, name="x")


def test_missing_path_and_directory_are_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="no such file"):
        read_table(tmp_path / "nope.parquet")
    with pytest.raises(UnreadableFile, match="not a regular file"):
        read_table(tmp_path)


def test_ten_million_rows_refused_from_metadata_without_reading(tmp_path, monkeypatch):
    path = write_ten_million_rows(tmp_path)
    assert pq.ParquetFile(path).metadata.num_rows == 10_000_000 > MAX_ROWS

    def no_read(*args, **kwargs):
        raise AssertionError("the row data must not be read")

    monkeypatch.setattr(pq.ParquetFile, "read", no_read)
    monkeypatch.setattr(pd, "read_parquet", no_read)
    with pytest.raises(UnreadableFile, match="10,000,000 rows"):
        read_table(path)


def test_max_rows_applies_to_csv_too(tmp_path):
    with pytest.raises(UnreadableFile, match="above the limit of 10 rows"):
        read_table(write_valid_csv(tmp_path), max_rows=10)


def test_semicolon_csv_is_split_on_semicolons():
    raw = read_table(b"patient_id;hb_g_l\nP1;9,5\n")
    assert raw.frame.to_dict("list") == {"patient_id": ["P1"], "hb_g_l": ["9,5"]}


def test_header_whitespace_and_bom_are_removed():
    raw = read_table("\ufeff patient_id , month\nP1,0\n".encode())
    assert list(raw.frame.columns) == ["patient_id", "month"]


def test_raw_table_is_frozen(tmp_path):
    raw = read_table(write_valid_csv(tmp_path))
    assert isinstance(raw, RawTable)
    with pytest.raises(AttributeError):
        raw.name = "other"  # type: ignore[misc]


def test_named_parquet_index_becomes_columns_again(tmp_path):
    path = tmp_path / "indexed.parquet"
    valid_frame().set_index(["patient_id", "month"]).to_parquet(path)
    raw = read_table(path)
    assert {"patient_id", "month"} <= set(raw.frame.columns)
    assert isinstance(raw.frame.index, pd.RangeIndex)


def test_an_unnamed_parquet_index_is_not_read_as_a_column(tmp_path):
    path = tmp_path / "shuffled.parquet"
    shuffled = valid_frame().sample(frac=1, random_state=0)
    shuffled.to_parquet(path)  # a non-range index: pandas stores it as __index_level_0__
    assert "__index_level_0__" in pq.ParquetFile(path).schema_arrow.names
    raw = read_table(path)
    assert list(raw.frame.columns) == list(valid_frame().columns)
    assert raw.frame["patient_id"].astype("str").tolist() == shuffled["patient_id"].tolist()


def test_parquet_text_columns_are_read_dictionary_encoded(tmp_path):
    path = tmp_path / "plain.parquet"
    valid_frame().to_parquet(path)
    frame = read_table(path).frame
    assert isinstance(frame["thal_type"].dtype, pd.CategoricalDtype)
    assert frame["thal_type"].astype("str").tolist() == valid_frame()["thal_type"].tolist()
    assert frame["hb_g_l"].dtype == "float64"


def test_nameless_csv_columns_are_named_by_position():
    raw = read_table(b"patient_id,month,,\nP1,0,,\n")
    assert list(raw.frame.columns) == ["patient_id", "month"]
    assert raw.extra_columns == (("unnamed_3", "text"), ("unnamed_4", "text"))
    assert raw.duplicated_columns == ()


def test_parquet_labels_over_several_row_groups_are_arrows_own_categoricals(tmp_path):
    # Each row group has its own dictionary, with missing labels; the reference is pyarrow's own conversion of the
    # dictionary-encoded columns (pyarrow.parquet.read_table(...).to_pandas()), codes and category dtypes included.
    path = tmp_path / "groups.parquet"
    frame = valid_frame()
    frame.loc[frame.index[::3], "sex"] = None
    frame["patient_id"] = frame["patient_id"][::-1].to_numpy()  # dictionaries in an order that is not sorted
    frame.to_parquet(path, row_group_size=7)
    labels = ["patient_id", "allele_1", "thal_type", "sex"]
    expected = pq.read_table(path, columns=labels, read_dictionary=labels).to_pandas()
    got = read_table(path).frame
    for name in labels:
        pd.testing.assert_series_equal(got[name], expected[name], check_exact=True)
        assert got[name].cat.codes.dtype == expected[name].cat.codes.dtype
        assert got[name].cat.categories.dtype == expected[name].cat.categories.dtype
        assert got[name].cat.categories.tolist() == expected[name].cat.categories.tolist()


def test_parquet_booleans_with_gaps_check_as_the_same_cells_written_as_text(tmp_path):
    # Read as pandas' nullable booleans (not a Python object per row); the reference is the same cells written
    # as text ("True", "False", empty: as the problem table quotes a stored boolean), which the validator reads
    # through its text path.
    from thaldash.data.validation import validate

    frame = valid_frame()
    frame["splenectomy"] = frame["splenectomy"].astype(object)
    frame.loc[frame.index[::4], "splenectomy"] = None
    frame.to_parquet(tmp_path / "bools.parquet")
    as_text = frame.assign(splenectomy=frame["splenectomy"].map({True: "True", False: "False", None: ""}))
    as_text.to_parquet(tmp_path / "text.parquet")
    raw = read_table(tmp_path / "bools.parquet")
    assert raw.frame["splenectomy"].dtype == pd.BooleanDtype()
    assert raw.frame["splenectomy"].isna().sum() == len(frame.index[::4])
    got, expected = validate(raw), validate(read_table(tmp_path / "text.parquet"))
    assert len(got.problems) > 0
    pd.testing.assert_frame_equal(got.problems.drop(columns="value"), expected.problems.drop(columns="value"))


def test_parquet_read_two_columns_at_a_time_is_the_one_at_a_time_read(tmp_path, monkeypatch):
    # Large files are read by two threads (io_parquet._PARALLEL_FROM_BYTES); the reference is the one-at-a-time
    # read every other test here checks, on the same file (several row groups, labels, gaps, booleans).
    from concurrent.futures import ThreadPoolExecutor

    import thaldash.data.io_parquet as io_parquet

    path = tmp_path / "groups.parquet"
    frame = valid_frame()
    frame.loc[frame.index[::3], "sex"] = None
    frame.to_parquet(path, row_group_size=5)
    one_at_a_time = read_table(path).frame
    monkeypatch.setattr(io_parquet, "_PARALLEL_FROM_BYTES", 0)
    used = []
    monkeypatch.setattr(io_parquet, "ThreadPoolExecutor",
                        lambda **kw: used.append(kw) or ThreadPoolExecutor(**kw))
    two_at_a_time = read_table(path).frame
    assert used, "the threaded path ran"
    pd.testing.assert_frame_equal(two_at_a_time, one_at_a_time, check_exact=True)
