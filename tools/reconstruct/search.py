"""Integer-grid construction and local search used by the reconstruction.

Values are held as integers in units of the recorded precision (Hb 0.1 g/L, HbF 0.1 %,
SF 0.01 ng/mL) so that sums are exact and a published mean is met by choosing a sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats


def sums_for_mean(lo: float, hi: float, n: int, resolution: float) -> list[int]:
    """Integer sums (in units of ``resolution``) whose mean over ``n`` lies in [lo, hi)."""
    first = math.ceil(lo * n / resolution - 1e-9)
    last = math.floor(hi * n / resolution + 1e-9)
    return [k for k in range(first, last + 1) if lo <= k * resolution / n < hi]


def quantile_values(n: int, mean: float, sd: float, rng: np.random.Generator, *,
                    shape: str = "normal", lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
    """``n`` sorted values with exactly ``mean`` and ``sd`` (before rounding), inside [lo, hi].

    ``shape`` picks the family whose jittered quantiles are used: "normal", "lognormal"
    (right-skewed, for ferritin) or "beta" (bounded on [lo, hi], for percentages).
    """
    if n == 1:
        return np.array([mean])
    p = (np.arange(n) + 0.5 + rng.uniform(-0.35, 0.35, n)) / n
    p = np.sort(np.clip(p, 0.5 / n / 3, 1 - 0.5 / n / 3))
    if shape == "lognormal":
        shift = lo if math.isfinite(lo) else 0.0
        m = mean - shift
        s2 = math.log(1 + (sd / m) ** 2)
        base = np.exp(math.log(m) - s2 / 2 + math.sqrt(s2) * stats.norm.ppf(p)) + shift
    elif shape == "beta":
        width = hi - lo
        mu = (mean - lo) / width
        var = min((sd / width) ** 2, mu * (1 - mu) * 0.95)
        k = mu * (1 - mu) / var - 1
        base = lo + width * stats.beta.ppf(p, mu * k, (1 - mu) * k)
    else:
        base = stats.norm.ppf(p)
    z = (base - base.mean()) / base.std(ddof=1)
    values = mean + sd * z
    if (values < lo).any() or (values > hi).any():
        # Squeeze the tail that crosses a bound, then restore the mean; the search fixes the SD.
        values = np.clip(values, lo, hi)
        values = values + (mean - values.mean())
        values = np.clip(values, lo, hi)
    return np.sort(values)


def to_units(values: np.ndarray, total: int, resolution: float,
             lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
    """Round to the grid, then spread the gap to ``total`` over the values that have room."""
    scaled = np.asarray(values, dtype=float) / resolution
    units = np.round(scaled).astype(np.int64)
    lo_u = math.ceil(lo / resolution) if math.isfinite(lo) else -(2**62)
    hi_u = math.floor(hi / resolution) if math.isfinite(hi) else 2**62
    units = np.clip(units, lo_u, hi_u)
    gap = int(total - units.sum())
    while gap != 0:
        step = 1 if gap > 0 else -1
        room = (hi_u - units) if gap > 0 else (units - lo_u)
        open_ = np.flatnonzero(room > 0)
        if not len(open_):
            raise ValueError("cannot reach the target sum inside the bounds")
        if abs(gap) >= len(open_):  # a share for everyone with room
            share = np.minimum(abs(gap) // len(open_), room[open_])
            units[open_] += step * share
            gap -= step * int(share.sum())
            continue
        # The last few units go to the values that rounding moved furthest the other way.
        residual = (scaled - units)[open_] * step
        for k in open_[np.argsort(-residual, kind="stable")][:abs(gap)]:
            units[k] += step
        gap = int(total - units.sum())
    return units


def assign_by_rank(values: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Give the smallest value to the lowest score, and so on."""
    out = np.empty_like(values)
    out[np.argsort(scores, kind="stable")] = np.sort(values)
    return out


Objective = Callable[[np.ndarray], tuple[float, float]]


def local_search(units: np.ndarray, blocks: Sequence[np.ndarray], objective: Objective,
                 rng: np.random.Generator, *, steps: Sequence[int] = (1, 2, 3, 5, 8, 13),
                 max_iter: int = 60_000, lower: np.ndarray | None = None,
                 upper: np.ndarray | None = None, temperature: float = 0.3) -> tuple[np.ndarray, float]:
    """Move units between two cells of one block (which keeps every block sum) to reach 0 violations.

    ``objective(units)`` returns ``(violations, roughness)``, violations being 0 exactly when every
    target is met. A move that lowers the violations is kept; one that keeps them is kept when it
    does not raise the roughness; a worse one is kept with a probability that cools to zero
    (simulated annealing), so the search can leave a corner where a bound blocks the direct path.
    ``blocks`` are arrays of flat indices into ``units``; ``lower``/``upper`` are flat bounds.
    Returns the best state seen and its violations.
    """
    flat = units.reshape(-1).copy()
    usable = [b for b in blocks if len(b) >= 2]
    viol, rough = objective(flat.reshape(units.shape))
    best, best_viol = flat.copy(), viol
    for it in range(max_iter):
        if viol == 0:
            break
        block = usable[rng.integers(len(usable))]
        i, j = rng.choice(block, 2, replace=False)
        d = int(rng.choice(steps)) * (1 if rng.random() < 0.5 else -1)
        a, b = flat[i] + d, flat[j] - d
        if lower is not None and (a < lower[i] or b < lower[j]):
            continue
        if upper is not None and (a > upper[i] or b > upper[j]):
            continue
        flat[i], flat[j] = a, b
        new_viol, new_rough = objective(flat.reshape(units.shape))
        cool = temperature * (1 - it / max_iter) ** 2
        if (new_viol < viol or (new_viol == viol and new_rough <= rough * 1.001 + 1e-12)
                or (cool > 0 and new_viol > viol and rng.random() < math.exp(-(new_viol - viol) / cool))):
            viol, rough = new_viol, new_rough
            if viol < best_viol:
                best, best_viol = flat.copy(), viol
        else:
            flat[i] -= d
            flat[j] += d
    return best.reshape(units.shape), best_viol


def repair_bounds(units: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Move units from values with room to values outside [lower, upper], keeping the sum."""
    out = units.copy()
    for _ in range(10_000):
        below = np.flatnonzero(out < lower)
        above = np.flatnonzero(out > upper)
        if not len(below) and not len(above):
            return out
        if len(below):
            i = below[0]
            room = np.flatnonzero(out > lower + 1)
            j = room[np.argmax(out[room] - lower[room])]
            step = min(lower[i] - out[i], out[j] - lower[j] - 1)
            out[i] += step
            out[j] -= step
        else:
            i = above[0]
            room = np.flatnonzero(out < upper - 1)
            j = room[np.argmax(upper[room] - out[room])]
            step = min(out[i] - upper[i], upper[j] - out[j] - 1)
            out[i] -= step
            out[j] += step
    raise ValueError("cannot bring the values inside their bounds with this sum")
