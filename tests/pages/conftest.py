"""Run the app's pages headless with ``streamlit.testing.v1.AppTest``, in three data scenarios.

Every file in ``pages/`` (and ``app.py``) is collected automatically, so a new page is tested
as soon as it exists. Scenarios:

- ``bundled``: the bundled cohort (``THALDASH_DATA`` unset);
- ``no_patients``: the bundled cohort with a link whose filter matches nobody;
- ``tiny``: a four-patient cohort in which every genotype, tier and group has one patient
  (``THALDASH_DATA`` points at a Parquet file written in a temporary folder);
- ``centres``: a folder of three centres, each the tiny cohort with the same patient ids (two Parquet
  files and a CSV), the CSV's centre with visits off the study schedule (``centres_folder``).

Use ``run_page(path, scenario, query=..., session=...)`` in a test to get a finished AppTest.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from thaldash.data.loading import DATA_ENV

REPO = Path(__file__).resolve().parents[2]
PAGE_FILES: list[Path] = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
SCENARIOS: tuple[str, ...] = ("bundled", "no_patients", "tiny", "centres")
CENTRES: tuple[str, ...] = ("east", "north", "south")
# Both values exist in the bundled cohort, but no CD41-42/CD17 patient is NTDT.
NO_PATIENTS_QUERY: dict[str, str] = {"genotype": "CD41-42/CD17", "thal_type": "NTDT"}
TIMEOUT = 120  # seconds; the first run of a session loads the cohort and imports the charts


def tiny_cohort_frame() -> pd.DataFrame:
    """Four patients, one per genotype: a TDT responder, a TDT non-responder, an NTDT, a withdrawal.

    The NTDT patient has no month-18 visit and no recorded age; the withdrawn one stops at month 3.
    """
    months = (0, 1, 3, 6, 12, 18, 24)
    patients = [
        # id, allele_1, allele_2, type, spleen, pre units, sex, age, withdrawn, units per visit after baseline
        ("T1", "CD41-42", "-28", "TDT", True, 48.0, "M", 14.0, False, (2, 2, 0, 0, 0, 0)),
        ("T2", "CD17", "CD17", "TDT", False, 48.0, "F", 22.0, False, (2, 4, 4, 8, 8, 8)),
        ("N1", "IVS-II-654", "HbE", "NTDT", False, 0.0, "F", None, False, (0, 0, 0, 0, 0, 0)),
        ("W1", "CD71-72", "HbE", "TDT", True, 40.0, "M", 30.0, True, (2, 2)),
    ]
    rows = []
    for pid, a1, a2, thal, spleen, pre, sex, age, gone, units in patients:
        for i, month in enumerate(months[: len(units) + 1]):
            if pid == "N1" and month == 18:
                continue
            rows.append({
                "patient_id": pid, "allele_1": a1, "allele_2": a2, "thal_type": thal, "splenectomy": spleen,
                "pre_rbc_units_24m": pre, "month": month, "hb_g_l": 80.0 + 2 * i, "hbf_pct": 20.0 + i,
                "sf_ng_ml": 2000.0 - 50 * i, "rbc_units": 0.0 if i == 0 else float(units[i - 1]), "sex": sex,
                "age_years": age, "withdrawn": gone, "withdrawal_month": 3.0 if gone else None,
                "withdrawal_reason": "severe rash" if gone else None,
            })
    return pd.DataFrame(rows)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_centres_folder(folder: Path) -> Path:
    """Three centres of the tiny cohort with colliding ids: east.parquet, north.parquet and south.csv.

    In south.csv, T1's month-18 visit is at month 17 (read as 18) and N1's month-1 visit at month 2 (as
    close to 1 as to 3, so read as 3, where N1 has a visit already: left out).
    """
    folder.mkdir(parents=True, exist_ok=True)
    frame = tiny_cohort_frame()
    frame.to_parquet(folder / "east.parquet", index=False)
    frame.to_parquet(folder / "north.parquet", index=False)
    south = frame.copy()
    south.loc[(south["patient_id"] == "T1") & (south["month"] == 18), "month"] = 17
    south.loc[(south["patient_id"] == "N1") & (south["month"] == 1), "month"] = 2
    south.to_csv(folder / "south.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def centres_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_centres_folder(tmp_path_factory.mktemp("centres") / "centres")


@pytest.fixture(scope="session")
def tiny_cohort_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.parquet"
    path.write_bytes(parquet_bytes(tiny_cohort_frame()))
    return path


@pytest.fixture(params=PAGE_FILES, ids=lambda p: p.name)
def page_file(request: pytest.FixtureRequest) -> Path:
    """Each page of the app in turn (``app.py`` and every file of ``pages/``)."""
    return request.param


@pytest.fixture(params=SCENARIOS)
def scenario(request: pytest.FixtureRequest) -> str:
    return request.param


RunPage = Callable[..., AppTest]


@pytest.fixture
def run_page(monkeypatch: pytest.MonkeyPatch, tiny_cohort_path: Path, centres_folder: Path) -> RunPage:
    """``run_page(path, scenario="bundled", query=None, session=None)`` → the AppTest after one run.

    ``query`` sets the URL's query parameters (as a shared link would); ``session`` seeds
    ``st.session_state`` (e.g. an upload). Scenario "no_patients" adds ``NO_PATIENTS_QUERY``.
    """
    def run(path: Path | str, scenario: str = "bundled", *, query: Mapping[str, str] | None = None,
            session: Mapping[str, Any] | None = None) -> AppTest:
        if scenario == "tiny":
            monkeypatch.setenv(DATA_ENV, str(tiny_cohort_path))
        elif scenario == "centres":
            monkeypatch.setenv(DATA_ENV, str(centres_folder))
        else:
            monkeypatch.delenv(DATA_ENV, raising=False)
        at = AppTest.from_file(str(path), default_timeout=TIMEOUT)
        params = dict(NO_PATIENTS_QUERY) if scenario == "no_patients" else {}
        params.update(query or {})
        for key, value in params.items():
            at.query_params[key] = value
        for key, value in (session or {}).items():
            at.session_state[key] = value
        return at.run()

    return run


def sidebar_text(at: AppTest) -> str:
    """All Markdown of the sidebar as one string (where "n = X of Y" is shown)."""
    return "\n".join(m.value for m in at.sidebar.markdown)


def main_text(at: AppTest) -> str:
    """Markdown, captions, info, warnings and errors of the main area as one string."""
    parts = [*at.main.markdown, *at.main.caption, *at.main.info, *at.main.warning, *at.main.error]
    return "\n".join(str(p.value) for p in parts)
