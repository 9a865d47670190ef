"""The generator's own check of a candidate against the published targets.

Deliberately independent of ``thaldash`` (plain numpy/scipy), so the app's reproduction
report is a second, separate computation of the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from tools.reconstruct.targets import Target


def group_stats(x: np.ndarray) -> tuple[int, float, float]:
    x = x[~np.isnan(x)]
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    return n, mean, sd


def comparison(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Pooled-variance Student t comparison of a (SLR/NR) vs b (MaR), the paper's layout."""
    na, ma, sa = group_stats(a)
    nb, mb, sb = group_stats(b)
    sp2 = ((na - 1) * sa**2 + (nb - 1) * sb**2) / (na + nb - 2)
    se = math.sqrt(sp2 * (1 / na + 1 / nb))
    t = (ma - mb) / se
    p = 2 * stats.t.sf(abs(t), na + nb - 2)
    return {"SLR/NR.n": na, "SLR/NR.mean": ma, "SLR/NR.sd": sa, "MaR.n": nb, "MaR.mean": mb,
            "MaR.sd": sb, "diff": ma - mb, "se": se, "p": p}


def paired(x_i: np.ndarray, x_j: np.ndarray) -> dict[str, float]:
    d = x_i - x_j
    d = d[~np.isnan(d)]
    n = len(d)
    se = d.std(ddof=1) / math.sqrt(n)
    t = d.mean() / se
    return {"diff": float(d.mean()), "se": float(se), "p": float(2 * stats.t.sf(abs(t), n - 1))}


def pearson_p(x: np.ndarray, y: np.ndarray) -> float:
    ok = ~(np.isnan(x) | np.isnan(y))
    return float(stats.pearsonr(x[ok], y[ok]).pvalue)


def score(facts: dict[str, float], targets: dict[str, Target], prefix: str) -> tuple[int, float]:
    """(number of missed targets, summed distance outside their intervals) for facts under ``prefix``."""
    missed, distance = 0, 0.0
    for key, value in facts.items():
        target = targets.get(f"{prefix}.{key}")
        if target is None:
            continue
        d = target.distance(value)
        if d > 0:
            missed += 1
            distance += d
    return missed, distance
