"""Small samples shared by the tests of thaldash.stats."""

from __future__ import annotations

import numpy as np
import pandas as pd


def exact_sample(n: int, mean: float, sd: float, seed: int) -> np.ndarray:
    """n values whose mean and SD (ddof = 1) are exactly ``mean`` and ``sd``."""
    x = np.random.default_rng(seed).normal(size=n)
    return mean + sd * (x - x.mean()) / x.std(ddof=1)


def two_groups(xa, xb, a="SLR/NR", b="MaR", **extra) -> pd.DataFrame:
    return pd.DataFrame(
        {"group": [a] * len(xa) + [b] * len(xb), "value": np.r_[xa, xb].astype(float), **extra}
    )


def row(frame: pd.DataFrame, test: str) -> pd.Series:
    (hit,) = np.flatnonzero(frame["test"].to_numpy() == test)
    return frame.iloc[hit]


