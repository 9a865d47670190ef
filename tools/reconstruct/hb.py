"""Haemoglobin (g/L, recorded to 0.1) for every patient and visit.

Published constraints: Table 3 (13 patients, months 0–6), Table 2 (genotype means of the MaR
group, months 0–6), Tables 4 and 6 (genotype-group comparisons at 0/6/12/24 M, all and TDT).
Table 4's MaR means at 0 and 6 M contradict Table 2 (AUDIT): Table 2 is kept.
"""

from __future__ import annotations

import math

import numpy as np

from tools.reconstruct import search
from tools.reconstruct.cells import plan_cells
from tools.reconstruct.context import COL, Context
from tools.reconstruct.roster import TABLE_3

RES = 0.1
# How much lower (g/L) the TDT members of a mixed genotype sit than its NTDT members.
TDT_GAP = {0: 5.5, 1: 8.0, 3: 12.0, 6: 15.0}
RISE_SHARE = {1: 0.5, 3: 0.82}  # share of the 0→6 M rise already reached at 1 and 3 M
MAR_TDT_FLOOR = 90.0  # TDT who stopped transfusing were not transfused below 90 g/L (Methods)


def build_hb(ctx: Context) -> None:
    hb = ctx.new_grid("hb_g_l")
    prov = ctx.provenance["hb_g_l"]
    for i, (_g, _sex, _age, values, _red, _tier) in enumerate(TABLE_3, 1):
        row = ctx.index[f"T3-{i:02d}"]
        for m, v in zip((0, 1, 3, 6), values):
            hb[row, COL[m]] = v / RES
            prov[row, COL[m]] = "published"

    genotype_sums = _genotype_sums(ctx)
    lower, upper = _bounds(ctx)
    level = ctx.latent["hb_level"]
    response = ctx.latent["response"]

    for month in (0, 6):
        fixed_a = int(np.nansum(hb[ctx.cells["A_T"], COL[month]]))
        total_b = sum(s for (g, m), s in genotype_sums.items() if m == month)
        plan = plan_cells(ctx.targets, "hb_g_l", month, ctx.n, RES, fixed_sums={"A_T": fixed_a, "B": total_b})
        block_sums = _split_mixed(ctx, month, genotype_sums, plan.sums["B_T"])
        scores = level + (response if month == 6 else 0) + ctx.rng.normal(0, 0.3, ctx.size)
        _fill_blocks(ctx, hb, month, block_sums, plan.sds, scores, lower, upper)
        a_n = ctx.cells["A_N"]
        hb[a_n, COL[month]] = ctx.realise(a_n, plan.sums["A_N"], plan.sums["A_N"] * RES / 2, plan.sds["A_N"],
                                          scores[a_n], RES, lo=50, hi=140)
        ctx.search_month("hb_g_l", month, RES, [*ctx.blocks.values(), a_n], lower, upper)
        prov[ctx.analysed, COL[month]] = np.where(prov[ctx.analysed, COL[month]] == None, "derived",  # noqa: E711
                                                  prov[ctx.analysed, COL[month]])

    for month in (1, 3):
        block_sums = _split_mixed(ctx, month, genotype_sums, None)
        anchor = hb[:, COL[0]] + RISE_SHARE[month] * (hb[:, COL[6]] - hb[:, COL[0]])
        for (g, t), idx in ctx.blocks.items():
            total = block_sums[(g, t)]
            mean = total * RES / len(idx)
            units = ctx.realise(idx, total, mean, 5.0, anchor[idx] + ctx.rng.normal(0, 20, len(idx)),
                                RES, lo=lower[idx, COL[month]].min() * RES, hi=upper[idx, COL[month]].max() * RES)
            hb[idx, COL[month]] = search.repair_bounds(units, lower[idx, COL[month]], upper[idx, COL[month]])
            prov[idx, COL[month]] = "derived"
        a_n = ctx.cells["A_N"]
        hb[a_n, COL[month]] = np.round(anchor[a_n] + ctx.rng.normal(0, 25, len(a_n)))
        prov[a_n, COL[month]] = "assumed"

    for month, previous in ((12, 6), (24, 12)):
        # Keep each patient near their own course: within ±20 g/L of the previous constrained visit.
        upper[:, COL[month]] = np.minimum(upper[:, COL[month]], hb[:, COL[previous]] + 200)
        lower[:, COL[month]] = np.maximum(lower[:, COL[month]], hb[:, COL[previous]] - 200)
        plan = plan_cells(ctx.targets, "hb_g_l", month, ctx.n, RES)
        for cell, idx in ctx.cells.items():
            total = plan.sums[cell]
            units = ctx.realise(
                idx, total, total * RES / len(idx), plan.sds[cell],
                hb[idx, COL[previous]] + ctx.rng.normal(0, 40, len(idx)), RES,
                lo=lower[idx, COL[month]].min() * RES, hi=upper[idx, COL[month]].max() * RES)
            hb[idx, COL[month]] = search.repair_bounds(units, lower[idx, COL[month]], upper[idx, COL[month]])
        ctx.search_month("hb_g_l", month, RES, list(ctx.cells.values()), lower, upper)
        prov[ctx.analysed, COL[month]] = "derived"

    mid = (hb[:, COL[12]] + hb[:, COL[24]]) / 2 + ctx.rng.normal(0, 25, ctx.size)
    hb[ctx.analysed, COL[18]] = np.maximum(np.round(mid[ctx.analysed]), lower[ctx.analysed, COL[18]])
    prov[ctx.analysed, COL[18]] = "assumed"
    _withdrawn(ctx, hb, prov)


