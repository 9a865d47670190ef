"""Which groupings are defined by the outcome, written once: their P values are descriptive.

A genotype combination is in the paper's "MaR group" when all its patients responded; a response
tier is the response itself. Compare such groups on Hb at 6 months and the difference is there by
construction (P = 2.5e-8 on the bundled cohort): the patients were sorted by how their Hb and
transfusions went. Only the baseline comparison (month 0, before treatment) can be read as a
finding, and then as "what distinguished the later responders". Groupings by attributes fixed at
enrolment (type, splenectomy, sex, genotype, β class) carry no such caveat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class GroupingInfo:
    """What a grouping is made of, for the caveat a page or report puts beside its P values."""

    name: str
    noun: str
    outcome_defined: bool
    basis: str


GROUPING_INFO: dict[str, GroupingInfo] = {g.name: g for g in (
    GroupingInfo("genotype_group", "genotype groups", True,
                 "a combination is in the MaR group when all its patients are MaR"),
    GroupingInfo("tier", "response tiers", True, "a tier is the response itself"),
    GroupingInfo("thal_type", "TDT and NTDT", False, "the type at enrolment"),
    GroupingInfo("splenectomy", "splenectomy groups", False, "a splenectomy before enrolment"),
    GroupingInfo("sex", "sexes", False, "sex"),
    GroupingInfo("genotype", "genotypes", False, "the genotype"),
    GroupingInfo("beta_class", "β0/β+ classes", False, "the β0/β+ class"),
    GroupingInfo("age_band", "age bands", False, "the age at enrolment"),
    GroupingInfo("genotype_sets", "genotype sets", False,
                 "genotypes chosen by the user (if chosen by response, read the P values as descriptive)"),
)}
OUTCOME_MEASURES: frozenset[str] = frozenset({"hb_rise", "reduction_pct"})
"""Per-patient measures that are the outcome the tiers are graded on."""


def is_outcome_defined(grouping: str | None) -> bool:
    """Whether ``grouping`` sorts patients by their response (unknown names: False)."""
    info = GROUPING_INFO.get(grouping or "")
    return bool(info and info.outcome_defined)


def grouping_caveat(grouping: str | None) -> str:
    """The one line a page shows above comparisons or plots of ``grouping``; "" when none is needed."""
    if not is_outcome_defined(grouping):
        return ""
    info = GROUPING_INFO[grouping]
    return (f"The {info.noun} are defined by the outcome ({info.basis}): later differences between them are "
            "there by construction, so P values after baseline are descriptive, not evidence; the baseline "
            "(month 0) comparison is the one that can be read.")


def with_p_reading(result: pd.DataFrame, *, grouping: str | None = None, measure: str | None = None) -> pd.DataFrame:
    """``result`` (comparison rows with ``month``) plus ``p_descriptive`` and ``p_note``.

    ``p_descriptive`` is True where the groups are defined by the outcome (``is_outcome_defined``)
    and the comparison is after baseline (month > 0) or of the outcome itself (``hb_rise``,
    ``reduction_pct``); ``p_note`` says why ("" when the P can be read as a test). The
    ``grouping`` and ``measure`` columns of ``result`` are used when present.
    """
    index = result.index
    groupings = result["grouping"].astype(str) if "grouping" in result else pd.Series(grouping or "", index=index)
    measures = result["measure"].astype(str) if "measure" in result else pd.Series(measure or "", index=result.index)
    month = (pd.to_numeric(result["month"]).to_numpy(dtype=float, na_value=np.nan) if "month" in result
             else np.full(len(result), np.nan))
    outcome = np.array([is_outcome_defined(g) for g in groupings], dtype=bool)
    of_outcome = measures.isin(OUTCOME_MEASURES).to_numpy()
    later = np.where(np.isnan(month), of_outcome, month > 0)
    descriptive = outcome & (later | of_outcome)
    notes = [
        (f"descriptive: the {GROUPING_INFO[g].noun} are defined by the outcome, "
         "so a difference " + ("in the outcome itself" if of else "after baseline") + " is there by construction")
        if d else ("baseline: groups defined by the later response; read as what distinguished them before "
                   "treatment" if o else "")
        for g, d, o, of in zip(groupings, descriptive, outcome, of_outcome)]
    return result.assign(p_descriptive=descriptive, p_note=pd.Series(notes, index=result.index, dtype="str"))
