"""The statistics core: tidy DataFrame in, tidy DataFrame out, never rounded.

Everything the pages and the CLI compute goes through these functions, so the numbers on
screen and in reports are the same numbers. Each result names its test and its n; a statistic
that is undefined (n < 2, zero variance, an empty group, all values tied) comes back with
``computed`` False, NaN in its numeric cells and a ``reason`` sentence, never an invented number.

The implementation lives in ``thaldash.stats_*`` modules (one per family of analyses); import
from here.

- ``group_summary``: n, mean, SD, median, quartiles, range per group and stratum.
- ``compare_groups`` / ``compare_from_summary``: Student t (pooled variance; the test that
  reproduces the paper's Tables 4–7 and 10), Welch t, Mann–Whitney U.
- ``paired_change``: paired t and Wilcoxon signed-rank between visits (Table 9 layout).
- ``correlation``: Pearson and Spearman with Fisher-z intervals and the least-squares line.
- ``proportion_ci`` / ``proportion_table``: Clopper–Pearson or Wilson intervals.
- ``adjust_p``: Holm and Bonferroni.
"""

from __future__ import annotations

from thaldash.stats_correlation import PEARSON, SPEARMAN, correlation
from thaldash.stats_groups import compare_from_summary, compare_groups
from thaldash.stats_inputs import CONFIDENCE, NOT_COMPUTED, SMALL_N
from thaldash.stats_multiplicity import CORRECTIONS, Correction, adjust_p
from thaldash.stats_paired import PAIRED_T, PAIRED_TESTS, WILCOXON, paired_change
from thaldash.stats_proportions import (
    CI_METHOD_NAMES,
    ProportionMethod,
    proportion_ci,
    proportion_table,
)
from thaldash.stats_summary import group_summary
from thaldash.stats_ttest import COMPARE_TESTS, MANN_WHITNEY, STUDENT_T, WELCH_T

__all__ = [
    "CI_METHOD_NAMES",
    "COMPARE_TESTS",
    "CONFIDENCE",
    "CORRECTIONS",
    "MANN_WHITNEY",
    "NOT_COMPUTED",
    "PAIRED_T",
    "PAIRED_TESTS",
    "PEARSON",
    "SMALL_N",
    "SPEARMAN",
    "STUDENT_T",
    "WELCH_T",
    "WILCOXON",
    "Correction",
    "ProportionMethod",
    "adjust_p",
    "compare_from_summary",
    "compare_groups",
    "correlation",
    "group_summary",
    "paired_change",
    "proportion_ci",
    "proportion_table",
]
