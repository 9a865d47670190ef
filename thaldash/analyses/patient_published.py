"""The paper's printed numbers about named patients (Tables 3 and 8) beside the loaded file's values.

The printed numbers come from ``thaldash.published.numbers``; a value matches when it prints as the
published number at the published precision (``published.numbers.printed_interval``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.published.numbers import decimals, printed_interval, published_numbers
from thaldash.text import value_text


def computed_facts(patient: pd.DataFrame, rows: pd.DataFrame, graded: pd.Series | None) -> dict[str, object]:
    """This patient's values under the fact names of ``data/published.csv`` (after ``patient[ID].``).

    ``patient`` is the patient's row of ``Cohort.patients`` (a one-row frame), ``rows`` their visits.
    """
    facts: dict[str, object] = {}
    first = patient.iloc[0] if len(patient) else pd.Series(dtype=object)
    for column in ("genotype", "beta_class", "sex", "age_years", "chelation_stop_month"):
        if column in first:
            facts[column] = first[column]
    if len(rows):
        by_month = rows.set_index("month")
        for month in by_month.index:
            facts[f"hb_g_l.m{month}"] = by_month.at[month, "hb_g_l"]
            facts[f"sf_ng_ml.m{month}"] = by_month.at[month, "sf_ng_ml"]
        stop = first.get("chelation_stop_month")
        if stop is not None and pd.notna(stop) and float(stop) in set(by_month.index.astype(float)):
            facts["sf_ng_ml.at_chelation_stop"] = by_month.at[int(stop), "sf_ng_ml"]
    if graded is not None:
        facts["tier"], facts["reduction_pct"] = graded["tier"], graded["reduction_pct"]
    return facts


def _same(value: object, printed: str, asserted: str) -> bool | None:
    """Does ``value`` print as the published number (or equal the published label)?"""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    interval = printed_interval(asserted)
    if interval is None or isinstance(value, str):
        return str(value) == asserted
    low, high = interval
    return bool(low - 1e-9 <= float(value) < high + 1e-9)


def published_beside(patient_id: str, facts: dict[str, object]) -> pd.DataFrame:
    """Every number the paper prints about ``patient_id`` with the value computed from the file.

    Returns ``source`` (e.g. "Table 3"), ``location``, ``field`` (fact name after
    ``patient[ID].``), ``printed``, ``computed`` (text, "" when the file has no such value) and
    ``status``: "match", "differs" or "not in this file". Empty for a patient the paper does not
    name.
    """
    table = published_numbers()
    prefix = f"patient[{patient_id}]."
    rows = table[table["fact"].str.startswith(prefix)]
    out = []
    for row in rows.itertuples(index=False):  # a named patient has at most a dozen printed numbers
        field = row.fact.removeprefix(prefix)
        value = facts.get(field)
        same = _same(value, row.printed, row.value)
        # Text at the printed precision: the precision the comparison is made at.
        computed = value_text(value) if not isinstance(value, (float, np.floating)) or pd.isna(value) \
            else f"{value:.{decimals(row.value)}f}"
        out.append({"source": row.source, "location": row.location, "field": field, "printed": row.printed,
                    "computed": computed,
                    "status": "not in this file" if same is None else "match" if same else "differs"})
    columns = ("source", "location", "field", "printed", "computed", "status")
    return pd.DataFrame(out, columns=list(columns)).astype("str")


TABLE_8_FIELDS: dict[str, str] = {
    "genotype": "genotype", "sex": "sex", "age": "age_years", "stop": "chelation_stop_month",
    "sf_stop": "sf_at_stop", "sf24": "sf_24m",
}


def published_table_8() -> pd.DataFrame:
    """The paper's Table 8 (chelation stopped for low ferritin) as printed, one row per patient.

    Columns ``patient_id`` and the fields of ``chelation.chelation_stops`` it prints: ``genotype``,
    ``sex``, ``age_years``, ``chelation_stop_month``, ``sf_at_stop``, ``sf_24m`` (numbers as
    floats; sex as "M"/"F").
    """
    table = published_numbers()
    rows = table[table["source"] == "Table 8"]
    parts = rows["ref"].str.split(".", expand=True)
    long = pd.DataFrame({"patient_id": parts[1].to_numpy(), "field": parts[2].map(TABLE_8_FIELDS).to_numpy(),
                         "value": rows["value"].to_numpy()}).dropna(subset=["field"])
    wide = long.pivot(index="patient_id", columns="field", values="value").reset_index()
    wide.columns.name = None
    numeric = ["age_years", "chelation_stop_month", "sf_at_stop", "sf_24m"]
    wide = wide.assign(**{c: pd.to_numeric(wide[c]) for c in numeric if c in wide})
    cols = ["patient_id", "genotype", "sex", "age_years", "chelation_stop_month", "sf_at_stop", "sf_24m"]
    return wide.reindex(columns=cols).sort_values(["chelation_stop_month", "patient_id"], ignore_index=True)
