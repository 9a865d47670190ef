"""Who is in the cohort: the study flow, the demographics, and the paper's Table 1 by genotype.

Every function returns a small tidy frame of counts with its denominator named; nothing is
rounded. Tiers, transfusion independence and genotype groups come from ``thaldash.grading.grade``
(through a ``grade`` result) and ``thaldash.grading.summary``; nothing here re-derives them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from thaldash.data.coded_text import fill_missing
from thaldash.data.cohort import Cohort, positions
from thaldash.grading.summary import genotype_groups
from thaldash.data.schema import COLUMNS, MAR_GROUP, OTHER_GROUP, PROVENANCE_VALUES, THAL_TYPES, TIER_ORDER

Population = Literal["enrolled", "analysed"]
NOT_RECORDED = "not recorded"
# The paper's age bands (Results, "General conditions"): "12–14" and "14–18" overlap in print;
# the counts (11 + 20 + 21 = 52) fit 12–13, 14–18 and over 18 (see AUDIT.md).
AGE_BANDS: tuple[str, ...] = ("<12", "12–13", "14–18", ">18")  # < 12, [12, 14), [14, 18], > 18 years
TOTAL_LABEL = "Total"

TABLE_1_COLUMNS: tuple[str, ...] = (
    "genotype", "beta_class", "n_ntdt", "n_tdt", "n_tdt_ti_1m", "n_tdt_ti_3m", "n_tdt_ti_later",
    "n_tdt_not_ti", "n_total", "tiers_present", "group")


def _withdrawn(patients: pd.DataFrame) -> np.ndarray:
    if "withdrawn" not in patients:
        return np.zeros(len(patients), dtype=bool)
    return patients["withdrawn"].fillna(False).astype(bool).to_numpy()


def study_flow(cohort: Cohort) -> pd.DataFrame:
    """Enrolled → withdrawn (by reason) → analysed.

    Returns
    -------
    Rows in flow order, columns

    - ``stage``: "enrolled", "withdrawn" or "analysed"
    - ``level``: "total" for the stage's count, "reason" for one withdrawal reason
    - ``reason``: the withdrawal reason ("not recorded" when empty; "" on total rows)
    - ``n``: patients
    - ``month_min``, ``month_max``: earliest and latest withdrawal month among them (NaN when
      unknown or not a withdrawal row)
    """
    p = cohort.patients
    out = _withdrawn(p)
    months = (pd.to_numeric(p["withdrawal_month"]).to_numpy(dtype=float, na_value=np.nan)
              if "withdrawal_month" in p else np.full(len(p), np.nan))
    reasons = (p["withdrawal_reason"].astype("str").where(p["withdrawal_reason"].notna(), NOT_RECORDED)
               if "withdrawal_reason" in p else pd.Series(NOT_RECORDED, index=p.index, dtype="str"))
    reasons = reasons.str.strip().replace("", NOT_RECORDED)
    gone = pd.DataFrame({"reason": reasons[out].to_numpy(), "month": months[out]})
    by_reason = (gone.groupby("reason", sort=False)
                 .agg(n=("month", "size"), month_min=("month", "min"), month_max=("month", "max"))
                 .reset_index().sort_values(["n", "reason"], ascending=[False, True], kind="stable"))
    nan = float("nan")
    total = lambda stage, n, lo=nan, hi=nan: {"stage": stage, "level": "total", "reason": "", "n": int(n),
                                              "month_min": lo, "month_max": hi}
    rows = [total("enrolled", len(p)),
            total("withdrawn", out.sum(), *(_range(months[out]))),
            *({"stage": "withdrawn", "level": "reason", "reason": r.reason, "n": int(r.n),
               "month_min": float(r.month_min), "month_max": float(r.month_max)}
              for r in by_reason.itertuples(index=False)),
            total("analysed", (~out).sum())]
    return pd.DataFrame(rows).astype({"stage": "str", "level": "str", "reason": "str", "n": "int64",
                                      "month_min": "float64", "month_max": "float64"})


def _range(values: np.ndarray) -> tuple[float, float]:
    known = values[~np.isnan(values)]
    return (float(known.min()), float(known.max())) if len(known) else (float("nan"), float("nan"))


def demographics(cohort: Cohort, population: Population = "enrolled") -> pd.DataFrame:
    """Sex, age, the paper's age bands, splenectomy and TDT/NTDT, each with n, % and its denominator.

    Parameters
    ----------
    population
        "enrolled" (every patient, as the paper's "General conditions" counts the 52) or
        "analysed" (withdrawn patients left out).

    Returns
    -------
    Columns

    - ``characteristic``: "sex", "age_years", "age_band", "splenectomy" or "thal_type"
    - ``category``: e.g. "M", "F", "12–13", "yes", "TDT"; for ``age_years`` the statistic
      ("median", "minimum", "maximum"); "not recorded" rows appear when values are missing
    - ``n``: patients in the category (for age statistics: patients with a recorded age)
    - ``total``: the denominator, the patients of ``population``
    - ``pct``: 100 × n / total (NaN for age statistics, and when total is 0)
    - ``value``: the age statistic in years (NaN on count rows, and when no age is recorded)
    - ``population``: the denominator's name
    """
    p = cohort.patients
    if population == "analysed":
        p = p[~_withdrawn(p)]
    elif population != "enrolled":
        raise ValueError(f"population must be enrolled or analysed; got {population!r}.")
    total = len(p)
    rows: list[dict[str, object]] = []

    def counts(characteristic: str, labels: pd.Series, categories: tuple[str, ...]) -> None:
        tally = labels.astype("str").fillna(NOT_RECORDED).value_counts()
        extra = [c for c in tally.index if c not in categories and c != NOT_RECORDED]
        for category in (*categories, *sorted(extra), NOT_RECORDED):
            n = int(tally.get(category, 0))
            if n or category in categories:
                rows.append({"characteristic": characteristic, "category": category, "n": n,
                             "value": float("nan")})

    sex = p["sex"] if "sex" in p else pd.Series(pd.NA, index=p.index, dtype="str")
    counts("sex", sex, ("M", "F"))
    age = (pd.to_numeric(p["age_years"]).astype("float64") if "age_years" in p
           else pd.Series(np.nan, index=p.index, dtype="float64"))
    known = age.dropna()
    for stat, value in (("median", known.median()), ("minimum", known.min()), ("maximum", known.max())):
        rows.append({"characteristic": "age_years", "category": stat, "n": len(known),
                     "value": float(value) if len(known) else float("nan")})
    years = age.to_numpy()
    with np.errstate(invalid="ignore"):  # NaN matches no band: "not recorded"
        band_code = np.select([years < 12, years < 14, years <= 18, years > 18], [0, 1, 2, 3], -1)
    band = pd.Series(np.array(AGE_BANDS, dtype=object)[band_code], index=p.index, dtype="str") \
        .where(band_code >= 0)
    counts("age_band", band, AGE_BANDS[1:])
    spleen = p["splenectomy"].map({True: "yes", False: "no"}).astype("str")
    counts("splenectomy", spleen, ("yes", "no"))
    counts("thal_type", p["thal_type"], THAL_TYPES)

    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where((out["characteristic"] != "age_years") & (total > 0), 100 * out["n"] / max(total, 1), np.nan)
    return pd.DataFrame({
        "characteristic": out["characteristic"].astype("str"), "category": out["category"].astype("str"),
        "n": out["n"].astype("int64"), "total": np.int64(total), "pct": pct.astype("float64"),
        "value": out["value"].astype("float64"), "population": population,
    })


def table_1(cohort: Cohort, graded: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 1 for the analysed patients of ``cohort``: counts by genotype combination.

    Parameters
    ----------
    cohort
        The patients to count (e.g. a filtered cohort); withdrawn patients are left out, as in
        the paper's 48.
    graded
        ``thaldash.grading.grade.grade`` of the population that decides the genotype groups (pass the
        full cohort's grading so that a filter never moves a genotype between groups). It must
        contain every analysed patient of ``cohort``; their ``ti_month`` and ``tier`` are used.

    Returns
    -------
    One row per genotype (MaR group first, then SLR/NR group, larger combinations first), then a
    row with ``genotype`` "Total" (``beta_class``, ``tiers_present`` and ``group`` ""):

    - ``genotype``, ``beta_class``
    - ``n_ntdt``, ``n_tdt``: analysed NTDT and TDT patients
    - ``n_tdt_ti_1m``: TDT patients transfusion-independent from month 1 (Table 1, "within 1 m")
    - ``n_tdt_ti_3m``: … from month 3 (Table 1's second "within 1 m" column, read "at 3 months")
    - ``n_tdt_ti_later``: … from a later month (absent from the paper's table)
    - ``n_tdt_not_ti``: TDT patients without a transfusion-independence month: still transfused
      at their last visit, never transfused (``pre_rbc_units_24m`` = 0 and none after), or whose
      independence cannot be evaluated (missing ``rbc_units``)
    - ``n_total``: all analysed patients with the genotype
    - ``tiers_present``: tiers among those patients (e.g. "MaR, SLR")
    - ``group``: "MaR group", "SLR/NR group" or "not evaluable", decided on ``graded``

    Raises
    ------
    ValueError
        When ``graded`` lacks an analysed patient of ``cohort``.
    """
    p = cohort.patients[~_withdrawn(cohort.patients)]
    # Row of each patient in ``graded`` (data.cohort.positions: Series.isin on a million Arrow strings is slow).
    row = positions(graded["patient_id"], p["patient_id"])
    missing = np.flatnonzero(row < 0)
    if len(missing):
        raise ValueError(f"The grading lacks {len(missing)} analysed patient(s) of the cohort (e.g. "
                         f"{p['patient_id'].iloc[missing[0]]}); grade the cohort these patients belong to.")
    ti = graded["ti_month"].to_numpy(dtype=float, na_value=np.nan)[row]
    tier = graded["tier"].to_numpy()[row]
    tdt = (p["thal_type"] == "TDT").to_numpy()
    # One pass of integer counting per column (factorize + bincount), not a groupby per column.
    codes, genotypes = pd.factorize(fill_missing(p["genotype"], "(unknown)"), sort=True)
    k = len(genotypes)
    with np.errstate(invalid="ignore"):
        flags = {
            "n_ntdt": (p["thal_type"] == "NTDT").to_numpy(), "n_tdt": tdt,
            "n_tdt_ti_1m": tdt & (ti <= 1), "n_tdt_ti_3m": tdt & (ti > 1) & (ti <= 3),
            "n_tdt_ti_later": tdt & (ti > 3), "n_tdt_not_ti": tdt & np.isnan(ti),
            "n_total": np.ones(len(p), dtype=bool),
        }
    counts = pd.DataFrame({name: np.bincount(codes[mask], minlength=k) for name, mask in flags.items()},
                          index=pd.Index(np.asarray(genotypes, dtype=object), name="genotype"))
    tier_code = pd.Categorical(tier, categories=TIER_ORDER).codes
    seen = np.zeros((k, len(TIER_ORDER)), dtype=bool)
    seen[codes[tier_code >= 0], tier_code[tier_code >= 0]] = True
    tiers_present = [", ".join(t for t, hit in zip(TIER_ORDER, row) if hit) for row in seen]  # one per genotype
    groups = genotype_groups(graded).set_index("genotype")["group"]
    classes = p.drop_duplicates("genotype").set_index("genotype")["beta_class"] if "beta_class" in p \
        else pd.Series(dtype="str")
    table = counts.assign(
        beta_class=classes.reindex(counts.index).fillna("").astype("str").to_numpy(),
        tiers_present=tiers_present,
        group=groups.reindex(counts.index).fillna("not graded").astype("str").to_numpy(),
    ).reset_index()
    order = table["group"].map({MAR_GROUP: 0, OTHER_GROUP: 1}).fillna(2)
    table = table.assign(_order=order).sort_values(["_order", "n_total", "genotype"],
                                                   ascending=[True, False, True], kind="stable")
    numbers = [c for c in TABLE_1_COLUMNS if c.startswith("n_")]
    total = pd.DataFrame([{"genotype": TOTAL_LABEL, "beta_class": "", "tiers_present": "", "group": "",
                           **{c: int(table[c].sum()) for c in numbers}}])
    out = pd.concat([table[list(TABLE_1_COLUMNS)], total[list(TABLE_1_COLUMNS)]], ignore_index=True)
    return out.astype({c: "int64" for c in numbers} | {c: "str" for c in TABLE_1_COLUMNS if c not in numbers})


def provenance_summary(cohort: Cohort) -> pd.DataFrame:
    """Where the values come from, per measure that has a ``<measure>_provenance`` column.

    Returns
    -------
    One row per measure (empty frame with these columns when there is no provenance column):

    - ``measure``: the column the provenance describes (e.g. ``hb_g_l``, ``sex``)
    - ``counted``: "visits" for visit measures (one value per visit row), "patients" for
      patient-level ones (one value per patient)
    - ``published``, ``derived``, ``assumed``, ``not_recorded``: counts
    - ``total``: visit rows or patients counted
    """
    columns = [c for c in [*cohort.patients.columns, *cohort.visits.columns] if str(c).endswith("_provenance")]
    keys = ["published", "derived", "assumed", "not_recorded"]
    if not columns:
        return pd.DataFrame({"measure": pd.Series(dtype="str"), "counted": pd.Series(dtype="str"),
                             **{k: pd.Series(dtype="int64") for k in [*keys, "total"]}})
    rows = []
    for column in columns:
        measure = str(column).removesuffix("_provenance")
        per_patient = measure in COLUMNS and COLUMNS[measure].level == "patient"
        values = (cohort.patients if per_patient else cohort.visits)[column]
        tally = values.value_counts()
        rows.append({"measure": measure, "counted": "patients" if per_patient else "visits",
                     **{k: int(tally.get(k, 0)) for k in PROVENANCE_VALUES},
                     "not_recorded": int(values.isna().sum()), "total": len(values)})
    return pd.DataFrame(rows)[["measure", "counted", *keys, "total"]]
