"""Genotype look-up: what thalidomide did for the patients of one genotype, allele or β0/β+ class.

For a patient in front of you: the matching patients of the cohort, TDT and NTDT always apart, by
their endpoints (``analyses.endpoints``), beside what the paper's Table 1 says for those genotypes. The test of the
claim itself (does genotype predict independence?) is ``thaldash.analyses.claim``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from thaldash.analyses.claim import pooled_independence
from thaldash.analyses.endpoints import endpoint_distributions, endpoint_proportions, patient_endpoints
from thaldash.analyses.independence import ti_course
from thaldash.analyses.overview import table_1 as file_table_1
from thaldash.analyses.trajectories import PatientRows, individual_lines, trajectory_means
from thaldash.data.alleles import genotype_class, genotype_label, normalise_allele
from thaldash.data.cohort import Cohort, positions
from thaldash.data.filters import BETA_CLASSES, CohortFilter
from thaldash.data.schema import MAR_GROUP, OTHER_GROUP, THAL_TYPES
from thaldash.grading.grade import grade
from thaldash.grading.rules import GradingRules
from thaldash.published.paper import is_bundled, table_1

QueryKind = Literal["genotype", "allele", "beta_class"]
QUERY_KINDS: dict[str, str] = {"genotype": "Genotype (two alleles)", "allele": "Carries an allele",
                               "beta_class": "β0/β+ class"}
BESIDE_COLUMNS: tuple[str, ...] = ("genotype", "source", "n_ntdt", "n_tdt", "n_tdt_ti_1m", "n_tdt_ti_3m", "n_total",
                                   "group")


@dataclass(frozen=True)
class GenotypeQuery:
    """Which patients to look up: a genotype (unordered allele pair), carriers of an allele, or a β class.

    Build it with ``parse``, which accepts every spelling ``thaldash.data.alleles`` knows, in
    either order ("IVS-2-654/βCD41-42" is ``CD41-42/IVS-II-654``).
    """

    kind: QueryKind
    value: str

    @classmethod
    def parse(cls, kind: str, text: str) -> GenotypeQuery:
        """The query for ``text`` read as ``kind``; a ValueError sentence when it cannot be read."""
        raw = " ".join(str(text).split())
        if kind not in QUERY_KINDS:
            raise ValueError(f"look up by {kind!r} is not available; choose genotype, allele or beta_class")
        if not raw:
            raise ValueError(f"type a {'genotype such as CD41-42/CD17' if kind == 'genotype' else kind}")
        if kind == "genotype":
            parts = [p for p in raw.replace(" ", "").split("/") if p]
            if len(parts) != 2:
                raise ValueError(f"{raw!r} is not two alleles; write a genotype as two alleles with a slash, "
                                 "e.g. CD41-42/IVS-II-654 (either order)")
            return cls("genotype", genotype_label(*(normalise_allele(p) for p in parts)))
        if kind == "allele":
            return cls("allele", normalise_allele(raw))
        text = raw.replace(" ", "").replace("b", "β").replace("B", "β").replace("beta", "β")
        parts = sorted(text.split("/"), key=lambda c: ("β0", "β+", "unknown").index(c)
                       if c in ("β0", "β+", "unknown") else 9)
        label = "/".join(parts)
        if label not in BETA_CLASSES:
            raise ValueError(f"{raw!r} is not a β class; choose one of {', '.join(BETA_CLASSES[:3])}")
        return cls("beta_class", label)

    @property
    def label(self) -> str:
        return f"carries {self.value}" if self.kind == "allele" else self.value

    def to_text(self) -> str:
        """``kind:value``, for a URL; ``from_text`` reads it back."""
        return f"{self.kind}:{self.value}"

    @classmethod
    def from_text(cls, text: str) -> GenotypeQuery:
        kind, _, value = str(text).partition(":")
        return cls.parse(kind, value)

    def cohort_filter(self) -> CohortFilter:
        """The patients of the query as a ``CohortFilter`` (analysed patients)."""
        field = {"genotype": "genotypes", "allele": "alleles", "beta_class": "beta_classes"}[self.kind]
        return CohortFilter(**{field: (self.value,)})

    def matches_genotype(self, genotype: str) -> bool:
        """Whether a genotype label (``a/b``) belongs to the query."""
        alleles = genotype.split("/", 1)
        if self.kind == "genotype":
            return genotype == self.value
        if self.kind == "allele":
            return self.value in alleles
        return len(alleles) == 2 and genotype_class(*alleles) == self.value


def table_1_beside(cohort: Cohort, query: GenotypeQuery, rules: GradingRules = GradingRules(), *,
                   whole_graded: pd.DataFrame | None = None) -> pd.DataFrame:
    """The paper's Table 1 rows of the query's genotypes beside the same counts in this file.

    Returns ``BESIDE_COLUMNS``: per matching genotype a "paper (Table 1)" row and a "this file" row
    (a genotype only one of them has gets only that row); ``group`` is the paper's effect or the
    file's genotype group (decided on every analysed patient of ``cohort``: ``whole_graded`` is
    ``grade(cohort.parent or cohort, rules)``, computed when not given).
    """
    paper = table_1()
    paper = paper[np.array([query.matches_genotype(g) for g in paper["genotype"]], dtype=bool)]
    paper = paper.assign(source="paper (Table 1)", group=paper["effect"].map({"MaR": MAR_GROUP, "SLR/NR": OTHER_GROUP}))
    whole_graded = grade(cohort.parent or cohort, rules) if whole_graded is None else whole_graded
    mine = file_table_1(cohort, whole_graded)
    mine = mine[np.array([g != "Total" and query.matches_genotype(str(g)) for g in mine["genotype"]], dtype=bool)]
    mine = mine.assign(source="this file", n_tdt_ti_3m=mine["n_tdt_ti_3m"])
    both = pd.concat([paper[list(BESIDE_COLUMNS)], mine[list(BESIDE_COLUMNS)]], ignore_index=True)
    order = list(dict.fromkeys([*paper["genotype"], *mine["genotype"]]))
    both = both.assign(_g=both["genotype"].map({g: i for i, g in enumerate(order)}))
    return both.sort_values(["_g", "source"], kind="stable").drop(columns="_g").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class GenotypeLookup:
    """The look-up of one query (``genotype_lookup``); every frame is tidy, unrounded."""

    query: GenotypeQuery
    patients: pd.DataFrame
    proportions: pd.DataFrame
    distributions: pd.DataFrame
    beside: pd.DataFrame
    pooled: pd.DataFrame

    @property
    def n_by_type(self) -> dict[str, int]:
        counts = self.patients["thal_type"].value_counts()
        return {t: int(counts.get(t, 0)) for t in THAL_TYPES}


def genotype_lookup(cohort: Cohort, rules: GradingRules, query: GenotypeQuery, *, graded: pd.DataFrame | None = None,
                    whole_graded: pd.DataFrame | None = None, course: pd.DataFrame | None = None) -> GenotypeLookup:
    """Everything the look-up shows for ``query`` among the analysed patients of ``cohort``.

    ``pooled`` holds the partially pooled estimate of each matching genotype, pooled across every
    genotype of ``cohort`` (``claim.pooled_independence``). ``graded`` (``grade(cohort, rules)``),
    ``whole_graded`` (``grade(cohort.parent or cohort, rules)``) and ``course`` (``ti_course(cohort)``)
    are computed when not given; the app passes its cached gradings (each is a million rows at 1M).
    """
    course = ti_course(cohort) if course is None else course
    per_patient = patient_endpoints(cohort, rules, graded=graded, course=course)
    keep = _matching(query, per_patient["genotype"].to_numpy(), per_patient["beta_class"].to_numpy())
    chosen = per_patient[keep].reset_index(drop=True)
    bundled, whole = is_bundled(cohort), is_bundled(cohort, whole=True)
    pooled = pooled_independence(cohort, course)
    pooled = pooled[np.array([query.matches_genotype(str(g)) for g in pooled["genotype"]], dtype=bool)]
    pooled = pooled.reset_index(drop=True)
    return GenotypeLookup(query, chosen, endpoint_proportions(chosen, rules, bundled=bundled, whole=whole),
                          endpoint_distributions(chosen, rules, bundled=bundled),
                          table_1_beside(cohort, query, rules, whole_graded=whole_graded), pooled)


def lookup_trajectories(cohort: Cohort, query: GenotypeQuery, *, measure: str, thal_type: str,
                        max_rows: int | None = None) -> tuple[pd.DataFrame, PatientRows]:
    """Mean ``measure`` by month of the matching ``thal_type`` patients beside the other ``thal_type`` patients.

    Returns ``(means, lines)``: ``trajectory_means`` by ``patients`` (``query.label`` or "other TDT
    patients") and the matching patients' own lines (``individual_lines``, a random sample of at most
    ``max_rows`` rows when given). TDT and NTDT are never mixed: call once per type.
    """
    patients = cohort.patients
    analysed = cohort.analysed
    at = positions(patients["patient_id"], analysed["patient_id"])
    # Decided per patient, then read per visit: at a million patients, texts per visit were three arrays of
    # 7 million objects and a hash of them.
    match = _matching(query, patients["genotype"].astype("object").to_numpy(),
                      patients["beta_class"].astype("object").to_numpy())[at]
    mine = (patients["thal_type"].astype("object").to_numpy() == thal_type)[at]
    # The group as a two-category column (one byte a visit), not a text per visit (more memory than the
    # cohort); categories sorted, so the means come in the text's order, and the result's column is text
    # again. The other type's visits get no group (code -1), which the means leave out: no copy of the visits.
    groups = sorted({query.label, f"other {thal_type} patients"})
    codes = np.where(match, groups.index(query.label), groups.index(f"other {thal_type} patients"))
    visits = analysed[["patient_id", "month", measure]].assign(
        patients=pd.Categorical.from_codes(np.where(mine, codes, -1).astype(np.int8), groups))
    means = trajectory_means(visits, measure=measure, by="patients")
    means = means.assign(patients=means["patients"].astype("str"))
    del visits
    own = analysed.loc[mine & match, ["patient_id", "month", measure]].assign(patients=query.label)
    return means, individual_lines(own, measure=measure, by="patients", max_rows=max_rows)


def _matching(query: GenotypeQuery, genotype: np.ndarray, beta_class: np.ndarray) -> np.ndarray:
    """Rows whose genotype (or β class) belongs to ``query``; each distinct genotype is checked once."""
    if query.kind == "beta_class":
        return np.asarray(beta_class == query.value, dtype=bool)
    codes, uniques = pd.factorize(pd.Series(genotype, dtype="object"))
    hits = np.array([query.matches_genotype(str(g)) for g in uniques] + [False], dtype=bool)
    return hits[codes]  # code -1 (no genotype) picks the appended False


def group_domain(query: GenotypeQuery, thal_type: str) -> list[str]:
    """The legend order of ``lookup_trajectories`` groups (so colours stay put)."""
    return [query.label, f"other {thal_type} patients"]
