"""Decks for the renderer tests (importable as ``tests.export.decks``): figures, tables, a footer."""

from __future__ import annotations

import datetime as dt

import altair as alt
import numpy as np
import pandas as pd

from thaldash.export.deck.model import Deck, DeckItem, Source
from thaldash import charts
from thaldash.data.cohort import Cohort
from thaldash.export.files import footer_text
from thaldash.grading.grade import grade
from thaldash.grading.summary import tier_table

WHEN = dt.date(2026, 12, 2)
FOOTER = footer_text("cohort.parquet", "1ef34adf71db" + "0" * 52, "thal_type = TDT", "Paper, as applied", WHEN)
LONG_ROWS = 60
WHY = "SLR: still transfused in months 3–6; reduction 31.0% is within 25–50%"


def small_table() -> pd.DataFrame:
    return pd.DataFrame({"Tier": ["MaR", "MiR", "not evaluable"], "n": [35, 0, 2], "%": [72.9, 0.0, np.nan],
                         "95% CI": ["58.2 to 84.7", "0.0 to 7.4", ""], "Note": ["", "", "a value is missing"]})


def long_table() -> pd.DataFrame:
    return pd.DataFrame({"Patient": [f"P{i:02d}" for i in range(1, LONG_ROWS + 1)],
                         "Genotype": ["CD41-42/IVS-II-654"] * LONG_ROWS,
                         "Hb rise (g/L)": [round(10 + i * 0.5, 1) for i in range(LONG_ROWS)],
                         "Why": [WHY] * LONG_ROWS})


def plain_chart() -> dict:
    frame = pd.DataFrame({"tier": ["MaR", "MiR", "SLR"], "n": [35, 0, 9]})
    return alt.Chart(frame, title="Tiers").mark_bar().encode(x="tier:N", y="n:Q").properties(
        width="container", height=300).to_dict()


def house_chart(cohort: Cohort) -> dict:
    """thaldash's own tier chart of ``cohort``, in presentation type."""
    return charts.tier_bars(tier_table(grade(cohort)), presentation=True).to_dict()


def make_deck(house_chart: dict, *, reconstruction: bool) -> Deck:
    common = {"footer": FOOTER, "reconstruction": reconstruction}
    items = (
        DeckItem("figure", "Response tiers", "8 patients; Clopper–Pearson exact 95% CI; TDT only.",
                 "MaR 2/6 = 33.3% (95% CI 4.3 to 77.7)", figure=house_chart,
                 source=Source("Response", "filter.thal_type=TDT"), item_id="response_tiers", **common),
        DeckItem("table", "Tier table", "48 evaluable patients.", "ORR 44/48", table=small_table(),
                 source=Source("Response", "by=genotype"), item_id="tiers", **common),
        DeckItem("figure", "A plain chart", "3 tiers.", "n per tier", figure=plain_chart(),
                 source=Source("Overview", ""), item_id="plain", **common),
        DeckItem("table", "Every patient", "60 patients of the filter (TDT only), each with the tier the paper's "
                 "rules give and the rule that decided it, the Hb rise over the grading window in g/L and the "
                 "genotype combination as recorded in the file; patients without a deciding value are listed as "
                 "not evaluable and are left out of every percentage.", "Sorted by patient.",
                 table=long_table(), source=Source("Response", "list=all"), item_id="patients", **common),
    )
    return Deck("Thalidomide deck", "cohort.parquet: 52 enrolled, 48 analysed", "Paper, as applied", WHEN,
                reconstruction, items)
