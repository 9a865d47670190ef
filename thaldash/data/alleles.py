"""β-globin variants: canonical spellings, the β0/β+ class, and genotypes as unordered pairs."""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

BetaClass = Literal["β0", "β+", "unknown"]

# Canonical spelling -> class. β0: no β-globin from the allele; β+: reduced output.
# HbE is grouped with β+ as in the paper's Table 2 ("βIVS-2-654/βEM β+/β+").
KNOWN_ALLELES: dict[str, BetaClass] = {
    "CD41-42": "β0", "CD17": "β0", "CD71-72": "β0", "CD43": "β0", "CD39": "β0",
    "CD14-15": "β0", "CD27-28": "β0", "CD31": "β0", "CD37": "β0", "CD6": "β0",
    "CD8-9": "β0", "IVS-I-1": "β0", "IntM": "β0",
    "-28": "β+", "-29": "β+", "-30": "β+", "-32": "β+", "-87": "β+", "-88": "β+",
    "IVS-II-654": "β+", "IVS-I-5": "β+", "IVS-I-6": "β+", "IVS-I-110": "β+",
    "CAP+1": "β+", "HbE": "β+",
}

# Spellings seen in reports and in the paper itself, after the β/beta prefix is removed.
_ALIASES: dict[str, str] = {
    "EM": "HbE", "E": "HbE", "BE": "HbE", "HBE": "HbE", "CD26": "HbE",
    "IVS-2-654": "IVS-II-654", "IVSII-654": "IVS-II-654", "IVS2-654": "IVS-II-654",
    "IVS-II654": "IVS-II-654", "654": "IVS-II-654",
    "IVS-1-1": "IVS-I-1", "IVS-1-5": "IVS-I-5", "IVS-1-6": "IVS-I-6", "IVS-1-110": "IVS-I-110",
    "CD41/42": "CD41-42", "CD41_42": "CD41-42", "CD4142": "CD41-42",
    "CD71/72": "CD71-72", "CD7172": "CD71-72", "CD14/15": "CD14-15", "CD27/28": "CD27-28",
    "CD8/9": "CD8-9", "CAP1": "CAP+1", "INTM": "IntM",
    # The paper prints genotype 10 as "βCD41-42/β-43"; its Conclusion and test panel say CD43.
    "-43": "CD43",
}
_UPPER_CANON = {name.upper(): name for name in KNOWN_ALLELES}
_PREFIX = re.compile(r"^(?:β|beta|b(?=cd|-|ivs|e))", re.IGNORECASE)


def normalise_allele(raw: str) -> str:
    """Canonical spelling of one variant; unknown variants come back trimmed but otherwise unchanged."""
    text = str(raw).strip().replace("–", "-").replace("−", "-").replace(" ", "")
    bare = _PREFIX.sub("", text)
    key = bare.upper()
    if key in _UPPER_CANON:
        return _UPPER_CANON[key]
    if key in _ALIASES:
        return _ALIASES[key]
    return _ALIASES.get(bare, bare)


def is_known(allele: str) -> bool:
    return allele in KNOWN_ALLELES


def beta_class(allele: str) -> BetaClass:
    return KNOWN_ALLELES.get(allele, "unknown")


_RANK = {name: i for i, name in enumerate(KNOWN_ALLELES)}


def _sort_key(allele: str) -> tuple[int, str]:
    # Known variants in the order of KNOWN_ALLELES (β0 first, CD41-42 leading), which writes every
    # genotype the way the paper does ("CD41-42/CD17", "CD17/-28", "IVS-II-654/HbE"); unknown ones last.
    return (_RANK.get(allele, len(_RANK)), allele)


def genotype_label(allele_1: str, allele_2: str) -> str:
    """The unordered pair as one label, ordered so that a/b and b/a give the same text."""
    a, b = sorted((allele_1, allele_2), key=_sort_key)
    return f"{a}/{b}"


def genotype_class(allele_1: str, allele_2: str) -> str:
    a, b = sorted((allele_1, allele_2), key=_sort_key)
    return f"{beta_class(a)}/{beta_class(b)}"


def genotype_columns(alleles: pd.DataFrame) -> pd.DataFrame:
    """``genotype`` and ``beta_class`` columns for a frame with ``allele_1`` and ``allele_2``."""
    pairs = alleles[["allele_1", "allele_2"]].drop_duplicates()
    labels = pd.DataFrame({
        "allele_1": pairs["allele_1"],
        "allele_2": pairs["allele_2"],
        "genotype": [genotype_label(a, b) for a, b in zip(pairs["allele_1"], pairs["allele_2"])],
        "beta_class": [genotype_class(a, b) for a, b in zip(pairs["allele_1"], pairs["allele_2"])],
    })
    merged = alleles[["allele_1", "allele_2"]].merge(labels, on=["allele_1", "allele_2"], how="left")
    return merged[["genotype", "beta_class"]].set_axis(alleles.index)
