"""Genotype look-up (``thaldash.analyses.genotype``): the query, the matching patients, their endpoints.

References: the paper's Table 1 (per-genotype counts), Clopper–Pearson intervals from
``scipy.stats.binomtest(k, n).proportion_ci(method="exact")`` and quartiles from ``numpy.percentile``
(linear), called here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from thaldash.analyses.genotype import GenotypeQuery, genotype_lookup, lookup_trajectories
from thaldash.analyses.endpoints import endpoint_proportions, patient_endpoints
from thaldash.grading.rules import GradingRules

RULES = GradingRules()


def exact(k: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(method="exact")
    return 100 * ci.low, 100 * ci.high


@pytest.mark.parametrize("kind, text, value", [
    ("genotype", "CD41-42/IVS-II-654", "CD41-42/IVS-II-654"),
    ("genotype", "IVS-2-654 / βCD41-42", "CD41-42/IVS-II-654"),   # either order, another spelling
    ("genotype", "βEM/βIVS-II-654", "IVS-II-654/HbE"),
    ("genotype", "β-43/βCD41-42", "CD41-42/CD43"),                # the paper's own spelling (C8)
    ("allele", "βCD17", "CD17"),
    ("beta_class", "b+/b0", "β0/β+"),
])
def test_any_accepted_spelling_in_either_order(kind, text, value):
    assert GenotypeQuery.parse(kind, text) == GenotypeQuery(kind, value)


@pytest.mark.parametrize("kind, text, message", [
    ("genotype", "CD41-42", "is not two alleles"),
    ("genotype", "", "type a genotype"),
    ("beta_class", "β0/β7", "is not a β class"),
    ("haplotype", "x", "not available"),
])
def test_unreadable_queries_are_sentences(kind, text, message):
    with pytest.raises(ValueError, match=message):
        GenotypeQuery.parse(kind, text)


def test_query_round_trips_through_text():
    query = GenotypeQuery.parse("genotype", "IVS-2-654/βCD41-42")
    assert GenotypeQuery.from_text(query.to_text()) == query


def rows(lookup, thal: str) -> dict[str, object]:
    return lookup.proportions[lookup.proportions["thal_type"] == thal].set_index("endpoint").to_dict("index")


def test_a_genotype_where_every_tdt_patient_became_independent(bundled):
    lookup = genotype_lookup(bundled, RULES, GenotypeQuery.parse("genotype", "βCD41-42/βCD17"))
    tdt = rows(lookup, "TDT")["transfusion independent to the last visit"]
    # Table 1, ⑤ βCD41-42/βCD17: 5 TDT, all 5 detached within 1 month.
    assert (tdt["k"], tdt["n"], tdt["pct"]) == (5, 5, 100.0)
    assert (tdt["ci_low"], tdt["ci_high"]) == pytest.approx(exact(5, 5))
    assert tdt["basis"].startswith("does not depend on the reconstruction's assumptions")
    assert all(r["n"] == 0 and r["reason"] == "not computed: no patients" for r in rows(lookup, "NTDT").values())


def test_a_genotype_where_no_tdt_patient_became_independent(bundled):
    lookup = genotype_lookup(bundled, RULES, GenotypeQuery.parse("genotype", "CD41-42/CD41-42"))
    tdt = rows(lookup, "TDT")["transfusion independent to the last visit"]
    assert (tdt["k"], tdt["n"]) == (0, 4)  # Table 1, ⑫: TDT 4, none detached
    assert (tdt["ci_low"], tdt["ci_high"]) == pytest.approx(exact(0, 4))
    reduction = lookup.distributions.set_index("measure").loc["transfusion reduction, months 1–6 (%)"]
    # Table 3 patients ⑥–⑨ (βCD41-42/βCD41-42): reductions 47.7, 13.3, 18.1, 21.5 %.
    values = lookup.patients["reduction_pct"].to_numpy()
    assert sorted(np.round(values, 1)) == [13.3, 18.1, 21.5, 47.7]
    assert (reduction["median"], reduction["q1"], reduction["q3"]) == pytest.approx(
        tuple(np.percentile(values, [50, 25, 75])))


def test_one_patient_gives_no_estimate(bundled):
    lookup = genotype_lookup(bundled, RULES, GenotypeQuery.parse("genotype", "CD41-42/CD43"))
    tdt = rows(lookup, "TDT")["transfusion independent to the last visit"]
    assert (tdt["k"], tdt["n"]) == (1, 1) and math.isnan(tdt["pct"])  # Table 1, ⑩: 1 case
    assert tdt["reason"] == "not computed: one patient: no estimate"
    hb = lookup.distributions.set_index("measure").loc["Hb rise at month 6 (g/L)"].iloc[0]
    assert hb["n"] == 1 and math.isnan(hb["median"]) and hb["reason"] == "not computed: one patient: no estimate"


def test_a_genotype_absent_from_the_cohort(bundled):
    lookup = genotype_lookup(bundled, RULES, GenotypeQuery.parse("genotype", "CD39/CD39"))
    assert lookup.patients.empty and (lookup.proportions["n"] == 0).all()
    assert lookup.beside.empty and lookup.pooled.empty


def test_ntdt_hb_endpoint_against_the_visits(bundled):
    lookup = genotype_lookup(bundled, RULES, GenotypeQuery.parse("genotype", "-28/-28"))
    long = bundled.visits_with(["genotype"], analysed=True)
    visits = long[long["genotype"] == "-28/-28"].pivot(
        index="patient_id", columns="month", values="hb_g_l")
    rise = visits[6] - visits[0]
    lowest = visits[[6, 12, 18, 24]].min(axis=1) - visits[0]
    ntdt = rows(lookup, "NTDT")
    assert ntdt["Hb rise ≥ 20 g/L at month 6"]["k"] == int((rise >= 20).sum())
    assert ntdt["Hb rise ≥ 20 g/L sustained to month 24"]["k"] == int((lowest >= 20).sum())
    assert ntdt["Hb rise ≥ 10 g/L sustained to month 24"]["n"] == 3  # Table 1, ①: 3 NTDT


def test_allele_and_class_queries_keep_tdt_and_ntdt_apart(bundled):
    carriers = genotype_lookup(bundled, RULES, GenotypeQuery.parse("allele", "-28"))
    # Table 1: -28 is in ①, ③ and ⑪: NTDT 3 + 4 + 2 = 9, TDT 0 + 2 + 5 = 7, of whom 2 detached.
    assert carriers.n_by_type == {"TDT": 7, "NTDT": 9}
    tdt = rows(carriers, "TDT")["transfusion independent to the last visit"]
    assert (tdt["k"], tdt["n"]) == (2, 7)
    by_class = genotype_lookup(bundled, RULES, GenotypeQuery.parse("beta_class", "β0/β0"))
    assert rows(by_class, "TDT")["transfusion independent to the last visit"]["k"] == 11  # 5 + 2 + 3 + 1


def test_paper_beside_file(bundled):
    beside = genotype_lookup(bundled, RULES, GenotypeQuery.parse("allele", "HbE")).beside
    assert beside["genotype"].unique().tolist() == ["IVS-II-654/HbE", "CD71-72/HbE"]  # Table 1 order: ⑨, ⑭
    paper = beside[beside["source"] == "paper (Table 1)"].set_index("genotype")
    mine = beside[beside["source"] == "this file"].set_index("genotype")
    assert paper.equals(mine.loc[paper.index].assign(source="paper (Table 1)"))


def test_endpoints_by_genotype_equal_the_lookup(bundled):
    per_patient = patient_endpoints(bundled, RULES)
    table = endpoint_proportions(per_patient, RULES, by="genotype")
    lookup = genotype_lookup(bundled, RULES, GenotypeQuery.parse("genotype", "CD17/-28")).proportions
    mine = table[table["genotype"] == "CD17/-28"].drop(columns=["genotype", "basis"]).reset_index(drop=True)
    assert mine.equals(lookup.drop(columns="basis"))


def test_trajectories_put_the_match_beside_the_rest(bundled):
    query = GenotypeQuery.parse("genotype", "CD17/-28")
    for thal, mine, others in (("TDT", 5, 29), ("NTDT", 2, 12)):  # Table 1, ⑪: 5 TDT, 2 NTDT of 34 and 14
        means, lines = lookup_trajectories(bundled, query, measure="hb_g_l", thal_type=thal)
        at0 = means[means["month"] == 0].set_index("patients")["n"]
        assert at0.to_dict() == {"CD17/-28": mine, f"other {thal} patients": others}
        assert lines.n_patients == mine


def test_an_empty_selection_gives_rows_that_say_so(bundled):
    from thaldash.data.filters import CohortFilter

    nobody = CohortFilter(genotypes=("CD41-42/CD17",), thal_types=("NTDT",)).apply(bundled)
    lookup = genotype_lookup(nobody, RULES, GenotypeQuery.parse("genotype", "CD17/-28"))
    assert lookup.patients.empty and lookup.pooled.empty and list(lookup.pooled.columns)
    assert lookup.proportions["reason"].eq("not computed: no patients").all()
    assert lookup.distributions["reason"].str.startswith("not computed: no").all()
    assert lookup.beside["source"].tolist() == ["paper (Table 1)"]  # the paper's row stays beside


def test_a_cohort_without_tdt_patients_has_no_independence(bundled):
    ntdt = bundled.take((bundled.patients["thal_type"] == "NTDT").to_numpy(), "ntdt")
    per_patient = patient_endpoints(ntdt, RULES)
    assert len(per_patient) == ntdt.n_analysed > 0
    assert per_patient["independent"].isna().all()  # independence is a TDT endpoint
    lookup = genotype_lookup(ntdt, RULES, GenotypeQuery.parse("allele", "-28"))
    assert lookup.n_by_type["TDT"] == 0