def _genotype_sums(ctx: Context) -> dict[tuple[str, int], int]:
    """Table 2: the sum (in units) that gives each MaR-group genotype its printed mean."""
    out = {}
    sizes = ctx.roster.iloc[ctx.analysed].groupby("genotype").size()
    for g in ctx.roster.loc[ctx.roster["group"] == "MaR", "genotype"].unique():
        for m in (0, 1, 3, 6):
            t = ctx.targets[f"genotype[{g}].hb_g_l.m{m}.mean"]
            options = search.sums_for_mean(t.lo, t.hi, int(sizes[g]), RES)
            centre = (t.lo + t.hi) / 2 * sizes[g] / RES
            out[(g, m)] = min(options, key=lambda k: abs(k - centre))
    return out


def _split_mixed(ctx: Context, month: int, genotype_sums: dict, tdt_total: int | None) -> dict:
    """Block sums: whole genotypes where one type only; mixed genotypes split TDT/NTDT.

    With ``tdt_total`` (months 0 and 6, where Table 6 fixes the TDT MaR total) the split is
    adjusted so the TDT blocks add up to it exactly.
    """
    sums: dict[tuple[str, str], int] = {}
    mixed = []
    for (g, t), idx in ctx.blocks.items():
        other = "NTDT" if t == "TDT" else "TDT"
        if (g, other) not in ctx.blocks:
            sums[(g, t)] = genotype_sums[(g, month)]
        elif t == "TDT":
            mixed.append(g)
    for g in mixed:
        n_t, n_n = len(ctx.blocks[(g, "TDT")]), len(ctx.blocks[(g, "NTDT")])
        total = genotype_sums[(g, month)]
        mean = total * RES / (n_t + n_n)
        sums[(g, "TDT")] = round((mean - TDT_GAP[month] * n_n / (n_t + n_n)) * n_t / RES)
    if tdt_total is not None:
        gap = tdt_total - sum(s for (g, t), s in sums.items() if t == "TDT")
        for k, g in enumerate(mixed):
            share = gap // len(mixed) + (1 if k < gap % len(mixed) else 0)
            sums[(g, "TDT")] += share
    for g in mixed:
        sums[(g, "NTDT")] = genotype_sums[(g, month)] - sums[(g, "TDT")]
    return sums


def _fill_blocks(ctx, hb, month, block_sums, cell_sds, scores, lower, upper) -> None:
    """Realise each (genotype, type) block with a common within-block SD matching the cell SD."""
    for cell, thal in (("B_T", "TDT"), ("B_N", "NTDT")):
        blocks = {k: v for k, v in ctx.blocks.items() if k[1] == thal}
        n_cell = sum(len(v) for v in blocks.values())
        cell_mean = sum(block_sums[k] for k in blocks) * RES / n_cell
        between = sum(len(v) * (block_sums[k] * RES / len(v) - cell_mean) ** 2 for k, v in blocks.items())
        within_df = sum(len(v) - 1 for v in blocks.values())
        within = (n_cell - 1) * cell_sds[cell] ** 2 - between
        sd_w = math.sqrt(max(within, 1.0) / max(within_df, 1))
        for key, idx in blocks.items():
            total = block_sums[key]
            hb[idx, COL[month]] = ctx.realise(idx, total, total * RES / len(idx), sd_w, scores[idx], RES,
                                              lo=lower[idx, COL[month]].max() * RES,
                                              hi=upper[idx, COL[month]].min() * RES)


def _bounds(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    lower = np.full((ctx.size, 7), 45 / RES)
    upper = np.full((ctx.size, 7), 135 / RES)
    ti = ctx.roster["ti_month"].to_numpy()
    for m, col in COL.items():
        independent = ~np.isnan(ti) & (m > np.nan_to_num(ti, nan=99))
        lower[independent, col] = MAR_TDT_FLOOR / RES
    return lower, upper


def _withdrawn(ctx: Context, hb: np.ndarray, prov: np.ndarray) -> None:
    for row in np.flatnonzero(ctx.roster["withdrawn"].to_numpy()):
        last = ctx.roster.at[row, "withdrawal_month"]
        value = 72 + ctx.rng.normal(0, 7)
        for m, col in COL.items():
            if m > last:
                break
            hb[row, col] = round(value / RES)
            prov[row, col] = "assumed"
            value += ctx.rng.normal(4, 4)
