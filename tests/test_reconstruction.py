"""The bundled cohort: rebuilt identically by the seeded generator, and clinically plausible.

Values printed by the paper are checked against the paper's own text (Tables 3 and 8), not
against the generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thaldash.data.loading import bundled_cohort_path
from thaldash.data.schema import STUDY_MONTHS

# Table 3 as printed: Hb (g/L) at 0, 1, 3, 6 M for the 13 TDT still transfused.
TABLE_3_HB = {
    "T3-01": (66, 72, 75, 79), "T3-02": (95, 91, 87, 91), "T3-03": (88, 95, 92, 109), "T3-04": (77, 86, 76, 103),
    "T3-05": (61, 64, 75, 69), "T3-06": (86, 96, 94, 86), "T3-07": (76, 75, 94, 86), "T3-08": (54, 65, 83, 84),
    "T3-09": (61, 75, 82, 83), "T3-10": (75, 96, 89, 84), "T3-11": (86, 90, 97, 91), "T3-12": (75, 85, 65, 75),
    "T3-13": (78, 69, 70, 75),
}
# Table 8 as printed: chelation stop month, SF before stopping, SF at 24 M (ng/mL).
TABLE_8 = {"T8-1": (6, 345, 345), "T8-2": (12, 404, 346), "T8-3": (18, 583, 336), "T8-4": (12, 550, 459)}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_parquet(bundled_cohort_path())


def test_generator_rebuilds_the_bundled_file_value_for_value(raw):
    from tools.reconstruct.build import cohort_frame, reconstruct

    pd.testing.assert_frame_equal(raw, cohort_frame(reconstruct()))


def test_table_3_patients_exactly_as_printed(raw):
    for pid, values in TABLE_3_HB.items():
        rows = raw[raw["patient_id"] == pid].set_index("month")
        assert tuple(rows.loc[[0, 1, 3, 6], "hb_g_l"]) == values, pid
        assert set(rows.loc[[0, 1, 3, 6], "hb_g_l_provenance"]) == {"published"}


def test_table_8_patients_exactly_as_printed(raw):
    for pid, (stop, at_stop, at_24) in TABLE_8.items():
        rows = raw[raw["patient_id"] == pid].set_index("month")
        assert rows["chelation_stop_month"].iloc[0] == stop
        assert rows.at[stop, "sf_ng_ml"] == at_stop and rows.at[24, "sf_ng_ml"] == at_24, pid


def test_all_52_enrolled_and_4_withdrawn_with_reason(raw):
    patients = raw.drop_duplicates("patient_id")
    assert len(patients) == 52
    withdrawn = patients[patients["withdrawn"]]
    assert len(withdrawn) == 4 and (withdrawn["thal_type"] == "TDT").all()
    assert withdrawn["withdrawal_reason"].notna().all() and withdrawn["withdrawal_month"].notna().all()
    # Withdrawn patients have no visit after they left.
    last = raw[raw["withdrawn"]].groupby("patient_id")["month"].max()
    assert (last <= withdrawn.set_index("patient_id")["withdrawal_month"].reindex(last.index)).all()


def test_analysed_patients_have_every_scheduled_visit(raw):
    analysed = raw[~raw["withdrawn"]]
    months = analysed.groupby("patient_id")["month"].apply(tuple)
    assert (months == STUDY_MONTHS).all()
    assert analysed[["hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units"]].notna().all().all()


@pytest.mark.parametrize("column, digits", [("hb_g_l", 1), ("hbf_pct", 1), ("sf_ng_ml", 2)])
def test_recorded_precision(raw, column, digits):
    scaled = raw[column] * 10**digits
    assert np.allclose(scaled, scaled.round(), atol=1e-6)


@pytest.mark.parametrize("column, low, high", [("hb_g_l", 45, 140), ("hbf_pct", 0.1, 99), ("sf_ng_ml", 300, 20000)])
def test_physiological_ranges(raw, column, low, high):
    assert raw[column].between(low, high).all(), raw.loc[~raw[column].between(low, high), ["patient_id", "month", column]]


@pytest.mark.parametrize("column", ["hb_g_l", "hbf_pct", "sf_ng_ml"])
def test_values_are_not_bunched(raw, column):
    # No reconstructed value stands for more than two patients at one visit: a pile-up would be
    # the mark of values clipped at a bound. (The paper's own integers may repeat.)
    reconstructed = raw[raw[f"{column}_provenance"] != "published"]
    assert reconstructed.groupby(["month", column]).size().max() <= 2


def test_transfusion_free_patients_stay_free(raw):
    analysed = raw[~raw["withdrawn"]]
    ntdt = analysed[analysed["thal_type"] == "NTDT"]
    assert (ntdt["rbc_units"] == 0).all() and (ntdt["pre_rbc_units_24m"] == 0).all()
    mar_tdt = analysed[(analysed["thal_type"] == "TDT") & (analysed["published_tier"] == "MaR")]
    assert (mar_tdt.loc[mar_tdt["month"] > 3, "rbc_units"] == 0).all()


def test_independent_tdt_not_below_transfusion_threshold(raw):
    # Methods: patients with Hb < 90 g/L were transfused; the transfusion-free must stay at or above it.
    analysed = raw[~raw["withdrawn"] & (raw["thal_type"] == "TDT") & (raw["published_tier"] == "MaR")]
    assert (analysed.loc[analysed["month"] >= 6, "hb_g_l"] >= 90).all()


def test_chelation_rules_respected(raw):
    # Methods: chelation suspended below 500–800 ng/mL in TDT and 300 in NTDT; only Table 8's 4 stopped.
    analysed = raw[~raw["withdrawn"]]
    kept_on = analysed[analysed["chelation_stop_month"].isna()]
    assert (kept_on.loc[kept_on["thal_type"] == "TDT", "sf_ng_ml"] >= 500).all()
    assert (kept_on.loc[kept_on["thal_type"] == "NTDT", "sf_ng_ml"] >= 300).all()


def test_hbf_higher_with_two_beta0_alleles(raw):
    from thaldash.data.alleles import genotype_class

    analysed = raw[~raw["withdrawn"] & (raw["month"] == 24)].copy()
    analysed["cls"] = [genotype_class(a, b) for a, b in zip(analysed["allele_1"], analysed["allele_2"])]
    for thal in ("TDT", "NTDT"):
        part = analysed[analysed["thal_type"] == thal]
        beta0 = part.loc[part["cls"] == "β0/β0", "hbf_pct"].mean()
        beta_plus = part.loc[part["cls"] != "β0/β0", "hbf_pct"].mean()
        assert beta0 > beta_plus, thal


def test_every_value_carries_its_provenance(raw):
    for measure in ("hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units"):
        assert raw[f"{measure}_provenance"].isin(["published", "derived", "assumed"]).all(), measure
    assert (raw.loc[raw["month"] == 18, "hb_g_l_provenance"] == "assumed").all()


def test_trajectories_are_smooth(raw):
    # Visit-to-visit Hb changes of a patient stay within what thalidomide and transfusion explain.
    analysed = raw[~raw["withdrawn"]].sort_values(["patient_id", "month"])
    steps = analysed.groupby("patient_id")["hb_g_l"].diff().abs().dropna()
    assert steps.max() <= 35
    later = analysed[analysed["month"] >= 12].groupby("patient_id")["hb_g_l"].diff().abs().dropna()
    assert later.max() <= 20
