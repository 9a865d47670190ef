"""adjust_p and adjust_family: Holm and Bonferroni by hand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from thaldash.stats import (
    adjust_family,
    adjust_p,
)

RESULTS = ["diff", "se", "ci_low", "ci_high", "statistic", "df", "p", "hedges_g"]

# --- adjust_p ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("p", "method", "expected"),
    [
        # Holm, m = 4: sorted 0.005, 0.01, 0.03, 0.04 → 4·0.005 = 0.02, 3·0.01 = 0.03,
        # 2·0.03 = 0.06, 1·0.04 = 0.04 → running max 0.02, 0.03, 0.06, 0.06; back in input order:
        ([0.01, 0.04, 0.03, 0.005], "holm", [0.03, 0.06, 0.06, 0.02]),
        # Bonferroni, m = 4: 4·p capped at 1
        ([0.01, 0.04, 0.03, 0.5], "bonferroni", [0.04, 0.16, 0.12, 1.0]),
        # NaN stays NaN and is not counted: m = 2 → Holm 2·0.01 = 0.02, max(0.02, 1·0.04)
        ([0.01, np.nan, 0.04], "holm", [0.02, np.nan, 0.04]),
        ([0.01, np.nan, 0.04], "bonferroni", [0.02, np.nan, 0.08]),
        # Holm capped at 1: 2·0.5 = 1.0, max(1.0, 0.6) = 1.0
        ([0.5, 0.6], "holm", [1.0, 1.0]),
        ([np.nan, np.nan], "holm", [np.nan, np.nan]),
    ],
)
def test_adjust_p_matches_hand_computation(p, method, expected):
    np.testing.assert_allclose(adjust_p(p, method), expected)


def test_adjust_p_keeps_series_index_and_rejects_bad_input():
    p = pd.Series([0.02, 0.01], index=["a", "b"], name="p")
    got = adjust_p(p, "holm")
    assert got.index.tolist() == ["a", "b"] and got.name == "p"
    with pytest.raises(ValueError, match="holm or bonferroni"):
        adjust_p([0.1], "fdr")
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust_p([1.2], "holm")



def test_adjust_family_adjusts_each_test_apart():
    frame = pd.DataFrame({"test": ["t", "w", "t", "w", "t"], "p": [0.01, 0.04, 0.03, np.nan, 0.02]})
    out = adjust_family(frame)
    # Holm by hand, family "t": 0.01 × 3, 0.02 × 2, 0.03 × 1 → running max 0.03, 0.04, 0.04
    assert out["p_adjusted"].tolist()[::2] == pytest.approx([0.03, 0.04, 0.04])
    assert out.loc[1, "p_adjusted"] == pytest.approx(0.04) and np.isnan(out.loc[3, "p_adjusted"])
    assert out["n_tests"].tolist() == [3, 1, 3, 1, 3]
    assert out.loc[0, "correction"] == "holm over 3 tests"


def test_stats_core_does_not_import_streamlit():
    code = "import sys, thaldash.stats; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
