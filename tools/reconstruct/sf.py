"""Serum ferritin (ng/mL, recorded to 0.01) for every patient and visit.

Published constraints: Table 10 (TDT by genotype group at 0/6/12/24 M), Table 9 (paired changes
0→12, 0→24, 12→24 M over all 48, which fixes what the 14 NTDT must lose), Table 8 (the 4 TDT who
stopped chelation: SF at the stop visit and at 24 M). Rules from the Methods kept as bounds: TDT
chelation is suspended below 500–800 ng/mL, NTDT below 300, and only those 4 stopped, so every
other TDT stays ≥ 600 and every NTDT ≥ 300. Assumed: months 1, 3, 18, NTDT month 6.
"""

from __future__ import annotations

import math

import numpy as np

from tools.reconstruct import search
from tools.reconstruct.cells import plan_pair
from tools.reconstruct.context import COL, MONTHS, Context
from tools.reconstruct.evaluate import paired, score
from tools.reconstruct.roster import TABLE_8

RES = 0.01
CONSTRAINED = (0, 6, 12, 24)
PAIRS = ((0, 12), (0, 24), (12, 24))
TDT_FLOOR, NTDT_FLOOR, CEILING = 600.0, 300.0, 20_000.0
NTDT_BASELINE_MEAN = 4200.0  # assumed; Table 9 with Table 10 fixes only what NTDT lose, not where they start
STEPS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10_000)
# Rank correlation of ferritin between constrained visits. Table 9's SEs with Table 10's SDs imply
# correlations of about 0.8 from 0 to 12 M, 0.75 from 12 to 24 M and 0.5 from 0 to 24 M.
PERSISTENCE = {(0, 6): 0.93, (6, 12): 0.9, (12, 24): 0.78}


def build_sf(ctx: Context) -> None:
    sf = ctx.new_grid("sf_ng_ml")
    prov = ctx.provenance["sf_ng_ml"]
    lower, upper = _bounds(ctx)
    fixed = _table_8(ctx, sf, prov, lower, upper)
    trait = ctx.latent["iron"]
    tdt_cells = {"A_T": ctx.cells["A_T"], "B_T": ctx.cells["B_T"]}
    ntdt = np.r_[ctx.cells["A_N"], ctx.cells["B_N"]]

    previous = None
    for month in CONSTRAINED:
        s_a, s_b, sd_a, sd_b = plan_pair(ctx.targets, f"cmp.tdt.sf_ng_ml.m{month}", ctx.n["A_T"], ctx.n["B_T"], RES)
        for cell, total, sd in (("A_T", s_a, sd_a), ("B_T", s_b, sd_b)):
            idx = tdt_cells[cell]
            _fill_with_fixed(ctx, sf, idx, month, total, sd, trait, previous, fixed, lower, upper)
        previous = month

    _fill_ntdt(ctx, sf, ntdt, trait, lower, upper)
    _solve_continuous(ctx, sf, ntdt, fixed, lower, upper)
    _search(ctx, sf, ntdt, fixed, lower, upper)
    for month in CONSTRAINED:
        prov[ctx.analysed, COL[month]] = np.where(prov[ctx.analysed, COL[month]] == None, "derived",  # noqa: E711
                                                  prov[ctx.analysed, COL[month]])
    _interpolate(ctx, sf, prov, ntdt, lower, upper)
    _withdrawn(ctx, sf, prov)


