"""Sums and spreads for the four cells of a genotype-group comparison at one month.

Cells: SLR/NR-group TDT (A_T, 13), SLR/NR-group NTDT (A_N, 2), MaR-group TDT (B_T, 21),
MaR-group NTDT (B_N, 12). The TDT tables (6, 7, 10) describe A_T vs B_T; the all-patient
tables (4, 5) describe A_T+A_N vs B_T+B_N.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from tools.reconstruct.search import sums_for_mean
from tools.reconstruct.targets import Target


@dataclass(frozen=True)
class CellPlan:
    """Integer sums per cell and a within-cell SD to aim for (in measurement units)."""

    sums: dict[str, int]
    sds: dict[str, float]


def _candidates(target: Target | None, n: int, resolution: float, fixed: int | None,
                guess: float) -> list[int]:
    if fixed is not None:
        return [fixed]
    if target is None:
        centre = round(guess * n / resolution)
        return list(range(centre - 3, centre + 4))
    return sums_for_mean(target.lo, target.hi, n, resolution)


def plan_cells(targets: dict[str, Target], measure: str, month: int, n: dict[str, int],
               resolution: float, *, fixed_sums: dict[str, int] | None = None,
               guesses: dict[str, float] | None = None, ntdt_sd_ratio: float = 1.0) -> CellPlan:
    """Choose cell sums meeting every published mean and difference, then cell SDs.

    ``fixed_sums`` pins cells whose values are already known (Table 3 patients, or the MaR
    group total that Table 2 fixes). ``guesses`` gives a mean for a cell with no printed mean.
    """
    fixed_sums = fixed_sums or {}
    guesses = guesses or {}
    tdt = f"cmp.tdt.{measure}.m{month}"
    alln = f"cmp.analysed.{measure}.m{month}"
    get = targets.get
    a_t = _candidates(get(f"{tdt}.SLR/NR.mean"), n["A_T"], resolution, fixed_sums.get("A_T"), guesses.get("A_T", 0))
    b_t = _candidates(get(f"{tdt}.MaR.mean"), n["B_T"], resolution, fixed_sums.get("B_T"), guesses.get("B_T", 0))
    n_a, n_b = n["A_T"] + n["A_N"], n["B_T"] + n["B_N"]
    a_all = _candidates(get(f"{alln}.SLR/NR.mean"), n_a, resolution, fixed_sums.get("A"),
                        guesses.get("A", 0))
    b_all = _candidates(get(f"{alln}.MaR.mean"), n_b, resolution, fixed_sums.get("B"), guesses.get("B", 0))

    def centre_distance(target: Target | None, value: float) -> float:
        if target is None or not math.isfinite(target.lo):
            return 0.0
        return abs(value - (target.lo + target.hi) / 2) / (target.hi - target.lo)

    best: tuple[float, dict[str, int]] | None = None
    for sa, sb, saa, sba in itertools.product(a_t, b_t, a_all, b_all):
        ma, mb = sa * resolution / n["A_T"], sb * resolution / n["B_T"]
        maa, mba = saa * resolution / n_a, sba * resolution / n_b
        d_t, d_all = get(f"{tdt}.diff"), get(f"{alln}.diff")
        if d_t is not None and not d_t.holds(ma - mb):
            continue
        if d_all is not None and not d_all.holds(maa - mba):
            continue
        cost = (centre_distance(d_t, ma - mb) + centre_distance(d_all, maa - mba)
                + centre_distance(get(f"{tdt}.SLR/NR.mean"), ma) + centre_distance(get(f"{tdt}.MaR.mean"), mb))
        if "A_N" in guesses:
            cost += abs((saa - sa) * resolution / n["A_N"] - guesses["A_N"]) / 50
        if "B_N" in guesses:
            cost += abs((sba - sb) * resolution / n["B_N"] - guesses["B_N"]) / 50
        if best is None or cost < best[0]:
            best = (cost, {"A_T": sa, "B_T": sb, "A_N": saa - sa, "B_N": sba - sb})
    if best is None:
        raise ValueError(f"no cell sums meet the published means and differences for {measure} month {month}")
    sums = best[1]
    return CellPlan(sums=sums, sds=_cell_sds(targets, measure, month, n, sums, resolution, ntdt_sd_ratio))


def _cell_sds(targets: dict[str, Target], measure: str, month: int, n: dict[str, int],
              sums: dict[str, int], resolution: float, ntdt_sd_ratio: float) -> dict[str, float]:
    """Within-cell SDs implied by the printed SDs (or, where those are unusable, by the SE)."""
    tdt = f"cmp.tdt.{measure}.m{month}"
    alln = f"cmp.analysed.{measure}.m{month}"
    mean = {k: sums[k] * resolution / n[k] for k in sums}

    def mid(key: str) -> float | None:
        t = targets.get(key)
        return None if t is None else (t.lo + t.hi) / 2

    sd = {"A_T": mid(f"{tdt}.SLR/NR.sd") or 10.0, "B_T": mid(f"{tdt}.MaR.sd") or 10.0}

    def ss_left(group: str, cells: tuple[str, str], sd_all: float) -> float:
        t, nt = cells
        n_all = n[t] + n[nt]
        m_all = (sums[t] + sums[nt]) * resolution / n_all
        return ((n_all - 1) * sd_all**2 - (n[t] - 1) * sd[t] ** 2
                - n[t] * (mean[t] - m_all) ** 2 - n[nt] * (mean[nt] - m_all) ** 2)

    sd_a, sd_b = mid(f"{alln}.SLR/NR.sd"), mid(f"{alln}.MaR.sd")
    if sd_a is not None and sd_b is not None:
        sd["A_N"] = math.sqrt(max(ss_left("A", ("A_T", "A_N"), sd_a), 0.0) / max(n["A_N"] - 1, 1))
        sd["B_N"] = math.sqrt(max(ss_left("B", ("B_T", "B_N"), sd_b), 0.0) / max(n["B_N"] - 1, 1))
        return sd
    se = mid(f"{alln}.se")
    n_a, n_b = n["A_T"] + n["A_N"], n["B_T"] + n["B_N"]
    pooled_ss = (se / math.sqrt(1 / n_a + 1 / n_b)) ** 2 * (n_a + n_b - 2)
    rest = pooled_ss + ss_left("A", ("A_T", "A_N"), 0.0) + ss_left("B", ("B_T", "B_N"), 0.0)  # ss_left(·, 0) = −(TDT + between SS)
    # rest = SS within A_N + SS within B_N; split so the two NTDT cells have SDs in the given ratio.
    denom = (n["A_N"] - 1) * ntdt_sd_ratio**2 + (n["B_N"] - 1)
    s = math.sqrt(max(rest, 0.0) / denom)
    sd["A_N"], sd["B_N"] = s * ntdt_sd_ratio, s
    return sd


def plan_pair(targets: dict[str, Target], prefix: str, n_a: int, n_b: int,
              resolution: float) -> tuple[int, int, float, float]:
    """Sums (units) and SDs for a two-group table on its own (Table 10): meets means and difference."""
    ta, tb, td = targets[f"{prefix}.SLR/NR.mean"], targets[f"{prefix}.MaR.mean"], targets[f"{prefix}.diff"]
    best = None
    for sa, sb in itertools.product(sums_for_mean(ta.lo, ta.hi, n_a, resolution),
                                    sums_for_mean(tb.lo, tb.hi, n_b, resolution)):
        diff = sa * resolution / n_a - sb * resolution / n_b
        if td.holds(diff):
            cost = abs(diff - (td.lo + td.hi) / 2)
            if best is None or cost < best[0]:
                best = (cost, sa, sb)
    if best is None:
        raise ValueError(f"no sums meet the published means and difference of {prefix}")
    sd_a = (targets[f"{prefix}.SLR/NR.sd"].lo + targets[f"{prefix}.SLR/NR.sd"].hi) / 2
    sd_b = (targets[f"{prefix}.MaR.sd"].lo + targets[f"{prefix}.MaR.sd"].hi) / 2
    return best[1], best[2], sd_a, sd_b
