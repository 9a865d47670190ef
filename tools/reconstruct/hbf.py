"""Fetal haemoglobin (% of total Hb, recorded to 0.1) for every patient and visit.

Published constraints: Tables 5 and 7 (genotype-group comparisons at 0/6/12/24 M; Table 5's
SDs are copies of Table 4's and are not used, its SEs are) and Fig. 3 (baseline HbF vs the
6-month Hb rise, Pearson P = 0.009). Assumed: months 1, 3 and 18, and that HbF is higher with
two β0 alleles (no HbA can be made) than with a β+ allele.
"""

from __future__ import annotations

import math

import numpy as np

from tools.reconstruct import search
from tools.reconstruct.cells import plan_cells
from tools.reconstruct.context import COL, Context
from tools.reconstruct.evaluate import pearson_p

RES = 0.1
CLASS_SCORE = {"β0/β0": 1.0, "β0/β+": 0.0, "β+/β+": -1.0}
# Highest plausible HbF (%): with two β0 alleles only HbA2 remains beside HbF; a β+ allele still
# makes HbA (more so before treatment); HbE is measured as its own fraction.
CAP_BASELINE = {"β0/β0": 97.5, "β0/β+": 88.0, "β+/β+": 60.0}
CAP_TREATED = {"β0/β0": 98.5, "β0/β+": 95.0, "β+/β+": 92.0}
CAP_WITH_HBE = (45.0, 70.0)
RISE_SHARE = {1: 0.45, 3: 0.8}


def build_hbf(ctx: Context) -> None:
    hbf = ctx.new_grid("hbf_pct")
    prov = ctx.provenance["hbf_pct"]
    cls = ctx.roster["beta_class"].map(CLASS_SCORE).to_numpy()
    # HbF is never 0 and never the same floor for everyone: a per-patient floor of 0.3–1.5 %.
    lower = np.repeat(np.round(ctx.rng.uniform(3, 15, ctx.size))[:, None], hbf.shape[1], axis=1)
    upper = _caps(ctx)
    trait = cls + ctx.latent["hbf_level"]

    previous = None
    for month in (0, 6, 12, 24):
        plan = plan_cells(ctx.targets, "hbf_pct", month, ctx.n, RES, ntdt_sd_ratio=1.0)
        for cell, idx in ctx.cells.items():
            total = plan.sums[cell]
            scores = trait[idx] if previous is None else hbf[idx, COL[previous]] / 100 + 0.5 * trait[idx]
            units = ctx.realise(idx, total, total * RES / len(idx), plan.sds[cell],
                                scores + ctx.rng.normal(0, 0.25, len(idx)), RES, shape="beta",
                                lo=0.0, hi=99.0)
            hbf[idx, COL[month]] = search.repair_bounds(units, lower[idx, COL[month]], upper[idx, COL[month]])
        ctx.search_month("hbf_pct", month, RES, list(ctx.cells.values()), lower, upper)
        prov[ctx.analysed, COL[month]] = "derived"
        previous = month

    _tune_fig3(ctx, hbf)

    for month in (1, 3):
        share = np.clip(RISE_SHARE[month] + ctx.rng.normal(0, 0.08, ctx.size), 0.1, 1.0)
        value = hbf[:, COL[0]] + share * (hbf[:, COL[6]] - hbf[:, COL[0]])
        hbf[ctx.analysed, COL[month]] = np.clip(np.round(value[ctx.analysed]), lower[ctx.analysed, COL[month]],
                                                upper[ctx.analysed, COL[month]])
        prov[ctx.analysed, COL[month]] = "assumed"
    mid = (hbf[:, COL[12]] + hbf[:, COL[24]]) / 2 + ctx.rng.normal(0, 15, ctx.size)
    hbf[ctx.analysed, COL[18]] = np.clip(np.round(mid[ctx.analysed]), lower[ctx.analysed, COL[18]],
                                         upper[ctx.analysed, COL[18]])
    prov[ctx.analysed, COL[18]] = "assumed"
    _withdrawn(ctx, hbf, prov)


def _caps(ctx: Context) -> np.ndarray:
    """Per patient and month upper bounds (units), jittered so values do not pile up on one number."""
    r = ctx.roster
    base = r["beta_class"].map(CAP_BASELINE).to_numpy(dtype=float).copy()
    treated = r["beta_class"].map(CAP_TREATED).to_numpy(dtype=float).copy()
    has_e = r["genotype"].str.contains("HbE").to_numpy()
    base[has_e], treated[has_e] = CAP_WITH_HBE
    jitter = ctx.rng.uniform(0, 3.0, len(r))
    caps = np.repeat((treated - jitter)[:, None], len(COL), axis=1)
    caps[:, COL[0]] = base - jitter
    return np.round(caps / RES)


def _tune_fig3(ctx: Context, hbf: np.ndarray) -> None:
    """Swap whole HbF courses between patients of the same cell and β class until Fig. 3's P holds.

    A swap leaves every cell's values, and so Tables 5 and 7, untouched; only who has which course
    changes, which moves the correlation with that patient's own 6-month Hb rise.
    """
    target = ctx.targets["corr.analysed.hbf_pct.m0.hb_rise.m6.pearson.p"]
    hb = ctx.grids["hb_g_l"]
    rise = (hb[:, COL[6]] - hb[:, COL[0]])[ctx.analysed]
    groups = ctx.roster.iloc[ctx.analysed].groupby(["group", "thal_type", "beta_class"]).indices
    swappable = [ctx.analysed[v] for v in groups.values() if len(v) >= 2]

    def distance() -> float:
        p = pearson_p(hbf[ctx.analysed, COL[0]], rise)
        return 0.0 if target.holds(p) else abs(math.log(p) - math.log((target.lo + target.hi) / 2))

    current = distance()
    for _ in range(20_000):
        if current == 0:
            return
        group = swappable[ctx.rng.integers(len(swappable))]
        i, j = ctx.rng.choice(group, 2, replace=False)
        hbf[[i, j]] = hbf[[j, i]]
        new = distance()
        if new <= current:
            current = new
        else:
            hbf[[i, j]] = hbf[[j, i]]
    raise RuntimeError(f"Fig. 3: could not reach P = {target.value} by swapping HbF courses")


def _withdrawn(ctx: Context, hbf: np.ndarray, prov: np.ndarray) -> None:
    for row in np.flatnonzero(ctx.roster["withdrawn"].to_numpy()):
        last = ctx.roster.at[row, "withdrawal_month"]
        value = max(2.0, 12 + 8 * ctx.rng.normal())
        for m, col in COL.items():
            if m > last:
                break
            hbf[row, col] = round(value / RES)
            prov[row, col] = "assumed"
            value = min(value * 1.6 + ctx.rng.normal(3, 2), 90.0)
