"""The paper's tables as frames (``thaldash.published.paper``): Table 1 and the adverse events, as printed."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from thaldash.data.filters import CohortFilter
from thaldash.published.paper import is_bundled, published_adverse_events, table_1


def test_table_1_rows_and_totals():
    table = table_1()
    assert table["number"].tolist() == list(range(1, 15))
    # Table 1, "Amount to": NTDT 14, TDT 34, within 1 m 16, at 3 m 5, total 48.
    assert table[["n_ntdt", "n_tdt", "n_tdt_ti_1m", "n_tdt_ti_3m", "n_total"]].sum().tolist() == [14, 34, 16, 5, 48]
    row = table.set_index("genotype").loc["CD41-42/IVS-II-654"]  # ⑥: TDT 4, 3 within 1 m, 1 at 3 m, MaR
    assert row[["n_tdt", "n_tdt_ti", "effect", "beta_class"]].tolist() == [4, 4, "MaR", "β0/β+"]
    assert table.set_index("genotype").loc["CD41-42/CD43", "beta_class"] == "β0/β0"  # C8: CD43 is β0
    assert table.loc[table["effect"] == "SLR/NR", "n_tdt_ti"].sum() == 0  # ⑪–⑭: none became independent


def test_published_adverse_events_in_print_order():
    events = published_adverse_events()
    assert events["event"].tolist() == ["eyelid/facial oedema", "rash", "joint swelling or pain", "skin rash",
                                        "drowsiness", "constipation"]
    assert events["n"].tolist() == [9, 4, 4, 4, 3, 2]
    assert events["n_withdrawn"].tolist() == [0, 2, 0, 0, 0, 0]


def test_the_bundled_cohort_is_recognised_by_content(bundled, tiny):
    assert is_bundled(bundled) and is_bundled(bundled, whole=True)
    filtered = CohortFilter(thal_types=("TDT",)).apply(bundled)
    assert is_bundled(filtered) and not is_bundled(filtered, whole=True)
    assert is_bundled(CohortFilter().apply(bundled), whole=True)  # the default filter keeps the 48
    assert not is_bundled(tiny)
    edited = replace(bundled, sha256=hashlib.sha256(b"another file").hexdigest())
    assert not is_bundled(edited)
