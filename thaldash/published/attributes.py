"""Where a patient attribute of the bundled reconstruction comes from, when the file has no provenance column for it.

The bundled file carries ``sex_provenance``, ``age_years_provenance`` … but not a provenance for the
genotype, the alleles or the type, which Table 1 publishes for every analysed patient. The rules
are data (``data/attribute_provenance.csv``, first match wins); a value the paper prints for the
patient by name (Tables 3 and 8) is "published" before any rule.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from thaldash import DATA_DIR
from thaldash.published.printed import kept, matches, where

ATTRIBUTE_PROVENANCE_CSV = DATA_DIR / "attribute_provenance.csv"


@lru_cache(maxsize=1)
def attribute_rules() -> pd.DataFrame:
    """``data/attribute_provenance.csv``: attribute, population, provenance, note (in order)."""
    return pd.read_csv(ATTRIBUTE_PROVENANCE_CSV, dtype=str, keep_default_na=False)


def attribute_provenance(attribute: str, *, patient_id: str, withdrawn: bool) -> tuple[str, str] | None:
    """(provenance, note) of a patient attribute of the reconstruction that has no provenance column.

    "published" when the paper prints it for this patient (Tables 3 and 8) or for every patient
    (Table 1's genotypes and types, the Results' withdrawals), else the first matching rule of
    ``data/attribute_provenance.csv``; None when no rule applies.
    """
    fact = f"patient[{patient_id}].{attribute}"
    if kept(fact):
        return "published", f"printed for this patient in {where([fact])}"
    population = "withdrawn" if withdrawn else "analysed"
    for rule in attribute_rules().itertuples(index=False):
        if matches(attribute, rule.attribute) and matches(population, rule.population):
            return rule.provenance, rule.note
    return None
