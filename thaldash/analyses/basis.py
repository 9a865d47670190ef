"""What a clinical result rests on: the loaded file, or on the bundled cohort a published count or an assumption.

Every result of the clinical views (genotype look-up, independence, safety, dose) carries a
``basis`` column with one of these sentences, so a reader of the bundled reconstruction knows
whether a number is the paper's own or depends on how the reconstruction filled the gaps.
"""

from __future__ import annotations

FILE = "computed from the loaded file"
PUBLISHED = "does not depend on the reconstruction's assumptions: "
ASSUMED = "depends on the reconstruction's assumptions: "

TABLE_1 = "Table 1's published counts per genotype (the reconstruction was fitted to them)"
TI_TIMING = "Table 1 and the Results publish independence within 1 month (16) and at 3 months (5)"
TI_LASTING = ("the paper does not report whether independence lasted; the reconstruction keeps every "
              "independent patient free of transfusion to month 24")
HBF_BASELINE = ("baseline HbF is not printed per patient; the reconstruction derived it from group means "
                "and SDs (Tables 5 and 7) and assumed the rest")
BETA_CLASS = "β class follows from Table 1's genotypes (CD43 read as β0, C8)"
REDUCTION = ("reductions of the 13 still-transfused patients are Table 3's; those of the 21 independent "
             "patients depend on assumed pre-enrolment volumes")
HB_RISE = "Hb at 0 and 6 months follows Tables 2–3; Hb at 12–24 months is derived, at 18 months assumed"
DOSE = ("dose follows the Methods' rule (37.5 mg/day under 14 years) from ages that are mostly assumed "
        "within the published totals")
PAPER_EVENTS = "the paper's printed counts of the 52 enrolled (Results)"
SELECTION = ("a selection of the reconstruction, made by the sidebar: which patients it keeps may rest on "
             "assumed attributes (sex, age, splenectomy)")


def basis(bundled: bool, *, published: str | None = None, assumed: str | None = None) -> str:
    """The ``basis`` sentence of a result: ``FILE`` for another cohort; on the bundled cohort,
    ``assumed`` when given (it depends on the reconstruction), else ``published``."""
    if not bundled:
        return FILE
    if assumed:
        return ASSUMED + assumed
    return PUBLISHED + (published or "published numbers")
