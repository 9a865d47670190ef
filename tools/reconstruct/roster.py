"""The 52 enrolled patients: who they are, before any measurement is filled in.

Published: genotype counts by TDT/NTDT and transfusion-independence timing (Table 1), the 13
still-transfused TDT (Table 3), the 4 who stopped chelation (Table 8), sex/age/splenectomy totals
and the withdrawals (Results). Everything else here is assumed and marked so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thaldash.data.alleles import genotype_class

# (genotype, alleles, NTDT, TDT with independence at month 1, TDT at month 3, still-transfused TDT)
TABLE_1 = (
    ("-28/-28", ("-28", "-28"), 3, 0, 0, 0),
    ("CD17/-29", ("CD17", "-29"), 4, 0, 0, 0),
    ("CD41-42/-28", ("CD41-42", "-28"), 4, 2, 0, 0),
    ("CD41-42/-29", ("CD41-42", "-29"), 0, 2, 0, 0),
    ("CD41-42/CD17", ("CD41-42", "CD17"), 0, 5, 0, 0),
    ("CD41-42/IVS-II-654", ("CD41-42", "IVS-II-654"), 0, 3, 1, 0),
    ("CD17/CD17", ("CD17", "CD17"), 1, 0, 2, 0),
    ("CD41-42/CD71-72", ("CD41-42", "CD71-72"), 0, 2, 1, 0),
    ("IVS-II-654/HbE", ("IVS-II-654", "HbE"), 0, 1, 1, 0),
    ("CD41-42/CD43", ("CD41-42", "CD43"), 0, 1, 0, 0),
    ("CD17/-28", ("CD17", "-28"), 2, 0, 0, 5),
    ("CD41-42/CD41-42", ("CD41-42", "CD41-42"), 0, 0, 0, 4),
    ("CD17/IVS-II-654", ("CD17", "IVS-II-654"), 0, 0, 0, 3),
    ("CD71-72/HbE", ("CD71-72", "HbE"), 0, 0, 0, 1),
)
SLR_NR_GENOTYPES = ("CD17/-28", "CD41-42/CD41-42", "CD17/IVS-II-654", "CD71-72/HbE")

# Table 3, in printed order: sex, age, Hb at 0/1/3/6 M (g/L), transfusion reduction (%), tier.
TABLE_3 = (
    ("CD17/-28", "M", 16, (66, 72, 75, 79), 31.0, "SLR"),
    ("CD17/-28", "M", 12, (95, 91, 87, 91), 35.2, "SLR"),
    ("CD17/-28", "F", 14, (88, 95, 92, 109), 41.5, "SLR"),
    ("CD17/-28", "F", 14, (77, 86, 76, 103), 38.2, "SLR"),
    ("CD17/-28", "M", 25, (61, 64, 75, 69), 34.3, "SLR"),
    ("CD41-42/CD41-42", "F", 12, (86, 96, 94, 86), 47.7, "SLR"),
    ("CD41-42/CD41-42", "M", 14, (76, 75, 94, 86), 13.3, "NR"),
    ("CD41-42/CD41-42", "F", 16, (54, 65, 83, 84), 18.1, "NR"),
    ("CD41-42/CD41-42", "F", 14, (61, 75, 82, 83), 21.5, "NR"),
    ("CD71-72/HbE", "F", 16, (75, 96, 89, 84), 21.4, "NR"),
    ("CD17/IVS-II-654", "F", 18, (86, 90, 97, 91), 30.8, "SLR"),
    ("CD17/IVS-II-654", "F", 12, (75, 85, 65, 75), 36.9, "SLR"),
    ("CD17/IVS-II-654", "F", 16, (78, 69, 70, 75), 37.6, "SLR"),
)

# Table 8: sex, age, chelation stop month, SF at the stop visit, SF at 24 M, genotype.
TABLE_8 = (
    ("M", 15, 6, 345.0, 345.0, "CD41-42/CD17"),
    ("M", 14, 12, 404.0, 346.0, "CD41-42/CD17"),
    ("F", 18, 18, 583.0, 336.0, "CD41-42/CD17"),
    ("M", 14, 12, 550.0, 459.0, "CD41-42/IVS-II-654"),
)

# The four TDT who withdrew (Results: two severe rashes within two months, one menstrual disorder
# at five months, one left for stem-cell transplantation). Genotype, sex (except the menstrual
# disorder), age, and the transplant month are assumed.
WITHDRAWN = (
    ("CD41-42/CD41-42", ("CD41-42", "CD41-42"), "M", 22, 1.0, "severe rash"),
    ("CD17/-28", ("CD17", "-28"), "M", 17, 2.0, "severe rash"),
    ("CD41-42/IVS-II-654", ("CD41-42", "IVS-II-654"), "F", 19, 5.0, "menstrual disorder"),
    ("CD41-42/CD17", ("CD41-42", "CD17"), "M", 15, 9.0, "haematopoietic stem cell transplantation"),
)

ALLELES = {g: a for g, a, *_ in TABLE_1}


def build_roster(rng: np.random.Generator) -> pd.DataFrame:
    """One row per enrolled patient with fixed attributes and the provenance of each.

    Columns: patient_id, genotype, allele_1, allele_2, thal_type, group ("MaR"/"SLR/NR" genotype
    group), ti_month (TDT who became independent: 1 or 3; NaN otherwise), tier, withdrawn,
    withdrawal_month, withdrawal_reason, sex, age_years, chelation_stop_month, table (3/8/None),
    sex_provenance, age_provenance.
    """
    rows: list[dict[str, object]] = []

    def add(pid, genotype, thal, ti, tier, **extra):
        a1, a2 = extra.pop("alleles", ALLELES.get(genotype))
        rows.append(dict(patient_id=pid, genotype=genotype, allele_1=a1, allele_2=a2, thal_type=thal,
                         group="SLR/NR" if genotype in SLR_NR_GENOTYPES else "MaR",
                         ti_month=ti, tier=tier, withdrawn=False, withdrawal_month=np.nan,
                         withdrawal_reason=None, sex=None, age_years=np.nan,
                         chelation_stop_month=np.nan, table=None, **extra))

    for i, (g, sex, age, _hb, _red, tier) in enumerate(TABLE_3, 1):
        add(f"T3-{i:02d}", g, "TDT", np.nan, tier)
        rows[-1].update(sex=sex, age_years=float(age), table=3)
    for i, (sex, age, stop, *_rest, g) in enumerate(TABLE_8, 1):
        add(f"T8-{i}", g, "TDT", 1.0, "MaR")
        rows[-1].update(sex=sex, age_years=float(age), chelation_stop_month=float(stop), table=8)

    taken_ti1 = {"CD41-42/CD17": 3, "CD41-42/IVS-II-654": 1}
    n = 0
    for g, _alleles, ntdt, ti1, ti3, still in TABLE_1:
        if g in SLR_NR_GENOTYPES:
            for _ in range(ntdt):
                n += 1
                add(f"P{n:02d}", g, "NTDT", np.nan, "MaR")
            continue
        for _ in range(ntdt):
            n += 1
            add(f"P{n:02d}", g, "NTDT", np.nan, "MaR")
        for _ in range(ti1 - taken_ti1.get(g, 0)):
            n += 1
            add(f"P{n:02d}", g, "TDT", 1.0, "MaR")
        for _ in range(ti3):
            n += 1
            add(f"P{n:02d}", g, "TDT", 3.0, "MaR")

    for i, (g, alleles, sex, age, month, reason) in enumerate(WITHDRAWN, 1):
        add(f"W{i}", g, "TDT", np.nan, None, alleles=alleles)
        rows[-1].update(withdrawn=True, withdrawal_month=month, withdrawal_reason=reason,
                        sex=sex, age_years=float(age), group=None)

    roster = pd.DataFrame(rows)
    roster["beta_class"] = [genotype_class(a, b) for a, b in zip(roster["allele_1"], roster["allele_2"])]
    roster = _assign_sex_age(roster, rng)
    return roster.reset_index(drop=True)


def _assign_sex_age(roster: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Fill sex and age for the patients the paper does not describe, meeting the published totals.

    30 male / 22 female of 52; ages 12–41, median 16; 11 aged 12–13 (all analysed: "22.9%" is
    11/48), 20 aged 14–18, 21 older.
    """
    out = roster.copy()
    out["sex_provenance"] = np.where(out["sex"].notna(), "published", "assumed")
    out["age_provenance"] = np.where(out["age_years"].notna(), "published", "assumed")
    # The menstrual disorder makes that withdrawal female (published); the other withdrawals are assumed.
    out.loc[out["withdrawn"], ["sex_provenance", "age_provenance"]] = "assumed"
    out.loc[out["withdrawal_reason"] == "menstrual disorder", "sex_provenance"] = "derived"
    open_sex = out.index[out["sex"].isna()]
    n_male = 30 - int((out["sex"] == "M").sum())
    sexes = np.array(["M"] * n_male + ["F"] * (len(open_sex) - n_male))
    out.loc[open_sex, "sex"] = rng.permutation(sexes)

    open_age = out.index[out["age_years"].isna()]
    # 8 more aged 12–13, 5 more aged 14–18 (chosen so that the median of all 52 is 16), 18 older.
    young = [12, 12, 13, 12, 13, 13, 12, 13]
    middle = [14, 14, 15, 16, 17]
    older = [19, 20, 20, 21, 22, 23, 24, 26, 27, 28, 29, 30, 32, 34, 35, 37, 38, 41]
    ages = np.array(young + middle + older, dtype=float)
    assert len(ages) == len(open_age), (len(ages), len(open_age))
    # NTDT are diagnosed later and live longer without transfusion: give them the older ages first.
    weight = np.where(out.loc[open_age, "thal_type"].to_numpy() == "NTDT", 1.0, 0.0) + rng.uniform(0, 1.2, len(open_age))
    out.loc[open_age, "age_years"] = assign_sorted(ages, weight)
    return out


def assign_sorted(values: np.ndarray, scores: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[np.argsort(scores, kind="stable")] = np.sort(values)
    return out
