"""Folders of centres (``data.sources`` + ``data.centres`` via ``load_cohort``): three centres whose ids
collide, a Hive-partitioned dataset, mixed Parquet/CSV, one broken file refusing the whole folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from thaldash.data.loading import bundled_cohort_path, load_cohort, load_cohort_isolated
from thaldash.data.schema import CENTRE_ID, CONTRACT_VERSION, data_dictionary_markdown
from thaldash.data.sources import folder_digest
from thaldash.data.validation_problems import PROBLEM_COLUMNS
from thaldash.grading.grade import grade

CENTRES = ("east", "north", "south")


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    return pd.read_parquet(bundled_cohort_path())


def three_centres(folder: Path, source: pd.DataFrame) -> Path:
    """east.parquet, north.parquet, south.csv: the same file three times, so every id collides."""
    folder.mkdir(parents=True, exist_ok=True)
    source.to_parquet(folder / "east.parquet", index=False)
    source.to_parquet(folder / "north.parquet", index=False)
    source.to_csv(folder / "south.csv", index=False)
    return folder


def test_three_centres_with_colliding_ids_stay_apart(tmp_path, source):
    result = load_cohort(three_centres(tmp_path / "trial", source))
    assert result.ok and result.n_errors == 0, result.problems
    cohort = result.cohort
    n = source["patient_id"].nunique()
    assert cohort.centres == CENTRES
    assert len(cohort.patients) == 3 * n  # P01 at three centres is three patients
    assert cohort.patients["patient_id"].is_unique
    assert set(cohort.patients["centre_patient_id"].astype(str)) == set(source["patient_id"])
    first = sorted(source["patient_id"].unique())[0]
    assert {f"{c}/{first}" for c in CENTRES} <= set(cohort.patients["patient_id"].astype(str))
    assert result.files == ("east.parquet", "north.parquet", "south.csv")
    assert result.source_name == "trial"
    # The digest is the documented rule (each file's name and SHA-256), independent of listing order.
    import hashlib
    files = [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in (tmp_path / "trial").iterdir()]
    assert result.sha256 == cohort.sha256 == folder_digest(reversed(sorted(files)))


def test_grading_of_three_identical_centres_is_each_centres_own(tmp_path, source, bundled):
    cohort = load_cohort(three_centres(tmp_path / "trial", source)).cohort
    graded = grade(cohort)
    single = dict(zip(grade(bundled)["patient_id"].astype(str), grade(bundled)["tier"].astype(str)))
    assert len(graded) == 3 * len(single)
    for centre in CENTRES:
        mine = graded[graded["patient_id"].astype(str).str.startswith(f"{centre}/")]
        tiers = dict(zip(mine["patient_id"].astype(str).str.split("/").str[1], mine["tier"].astype(str)))
        assert tiers == single


def test_a_centre_column_wins_over_the_file_name_and_one_file_can_hold_several_centres(tmp_path, source):
    both = pd.concat([source.assign(centre="Guangzhou"), source.assign(centre="Nanning")], ignore_index=True)
    path = tmp_path / "all.parquet"
    both.to_parquet(path, index=False)
    result = load_cohort(path)  # one file, two centres: keyed as a folder would be
    assert result.ok, result.problems
    assert result.cohort.centres == ("Guangzhou", "Nanning")
    assert result.cohort.patients["patient_id"].astype(str).str.startswith(("Guangzhou/", "Nanning/")).all()
    folder = tmp_path / "folder"
    folder.mkdir()
    source.assign(centre="Guangzhou").to_parquet(folder / "site1.parquet", index=False)
    source.to_csv(folder / "Nanning.csv", index=False)
    result = load_cohort(folder)
    assert result.ok and result.cohort.centres == ("Guangzhou", "Nanning")


def test_one_file_without_centre_behaves_as_before(source, bundled):
    assert "centre" not in bundled.patients and CENTRE_ID not in bundled.patients
    assert bundled.centres == () and not bundled.several_centres
    assert set(bundled.patients["patient_id"].astype(str)) == set(source["patient_id"])


def test_hive_partitioned_dataset(tmp_path, source):
    root = tmp_path / "hive"
    table = pa.Table.from_pandas(pd.concat([source.assign(centre=c) for c in ("A", "B")], ignore_index=True),
                                 preserve_index=False)
    # Written by pyarrow itself: centre=A/part-0.parquet, the layout Spark writes too.
    ds.write_dataset(table, root, format="parquet", partitioning=["centre"], partitioning_flavor="hive")
    (root / "_SUCCESS").write_text("")  # Spark's marker: skipped, as pyarrow skips it
    result = load_cohort(root)
    assert result.ok, result.problems
    assert result.files == ("centre=A/part-0.parquet", "centre=B/part-0.parquet")
    assert result.cohort.centres == ("A", "B")
    assert len(result.cohort.patients) == 2 * source["patient_id"].nunique()


def test_a_centre_column_that_disagrees_with_its_partition_is_an_error(tmp_path, source):
    folder = tmp_path / "hive" / "centre=A"
    folder.mkdir(parents=True)
    source.assign(centre="B").to_parquet(folder / "part-0.parquet", index=False)
    result = load_cohort(tmp_path / "hive")
    assert not result.ok
    row = result.problems.iloc[0]
    assert row["file"] == "centre=A/part-0.parquet" and row["column"] == "centre" and "centre=A" in row["problem"]


def test_one_broken_file_refuses_the_folder_and_names_the_file(tmp_path, source):
    folder = three_centres(tmp_path / "trial", source)
    broken = source.copy()
    broken.loc[broken.index[0], "hb_g_l"] = -5.0  # below the impossible bound
    broken.to_csv(folder / "west.csv", index=False)
    (folder / "notes.txt").write_text("not a table")
    result = load_cohort(folder)
    assert not result.ok and result.cohort is None and result.n_errors >= 1
    assert list(result.problems.columns) == list(PROBLEM_COLUMNS)
    errors = result.problems[result.problems["severity"] == "error"]
    assert set(errors["file"]) == {"west.csv"}
    assert (errors["column"] == "hb_g_l").any()
    assert errors["patient_id"].iloc[0] == str(broken["patient_id"].iloc[0])
    skipped = result.problems[result.problems["file"] == "notes.txt"]
    assert len(skipped) == 1 and skipped["severity"].iloc[0] == "warning"


def test_an_unreadable_file_in_a_folder_is_named(tmp_path, source):
    folder = three_centres(tmp_path / "trial", source)
    (folder / "west.parquet").write_bytes(b"PAR1 this is not parquet")
    result = load_cohort(folder)
    assert not result.ok and result.unreadable
    assert "west.parquet" in set(result.problems["file"])


def test_a_patient_split_over_two_files_is_an_error(tmp_path, source):
    folder = tmp_path / "split"
    folder.mkdir()
    early, late = source[source["month"] <= 6], source[source["month"] > 6]
    early.assign(centre="A").to_parquet(folder / "one.parquet", index=False)
    late.assign(centre="A").to_parquet(folder / "two.parquet", index=False)
    result = load_cohort(folder)
    assert not result.ok
    assert result.problems["problem"].str.contains("more than one file").any()


def test_a_centre_name_with_the_separator_is_refused(tmp_path, source):
    path = tmp_path / "x.parquet"
    source.assign(centre="a/b").to_parquet(path, index=False)
    result = load_cohort(path)
    assert not result.ok and (result.problems["column"] == "centre").any()


def test_a_folder_without_tables_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    result = load_cohort(tmp_path / "empty")
    assert not result.ok and result.unreadable
    assert "no Parquet or CSV file" in result.problems["problem"].iloc[0]


def test_single_file_problems_have_an_empty_file_column(tmp_path, source):
    bad = source.copy()
    bad.loc[bad.index[0], "hb_g_l"] = -5.0
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    result = load_cohort(path)
    assert not result.ok and (result.problems["file"] == "").all()


def test_several_uploaded_files_load_in_the_worker(tmp_path, source):
    folder = three_centres(tmp_path / "trial", source)
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    result = load_cohort_isolated(files, "3 uploaded files")
    assert result.ok, result.problems
    assert result.cohort.centres == CENTRES
    assert len(result.cohort.patients) == 3 * source["patient_id"].nunique()


def test_contract_v1_1_documents_the_centre_column():
    assert CONTRACT_VERSION == "1.1"
    text = data_dictionary_markdown()
    assert "| `centre` | no | patient |" in text and "## Several centres" in text
    readme = (Path(__file__).resolve().parents[2] / "data" / "README.md").read_text(encoding="utf-8")
    assert readme.strip() == text.strip()


def test_cli_validate_names_the_file_of_each_problem(tmp_path, source, capsys):
    from thaldash.cli import main

    folder = three_centres(tmp_path / "trial", source)
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    n = source["patient_id"].nunique()
    assert f"valid: {3 * n:,} patients, {3 * len(source):,} visits from 3 files (3 centres)" in out
    broken = source.copy()
    broken.loc[broken.index[0], "hb_g_l"] = -5.0
    broken.to_csv(folder / "west.csv", index=False)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"error: west.csv: hb_g_l: patient {broken['patient_id'].iloc[0]}: ")
    assert "the folder is refused" in out
    assert main(["grade", str(folder)]) == 1
    assert "not graded, the folder (one of its files) breaks the data contract" in capsys.readouterr().err


def test_duplicate_visits_are_per_centre_in_a_file_of_several_centres(tmp_path, source):
    both = pd.concat([source.assign(centre="A"), source.assign(centre="B")], ignore_index=True)
    first = both.iloc[[0]]  # centre A's first patient's first visit, twice
    path = tmp_path / "dup.parquet"
    pd.concat([both, first], ignore_index=True).to_parquet(path, index=False)
    result = load_cohort(path)
    assert not result.ok
    errors = result.problems[result.problems["severity"] == "error"]
    assert set(errors["patient_id"]) == {f"A/{source['patient_id'].iloc[0]}"}  # B's copy of the id is not a duplicate


def test_the_row_limit_holds_for_the_folder_as_a_whole(tmp_path, source, monkeypatch):
    import thaldash.data.centres as centres

    folder = three_centres(tmp_path / "trial", source)
    # Each file (347 rows) fits a limit of 800 rows; the three together (1,041) do not.
    monkeypatch.setattr(centres, "MAX_ROWS", 800)
    result = load_cohort(folder)
    assert not result.ok and result.unreadable
    refused = result.problems[result.problems["severity"] == "error"]
    assert refused["file"].tolist() == ["south.csv"]  # the third file, read with what the first two left
    assert "share one limit" in refused["problem"].iloc[0] and "694 rows" in refused["problem"].iloc[0]