def _bounds(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    tdt = (ctx.roster["thal_type"] == "TDT").to_numpy()
    lower = np.where(tdt, TDT_FLOOR, NTDT_FLOOR)[:, None].repeat(len(MONTHS), axis=1) / RES
    upper = np.full(lower.shape, CEILING / RES)
    return lower, upper


def _table_8(ctx, sf, prov, lower, upper) -> np.ndarray:
    """Pin Table 8's values; bound the other visits of those 4 patients to a course that reaches them."""
    fixed = np.zeros(sf.shape, dtype=bool)
    ctx.table_8_rows = {ctx.index[f"T8-{i}"] for i in range(1, len(TABLE_8) + 1)}
    for i, (_sex, _age, stop, at_stop, at_24, _g) in enumerate(TABLE_8, 1):
        row = ctx.index[f"T8-{i}"]
        for month, value in ((stop, at_stop), (24, at_24)):
            sf[row, COL[month]] = round(value / RES)
            prov[row, COL[month]] = "published"
            fixed[row, COL[month]] = True
        for month in MONTHS:
            if month < stop:
                # Still chelated, so at or above the 500 ng/mL suspension threshold at each check,
                # and on a course that can reach the stop value: at most doubling per 3 months back.
                lower[row, COL[month]] = (800 if month == 0 else 500) / RES
                upper[row, COL[month]] = max(700.0, at_stop * 1.6 ** ((stop - month) / 3)) / RES
            elif month > stop:  # off chelation and no longer transfused: stays low
                lower[row, COL[month]] = min(at_stop, at_24) * 0.8 / RES
                upper[row, COL[month]] = max(at_stop, at_24) * 1.25 / RES
    return fixed


def _fill_with_fixed(ctx, sf, idx, month, total, sd, trait, previous, fixed, lower, upper) -> None:
    """Realise a TDT cell whose Table 8 members are already fixed; free members carry the rest."""
    col = COL[month]
    pinned = idx[fixed[idx, col]]
    free = idx[~fixed[idx, col]]
    mean = total * RES / len(idx)
    pinned_values = sf[pinned, col] * RES
    rest_total = total - int(sf[pinned, col].sum())
    free_mean = rest_total * RES / len(free)
    ss = (len(idx) - 1) * sd**2 - ((pinned_values - mean) ** 2).sum() - len(free) * (free_mean - mean) ** 2
    free_sd = math.sqrt(max(ss, 1.0) / (len(free) - 1))
    if previous is None:
        # Table 8's patients were weaned off chelation within 6–18 months: they start low.
        scores = np.where(np.isin(free, list(ctx.table_8_rows)), -3.0, trait[free])
    else:  # a Gaussian copula: ferritin ranks persist from visit to visit, but only partly
        rho = PERSISTENCE[(previous, month)]
        prev = np.log(sf[free, COL[previous]])
        scores = rho * (prev - prev.mean()) / prev.std() + math.sqrt(1 - rho**2) * ctx.rng.normal(0, 1, len(free))
    units = ctx.realise(free, rest_total, free_mean, free_sd, scores, RES,
                        shape="lognormal", lo=lower[free, col].min() * RES * 0.9, hi=CEILING)
    sf[free, col] = search.repair_bounds(units, lower[free, col], upper[free, col])


def _fill_ntdt(ctx, sf, ntdt, trait, lower, upper) -> None:
    """NTDT at 0/12/24 M: sums chosen so the 48-patient mean changes equal Table 9's."""
    totals = {}
    d_sums = {}
    for i, j in PAIRS:
        t = ctx.targets[f"paired.analysed.sf_ng_ml.m{i}-m{j}.diff"]
        d_sums[(i, j)] = search.sums_for_mean(t.lo, t.hi, len(ctx.analysed), RES)
    tdt = np.r_[ctx.cells["A_T"], ctx.cells["B_T"]]
    tdt_sum = {m: int(sf[tdt, COL[m]].sum()) for m in CONSTRAINED}
    options = [(d1, d2) for d1 in d_sums[(0, 12)] for d2 in d_sums[(0, 24)] if d2 - d1 in d_sums[(12, 24)]]
    d1, d2 = options[len(options) // 2]
    totals[0] = round(NTDT_BASELINE_MEAN * len(ntdt) / RES)
    totals[12] = totals[0] - (d1 - (tdt_sum[0] - tdt_sum[12]))
    totals[24] = totals[0] - (d2 - (tdt_sum[0] - tdt_sum[24]))
    base = ctx.realise(ntdt, totals[0], totals[0] * RES / len(ntdt), 0.8 * totals[0] * RES / len(ntdt),
                       trait[ntdt], RES, shape="lognormal", lo=NTDT_FLOOR * 1.5, hi=CEILING)
    sf[ntdt, COL[0]] = base
    for month, previous in ((12, 0), (24, 12)):
        # Each patient keeps a share of their previous ferritin; shares vary around the share
        # that the published total implies, so every NTDT course falls (chelation, no transfusion).
        share = np.exp(ctx.rng.normal(0, 0.5, len(ntdt)))
        raw = sf[ntdt, COL[previous]] * share
        raw *= totals[month] / raw.sum()
        units = search.to_units(raw, totals[month], 1.0)
        sf[ntdt, COL[month]] = search.repair_bounds(units, lower[ntdt, COL[month]], upper[ntdt, COL[month]])


def _rise_caps(ctx: Context) -> np.ndarray:
    """Largest plausible log-rise between constrained visits, per patient.

    Ferritin falls under chelation once transfusions stop (MaR-group TDT, NTDT); it fluctuates,
    so a rise of up to 30 % between visits is allowed; the still-transfused may rise up to 60 %.
    """
    cap = np.full(ctx.size, math.log(1.3))
    cap[ctx.cells["A_T"]] = math.log(1.6)
    cap[ctx.roster["withdrawn"].to_numpy()] = np.inf
    return cap


def _solve_continuous(ctx, sf, ntdt, fixed, lower, upper) -> None:
    """Move the free values as little as possible (in log) until Table 10's SDs and SEs and
    Table 9's SEs hold exactly in real numbers; rounding and the integer search finish the job.
    """
    from scipy.optimize import minimize

    cols = {m: COL[m] for m in CONSTRAINED}
    entries = []  # (row, col) of every free value
    for month in CONSTRAINED:
        for idx in (ctx.cells["A_T"], ctx.cells["B_T"]):
            entries += [(r, cols[month]) for r in idx if not fixed[r, cols[month]]]
        if month != 6:
            entries += [(r, cols[month]) for r in ntdt]
    rows = np.array([e[0] for e in entries])
    cs = np.array([e[1] for e in entries])
    x0 = np.log(sf[rows, cs] * RES)
    base = sf * RES
    caps = _rise_caps(ctx)
    analysed = ctx.analysed
    n_all = len(analysed)

    def grid_of(x):
        g = base.copy()
        g[rows, cs] = np.exp(x)
        return g

    def centre(key):
        t = ctx.targets[key]
        return (t.lo + t.hi) / 2

    constraints = []
    for month in CONSTRAINED:
        prefix = f"cmp.tdt.sf_ng_ml.m{month}"
        for cell, name in (("A_T", "SLR/NR"), ("B_T", "MaR")):
            idx = ctx.cells[cell]
            total = base[idx, cols[month]].sum()
            constraints.append({"type": "eq", "fun": lambda x, idx=idx, c=cols[month], t=total: (grid_of(x)[idx, c].sum() - t) / 100})
        idx_a, idx_b = ctx.cells["A_T"], ctx.cells["B_T"]
        sd_a, se = centre(f"{prefix}.SLR/NR.sd"), centre(f"{prefix}.se")
        constraints.append({"type": "eq", "fun": lambda x, i=idx_a, c=cols[month], s=sd_a: grid_of(x)[i, c].std(ddof=1) - s})
        na, nb = len(idx_a), len(idx_b)

        def se_gap(x, c=cols[month], s=se):
            g = grid_of(x)
            sp2 = ((na - 1) * g[idx_a, c].var(ddof=1) + (nb - 1) * g[idx_b, c].var(ddof=1)) / (na + nb - 2)
            return math.sqrt(sp2 * (1 / na + 1 / nb)) - s
        constraints.append({"type": "eq", "fun": se_gap})
    for month in (0, 12, 24):
        total = base[ntdt, cols[month]].sum()
        constraints.append({"type": "eq", "fun": lambda x, c=cols[month], t=total: (grid_of(x)[ntdt, c].sum() - t) / 100})
    for i, j in PAIRS:
        se = centre(f"paired.analysed.sf_ng_ml.m{i}-m{j}.se")
        constraints.append({"type": "eq", "fun": lambda x, i=i, j=j, s=se: (
            (grid_of(x)[analysed, cols[i]] - grid_of(x)[analysed, cols[j]]).std(ddof=1) / math.sqrt(n_all) - s)})
    order = [cols[m] for m in CONSTRAINED]

    def rises(x):
        logs = np.log(grid_of(x)[analysed][:, order])
        gaps = caps[analysed][:, None] - np.diff(logs, axis=1)
        return gaps[~np.isnan(gaps)]
    constraints.append({"type": "ineq", "fun": rises})
    bounds = [(math.log(lower[r, c] * RES), math.log(upper[r, c] * RES)) for r, c in entries]
    # Table 8's courses are pinned at both ends; moving them is what the solve should avoid most.
    weight = np.where(np.isin(rows, list(ctx.table_8_rows)), 25.0, 1.0)
    result = minimize(lambda x: float((weight * (x - x0) ** 2).sum()), x0, method="SLSQP", bounds=bounds,
                      constraints=constraints, options={"maxiter": 250, "ftol": 1e-10})
    # Stopping at the iteration limit is fine once every constraint holds: the objective only
    # keeps the courses close to where they started.
    worst = max(max(np.max(np.abs(c["fun"](result.x))) for c in constraints if c["type"] == "eq"),
                -min(np.min(c["fun"](result.x)) for c in constraints if c["type"] == "ineq"))
    if worst > 1e-3:
        raise RuntimeError(f"serum ferritin: the continuous solve ended {worst:.3g} away ({result.message})")
    solved = np.exp(result.x) / RES
    for month in CONSTRAINED:  # back to the grid with every block sum exact
        blocks = [ctx.cells["A_T"], ctx.cells["B_T"]] + ([ntdt] if month != 6 else [])
        for idx in blocks:
            mask = (cs == cols[month]) & np.isin(rows, idx)
            total = int(sf[rows[mask], cs[mask]].sum())
            sf[rows[mask], cs[mask]] = search.to_units(solved[mask], total, 1.0)


def _search(ctx, sf, ntdt, fixed, lower, upper) -> None:
    """Pair moves inside each (cell, month) until Tables 9 and 10 are met together."""
    blocks = []
    cols = [COL[m] for m in CONSTRAINED]
    for month in CONSTRAINED:
        for idx in (ctx.cells["A_T"], ctx.cells["B_T"]):
            free = idx[~fixed[idx, COL[month]]]
            blocks.append(free * sf.shape[1] + COL[month])
    for month in (0, 12, 24):
        blocks.append(ntdt * sf.shape[1] + COL[month])
    start = sf.copy()
    analysed = ctx.analysed
    rise_cap = _rise_caps(ctx)

    def objective(grid: np.ndarray) -> tuple[float, float]:
        distance = 0.0
        for month in CONSTRAINED:
            distance += ctx.comparison_score("sf_ng_ml", month, grid[:, COL[month]] * RES)[1]
        for i, j in PAIRS:
            facts = paired(grid[analysed, COL[i]] * RES, grid[analysed, COL[j]] * RES)
            distance += score(facts, ctx.targets, f"paired.analysed.sf_ng_ml.m{i}-m{j}")[1]
        distance += _rises(grid, rise_cap)
        rough = np.nansum((np.log(grid[analysed][:, cols]) - np.log(start[analysed][:, cols])) ** 2)
        return distance, float(rough)

    result, violations = search.local_search(sf, blocks, objective, ctx.rng, steps=(1, 2, 3, 5, 10, 30), max_iter=100_000,
                                             lower=lower.reshape(-1), upper=upper.reshape(-1), temperature=0.0)
    if violations:
        raise RuntimeError(f"serum ferritin: Tables 9/10 still missed by {violations:.4g}")
    sf[:] = result


def _rises(grid: np.ndarray, cap: np.ndarray) -> float:
    """How far (in 1 % steps of log ratio) courses rise more than allowed between constrained visits."""
    logs = np.log(grid[:, [COL[m] for m in CONSTRAINED]])
    excess = np.diff(logs, axis=1) - cap[:, None]
    return float(np.nansum(np.clip(excess, 0, None)) * 100)


def _interpolate(ctx, sf, prov, ntdt, lower, upper) -> None:
    """Unpublished visits: log-linear between the constrained neighbours, with visit-to-visit noise."""
    rows = ctx.analysed

    def between(m, a, b, noise):
        log = np.log(sf)
        w = (m - a) / (b - a)
        value = np.exp((1 - w) * log[:, COL[a]] + w * log[:, COL[b]] + ctx.rng.normal(0, noise, len(sf)))
        return np.clip(np.round(value), lower[:, COL[m]], upper[:, COL[m]])

    value = between(6, 0, 12, 0.05)  # NTDT month 6 first: months 1 and 3 lean on it
    sf[ntdt, COL[6]] = value[ntdt]
    prov[ntdt, COL[6]] = "assumed"
    for m, a, b in ((1, 0, 6), (3, 0, 6), (18, 12, 24)):
        value = between(m, a, b, 0.05)
        open_rows = rows[np.isnan(sf[rows, COL[m]])]
        sf[open_rows, COL[m]] = value[open_rows]
        prov[open_rows, COL[m]] = "assumed"


def _withdrawn(ctx: Context, sf: np.ndarray, prov: np.ndarray) -> None:
    for row in np.flatnonzero(ctx.roster["withdrawn"].to_numpy()):
        last = ctx.roster.at[row, "withdrawal_month"]
        value = math.exp(math.log(3500) + 0.5 * ctx.rng.normal())
        for m, col in COL.items():
            if m > last:
                break
            sf[row, col] = round(value / RES)
            prov[row, col] = "assumed"
            value *= math.exp(ctx.rng.normal(-0.02, 0.05))
