"""The paper's own tables as tidy frames, and whether a cohort is the bundled reconstruction.

Read from ``data/published.csv`` (the one transcription of the paper), never typed again here:
Table 1's counts per genotype and the adverse-event counts of the Results. The clinical views use
them on the bundled cohort, where a published count does not depend on the reconstruction's
assumptions and a count recomputed from the reconstruction would only repeat what it was fitted to.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from thaldash.data.alleles import genotype_class
from thaldash.data.bundled import is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.published.numbers import published_numbers

TABLE_1_COLUMNS: tuple[str, ...] = (
    "number", "genotype", "beta_class", "n_ntdt", "n_tdt", "n_tdt_ti_1m", "n_tdt_ti_3m", "n_tdt_ti",
    "n_total", "effect", "location",
)
PUBLISHED_EVENT_COLUMNS: tuple[str, ...] = ("event", "n", "n_withdrawn", "ref", "location", "printed")
_TABLE_1_FACT = re.compile(r"^genotype\[(?P<genotype>[^\]]+)\]\.(?P<what>ntdt\.n|tdt\.n|ti_month_1\.n|ti_month_3\.n|"
                           r"n|group)$")
_EVENT_FACT = re.compile(r"^ae\[(?P<event>[^\]]+)\]\.n$")
_REASON_FACT = re.compile(r"^withdrawn\.reason\[(?P<reason>[^\]]+)\]\.n$")


@lru_cache(maxsize=1)
def table_1() -> pd.DataFrame:
    """Table 1 as printed: one row per genotype combination, in the paper's order (①–⑭).

    Returns
    -------
    pandas.DataFrame
        ``number`` (1–14), ``genotype`` (canonical label, as the cohort writes it),
        ``beta_class`` (from the alleles, e.g. "β0/β+"; CD43 read as β0, see C8), ``n_ntdt``,
        ``n_tdt``, ``n_tdt_ti_1m`` (independent within 1 month), ``n_tdt_ti_3m`` (the second
        column, read as "at 3 months"), ``n_tdt_ti`` (their sum: TDT patients who became
        transfusion independent), ``n_total``, ``effect`` (the group the paper gives: "MaR" or
        "SLR/NR") and ``location`` (where the row is printed).
    """
    rows = published_numbers()
    found = rows["fact"].str.extract(_TABLE_1_FACT)
    table = rows[(rows["source"] == "Table 1") & found["genotype"].notna()].assign(
        genotype=found["genotype"], what=found["what"])
    wide = table.pivot(index="genotype", columns="what", values="value")
    order = table.drop_duplicates("genotype")[["genotype", "location"]].reset_index(drop=True)
    counts = {"ntdt.n": "n_ntdt", "tdt.n": "n_tdt", "ti_month_1.n": "n_tdt_ti_1m", "ti_month_3.n": "n_tdt_ti_3m",
              "n": "n_total"}
    out = order.assign(**{name: wide.loc[order["genotype"], what].astype("int64").to_numpy()
                          for what, name in counts.items()})
    out = out.assign(
        number=np.arange(1, len(out) + 1),
        beta_class=[genotype_class(*g.split("/", 1)) for g in out["genotype"]],
        n_tdt_ti=out["n_tdt_ti_1m"] + out["n_tdt_ti_3m"],
        effect=wide.loc[out["genotype"], "group"].to_numpy(),
        location=["Table 1, row " + loc.split(":")[0].strip() for loc in out["location"]],
    )
    return out[list(TABLE_1_COLUMNS)]


@lru_cache(maxsize=1)
def published_adverse_events() -> pd.DataFrame:
    """The adverse events the Results print, as counts of patients of the 52 enrolled.

    Returns
    -------
    pandas.DataFrame
        One row per event, in the order printed: ``event`` (the vocabulary of
        ``thaldash.data.adverse_events``), ``n`` (patients), ``n_withdrawn`` (of them, patients
        who withdrew for it: the 2 severe rashes; 0 where the paper names no withdrawal),
        ``ref`` (row of ``data/published.csv``), ``location`` and ``printed``.
    """
    rows = published_numbers()
    events = rows.assign(event=rows["fact"].str.extract(_EVENT_FACT)["event"]).dropna(subset=["event"])
    withdrew = rows.assign(reason=rows["fact"].str.extract(_REASON_FACT)["reason"]).dropna(subset=["reason"])
    # The Results tie the 2 withdrawals for a severe rash to the rash count (text lines 342–343).
    rash_withdrawals = withdrew[withdrew["reason"] == "severe rash"]["value"].astype(int)
    n_withdrawn = {"rash": int(rash_withdrawals.iloc[0]) if len(rash_withdrawals) else 0}
    out = events.assign(n=events["value"].astype("int64"),
                        n_withdrawn=[n_withdrawn.get(e, 0) for e in events["event"]])
    return out[list(PUBLISHED_EVENT_COLUMNS)].reset_index(drop=True)


def is_bundled(cohort: Cohort, *, whole: bool = False) -> bool:
    """True when ``cohort`` is the bundled reconstruction or a selection of it.

    Recognised by content (``thaldash.data.bundled.is_reconstruction``, the one rule), so the same
    file given with ``--data`` or ``THALDASH_DATA`` counts too, and an edited copy does not. With ``whole``, a
    selection counts only when it keeps every analysed patient (the paper's 48): the published
    numbers describe those patients and no others.
    """
    source = cohort.parent or cohort
    if not is_reconstruction(source):
        return False
    if not whole or cohort.parent is None:
        return True
    analysed = lambda c: set(c.patients.loc[~c.patients["withdrawn"].to_numpy(dtype=bool), "patient_id"])  # noqa: E731
    return analysed(cohort) == analysed(source)
