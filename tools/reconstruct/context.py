"""Shared state of one reconstruction run: the roster, its index sets and the measure grids."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tools.reconstruct import search
from tools.reconstruct.evaluate import comparison, score
from tools.reconstruct.targets import Target

MONTHS: tuple[int, ...] = (0, 1, 3, 6, 12, 18, 24)
COL = {m: i for i, m in enumerate(MONTHS)}


@dataclass
class Context:
    roster: pd.DataFrame
    targets: dict[str, Target]
    rng: np.random.Generator
    grids: dict[str, np.ndarray] = field(default_factory=dict)  # measure -> (patients × months) units
    provenance: dict[str, np.ndarray] = field(default_factory=dict)  # measure -> same shape, str
    patient_values: dict[str, np.ndarray] = field(default_factory=dict)  # column -> one per patient
    patient_provenance: dict[str, np.ndarray] = field(default_factory=dict)
    latent: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        r = self.roster
        analysed = ~r["withdrawn"].to_numpy()
        tdt = (r["thal_type"] == "TDT").to_numpy()
        slr = (r["group"] == "SLR/NR").to_numpy()
        mar = (r["group"] == "MaR").to_numpy()
        self.analysed = np.flatnonzero(analysed)
        self.cells = {
            "A_T": np.flatnonzero(analysed & tdt & slr),
            "A_N": np.flatnonzero(analysed & ~tdt & slr),
            "B_T": np.flatnonzero(analysed & tdt & mar),
            "B_N": np.flatnonzero(analysed & ~tdt & mar),
        }
        self.n = {k: len(v) for k, v in self.cells.items()}
        self.blocks = {  # MaR group split by genotype and TDT/NTDT (Table 2 × Tables 4/6)
            (g, t): idx.to_numpy()
            for (g, t), idx in r[analysed & mar].groupby(["genotype", "thal_type"]).groups.items()
        }
        self.index = {pid: i for i, pid in enumerate(r["patient_id"])}

    @property
    def size(self) -> int:
        return len(self.roster)

    def new_grid(self, measure: str) -> np.ndarray:
        grid = np.full((self.size, len(MONTHS)), np.nan)
        self.grids[measure] = grid
        self.provenance[measure] = np.full(grid.shape, None, dtype=object)
        return grid

    def comparison_score(self, measure: str, month: int, values: np.ndarray) -> tuple[int, float]:
        """Missed targets of Tables 4–7/10 for one measure and month, given that month's values."""
        c = self.cells
        tdt = comparison(values[c["A_T"]], values[c["B_T"]])
        allp = comparison(values[np.r_[c["A_T"], c["A_N"]]], values[np.r_[c["B_T"], c["B_N"]]])
        m1, d1 = score(tdt, self.targets, f"cmp.tdt.{measure}.m{month}")
        m2, d2 = score(allp, self.targets, f"cmp.analysed.{measure}.m{month}")
        return m1 + m2, d1 + d2

    def search_month(self, measure: str, month: int, resolution: float, blocks: list[np.ndarray],
                     lower: np.ndarray, upper: np.ndarray) -> None:
        """Local search on one month's values until Tables 4–7/10 are met for that month."""
        grid = self.grids[measure]
        col = COL[month]
        start = grid[:, col].copy()
        spread = np.nanstd(start[self.analysed]) or 1.0

        def objective(values: np.ndarray) -> tuple[float, float]:
            _missed, distance = self.comparison_score(measure, month, values * resolution)
            return distance, float(np.nansum(((values - start) / spread) ** 2))

        values, violations = search.local_search(start, blocks, objective, self.rng,
                                                 lower=lower[:, col], upper=upper[:, col])
        if violations:
            raise RuntimeError(f"{measure} month {month}: published targets still missed: "
                               f"{self.missed(measure, month, values * resolution)}")
        grid[:, col] = values

    def missed(self, measure: str, month: int, values: np.ndarray) -> dict[str, tuple[float, str]]:
        """The comparison facts outside their published intervals: fact -> (value, printed)."""
        c = self.cells
        out = {}
        for prefix, a, b in ((f"cmp.tdt.{measure}.m{month}", c["A_T"], c["B_T"]),
                             (f"cmp.analysed.{measure}.m{month}", np.r_[c["A_T"], c["A_N"]], np.r_[c["B_T"], c["B_N"]])):
            for key, value in comparison(values[a], values[b]).items():
                t = self.targets.get(f"{prefix}.{key}")
                if t is not None and not t.holds(value):
                    out[f"{prefix}.{key}"] = (round(float(value), 4), t.value)
        return out

    def realise(self, idx: np.ndarray, total: int, mean: float, sd: float, scores: np.ndarray,
                resolution: float, *, shape: str = "normal", lo: float = -np.inf,
                hi: float = np.inf) -> np.ndarray:
        """Integer units for patients ``idx`` summing to ``total``, ranked by ``scores``."""
        if shape == "normal" and np.isfinite(lo) and mean - lo < 2.2 * sd:
            shape = "lognormal"  # a floor close to the mean: skew right instead of piling up on it
        values = search.quantile_values(len(idx), mean, sd, self.rng, shape=shape, lo=lo, hi=hi)
        units = search.to_units(values, total, resolution, lo, hi)
        return search.assign_by_rank(units, scores)
