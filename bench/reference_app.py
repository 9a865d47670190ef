"""The reference: a plain Streamlit dashboard, to measure the dashboard against (issue 14).

"A plain Streamlit dashboard with three filters, one Altair chart, a table and st.cache_data",
written the way Streamlit's documentation shows: the cohort file read once with pandas into a
frame cached by ``st.cache_data``, then filtered and aggregated on every run. It reads the same
file as the dashboard (``-- --data FILE`` after ``streamlit run``, else ``THALDASH_DATA``, else
the bundled ``data/cohort.parquet``), only the columns it shows. It draws what the benchmark waits
for on the dashboard: a title, an "n = … of …" line in the sidebar and a checkbox "Include
withdrawn patients" that changes it (``bench/browser.py``)::

    .venv/bin/python -m streamlit run bench/reference_app.py -- --data bench/.cache/synthetic-48-s0.parquet

It imports nothing from thaldash: it is what the same screen costs without the dashboard's
machinery (validation, the cohort model, gradings, its cache).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import altair as alt
import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "cohort.parquet"
COLUMNS = ("patient_id", "allele_1", "allele_2", "thal_type", "month", "hb_g_l", "withdrawn")
ALL = "All genotypes"


def data_path() -> Path:
    """``--data`` after ``--``, else ``THALDASH_DATA``, else the bundled cohort (as the dashboard)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", type=Path, default=None)
    given, _ = parser.parse_known_args(sys.argv[1:])
    configured = os.environ.get("THALDASH_DATA", "").strip()
    return given.data or (Path(configured).expanduser() if configured else BUNDLED)


@st.cache_data(show_spinner=False)
def load(path: str, modified: float) -> pd.DataFrame:
    """The visits of ``path`` with a genotype label; ``modified`` keys the cache on the file's mtime."""
    present = set(pq.read_schema(path).names)
    frame = pd.read_parquet(path, columns=[c for c in COLUMNS if c in present])
    if "withdrawn" not in frame:  # optional in the contract: absent means nobody withdrew
        frame["withdrawn"] = False
    frame["withdrawn"] = frame["withdrawn"].fillna(False).astype(bool)
    frame["genotype"] = (frame["allele_1"].astype(str) + "/" + frame["allele_2"].astype(str)).astype("category")
    frame["thal_type"] = frame["thal_type"].astype("category")
    return frame[["patient_id", "genotype", "thal_type", "month", "hb_g_l", "withdrawn"]]


st.set_page_config(page_title="Reference dashboard", layout="wide")
st.title("Reference dashboard")
path = data_path()
visits = load(str(path), path.stat().st_mtime)

types = list(visits["thal_type"].cat.categories)
chosen_types = st.sidebar.multiselect("Thalassaemia type", types, default=types)
genotype = st.sidebar.selectbox("Genotype combination", [ALL, *visits["genotype"].cat.categories])
include = st.sidebar.checkbox("Include withdrawn patients")

population = visits if include else visits[~visits["withdrawn"]]
mask = population["thal_type"].isin(chosen_types)
if genotype != ALL:
    mask &= population["genotype"] == genotype
chosen = population[mask]
st.sidebar.markdown(f"**n = {chosen['patient_id'].nunique()} of {population['patient_id'].nunique()} patients**")

monthly = (chosen.groupby("month", observed=True)
           .agg(patients=("patient_id", "nunique"), measured=("hb_g_l", "count"),
                mean_hb_g_l=("hb_g_l", "mean"), sd_hb_g_l=("hb_g_l", "std"))
           .reset_index())
chart = (alt.Chart(monthly).mark_line(point=True)
         .encode(x=alt.X("month:Q", title="Month"), y=alt.Y("mean_hb_g_l:Q", title="Mean Hb (g/L)"),
                 tooltip=["month", "patients", "measured", alt.Tooltip("mean_hb_g_l:Q", format=".1f")]))
st.subheader("Mean haemoglobin by month")
st.altair_chart(chart, width="stretch")
st.subheader("Per month")
st.dataframe(monthly, hide_index=True, width="stretch")
