"""The statistics core: tidy DataFrame in, tidy DataFrame out, never rounded.

Everything the pages and the CLI compute goes through these functions, so the numbers on
screen and in reports are the same numbers. Each result names its test and its n; a statistic
that is undefined (n < 2, zero variance, an empty group, all values tied) comes back with
``computed`` False, NaN in its numeric cells and a ``reason`` sentence, never an invented number.

The implementation lives in one module per family of analyses (``thaldash.stats.groups`` …); the
names below can be imported from here. They are loaded on first use (PEP 562), so importing a
light module of this package (``thaldash.stats.inputs``) does not pull in ``scipy.stats``.

- ``group_summary``: n, mean, SD, median, quartiles, range per group and stratum.
- ``compare_groups``: Student t (pooled variance; the test that
  reproduces the paper's Tables 4–7 and 10), Welch t, Mann–Whitney U.
- ``paired_change``: paired t and Wilcoxon signed-rank between visits (Table 9 layout).
- ``correlation``: Pearson and Spearman with Fisher-z intervals and the least-squares line.
- ``proportion_interval`` (and ``thaldash.stats.proportions.proportions``): Clopper–Pearson or Wilson intervals, "not computed" below n = 2.
- ``adjust_p``: Holm and Bonferroni; ``adjust_family`` applies one per family of rows.
"""

from __future__ import annotations

from thaldash.lazy import lazy_exports

_HOME: dict[str, str] = {
    "PEARSON": "correlations", "SPEARMAN": "correlations", "correlation": "correlations",
    "compare_groups": "groups",
    "CONFIDENCE": "inputs", "NOT_COMPUTED": "inputs", "SMALL_N": "inputs",
    "CORRECTIONS": "multiplicity", "Correction": "multiplicity", "adjust_p": "multiplicity",
    "adjust_family": "multiplicity",
    "PAIRED_T": "paired", "PAIRED_TESTS": "paired", "WILCOXON": "paired", "paired_change": "paired",
    "CI_METHOD_NAMES": "proportions", "ProportionMethod": "proportions", "proportion_interval": "proportions",
    "group_summary": "summary",
    "COMPARE_TESTS": "ttest", "MANN_WHITNEY": "ttest", "STUDENT_T": "ttest", "WELCH_T": "ttest",
}
__all__ = sorted(_HOME)
__getattr__, __dir__ = lazy_exports(__name__, _HOME, globals())
