"""The paper's claim tested (``thaldash.analyses.claim``): genotype × transfusion independence among TDT.

References: Table 1's counts; ``scipy.stats.fisher_exact`` for the 2×2 tables; for the
Fisher–Freeman–Halton test of a perfectly separated 2×k table, the closed form written here: every
table with the observed margins has probability Π C(nⱼ, kⱼ) / C(N, K) ≥ 1 / C(N, K), with equality
exactly for the all-or-none tables, so P = #{all-or-none tables} / C(N, K).
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from scipy import stats

from thaldash.analyses.claim import (FILE_SOURCE, TABLE_1_SOURCE, claim_counts, genotype_claim, independence_counts,
                                     pooled_independence)
from thaldash.analyses.independence import ti_course
from thaldash.data.filters import CohortFilter
from thaldash.published.paper import table_1


def separated_p(sizes: list[int], events: int) -> float:
    """Closed-form FFH P value of a perfectly separated 2×k table (see the module docstring)."""
    hits = sum(1 for r in range(len(sizes) + 1) for cols in itertools.combinations(sizes, r) if sum(cols) == events)
    return hits / math.comb(sum(sizes), events)


def test_bundled_claim_uses_table_1_and_says_so(bundled):
    course = ti_course(bundled)
    counts, source = claim_counts(bundled, course)
    assert source == TABLE_1_SOURCE
    assert counts.equals(independence_counts(course))  # the reconstruction holds Table 1's counts
    claim = genotype_claim(bundled, course).set_index("comparison")
    ffh = claim.iloc[0]
    sizes = table_1().query("n_tdt > 0")["n_tdt"].tolist()  # Table 1: 12 genotypes with TDT patients
    # Genotypes ①–⑩ all detached, ⑪–⑭ none: perfect separation, 21 of 34.
    assert ffh["p"] == pytest.approx(separated_p(sizes, 21), rel=1e-6)
    assert ffh["test"].startswith("Fisher–Freeman–Halton exact") and math.isnan(ffh["mc_se"])
    assert ffh["counts_from"] == TABLE_1_SOURCE and ffh["basis"].startswith("does not depend")


def test_beta0_beta0_vs_beta0_beta_plus_against_scipy(bundled):
    claim = genotype_claim(bundled, ti_course(bundled)).iloc[1]
    # Table 1 by class (CD43 as β0): β0/β0 11 of 15 independent, β0/β+ 8 of 17.
    assert claim["table"] == "β0/β0 11/15 independent vs β0/β+ 8/17"
    reference = stats.fisher_exact([[11, 4], [8, 9]])
    assert claim["p"] == pytest.approx(reference.pvalue)
    odds = stats.contingency.odds_ratio([[11, 4], [8, 9]])  # conditional MLE, as R's fisher.test
    assert claim["odds_ratio"] == pytest.approx(odds.statistic)


def test_a_filtered_view_uses_the_files_counts(bundled):
    part = CohortFilter(splenectomy="yes").apply(bundled)
    claim = genotype_claim(part, ti_course(part))
    assert (claim["counts_from"] == FILE_SOURCE).all()
    assert claim["basis"].str.startswith("depends on the reconstruction's assumptions").all()


def test_no_tdt_patients_is_not_computed(bundled):
    ntdt = CohortFilter(thal_types=("NTDT",)).apply(bundled)
    claim = genotype_claim(ntdt, ti_course(ntdt))
    assert claim["p"].isna().all() and claim["reason"].str.startswith("not computed").all()


def test_all_or_none_genotypes_cannot_be_pooled(bundled):
    pooled = pooled_independence(bundled, ti_course(bundled))
    assert (pooled["pooling"] == "none").all() and pooled["estimate"].isna().all()
    assert pooled["reason"].str.contains("all-or-none").all()


def test_pooling_shrinks_toward_the_common_share(tiny):
    course = pd.DataFrame({
        "genotype": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
        "beta_class": "β0/β0",
        "independent": [True, True, True, False, True, False, False, False, True, True, False, False],
    })
    counts = independence_counts(course)
    assert counts[["n", "k"]].values.tolist() == [[4, 3], [4, 1], [4, 2]]
    pooled = pooled_independence(tiny, course)
    common = 6 / 12
    for row in pooled.itertuples():
        assert row.reason == "" and row.label.startswith("model")
        assert min(row.proportion, common) - 1e-9 <= row.estimate <= max(row.proportion, common) + 1e-9
