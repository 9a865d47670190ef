"""The Reproduction page: each number the paper prints beside the same number computed from the loaded file.

The published numbers describe the whole cohort graded under the paper's rules, so this view reads
the whole file (``ctx.cohort``) and never the sidebar's filter or grading.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass

import pandas as pd

from thaldash.published.numbers import contradictions, published_numbers
from thaldash.reports.reproduction import match_label, report_counts, reproduction_report
from thaldash.views.blocks import Col, PageView, Stat, Table
from thaldash.views.context import PAPER_RULES, ViewContext
from thaldash.views.params import Param

PAGE = "Reproduction"
SHOW: dict[str, str] = {"all": "Every number", "misses": "Only what does not match",
                        "contradictions": "Documented contradictions"}
BUNDLED_INTRO = ("The bundled cohort is a reconstruction from the paper's published aggregates, fitted to the numbers "
                 "the paper prints: this page sets it beside every one of them. A match shows the fit, not a "
                 "validation of the paper or of the drug.")
OTHER_INTRO = ("**Your cohort beside the published study**: the paper's numbers next to the same quantities computed "
               "from your file. Differences are expected — it is another cohort.")
RULE = ("All patients of the loaded file and the paper's grading rules, whatever the sidebar says: the published "
        "numbers describe the whole cohort. A number matches when the computed value prints as the published one at "
        "the paper's precision (half-up rounding; \"< 0.001\" means below 0.001).")


@dataclass(frozen=True, eq=False)
class ReproductionView:
    """The Reproduction page for one selection of rows (``show``, ``sources``)."""

    intro: str
    headlines: tuple[Stat, ...]
    rows: Table
    contradictions: Table

    def page(self) -> PageView:
        return PageView(PAGE, (*self.headlines, self.rows, self.contradictions))


def paper_report(ctx: ViewContext) -> pd.DataFrame:
    """``reproduction_report`` of the whole file under the paper's rules (the published numbers were graded so)."""
    return reproduction_report(ctx.cohort, ctx.tabulator(ctx.cohort, PAPER_RULES))


@functools.cache  # asked on every rerun (the page's choices); the paper does not change
def printed_sources() -> tuple[str, ...]:
    """Where the paper prints its numbers ("Abstract", "Table 1", …), in the paper's order."""
    return tuple(dict.fromkeys(published_numbers()["source"]))


def shown_rows(report: pd.DataFrame, *, show: str = "all", sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of ``report`` a reader asked for: every number, the misses, or the documented contradictions,
    printed in any of ``sources`` (all when empty)."""
    if show not in SHOW:
        raise ValueError(f"show: {show!r} is not one of {', '.join(SHOW)}")
    keep = pd.Series(True, index=report.index)
    if show == "misses":
        keep &= report["status"] != "match"
    elif show == "contradictions":
        keep &= report["contradiction"] != ""
    if sources:
        keep &= report["source"].isin(sources)
    return report[keep].reset_index(drop=True)


def reproduced_stat(counts: pd.Series, *, reconstruction: bool) -> Stat:
    """"x of y" published numbers matched (``report_counts`` indexed by status), under
    ``reports.reproduction.match_label``: on the bundled reconstruction the numbers it was fitted to, not
    a validation."""
    detail = ("a reconstruction made to match them, not a validation" if reconstruction
              else "published numbers this cohort reproduces")
    return Stat("reproduced", match_label(reconstruction=reconstruction), f"{counts['match']} of {counts['total']}",
                detail=detail)


def reproduction_view(ctx: ViewContext, *, show: str = "all", sources: tuple[str, ...] = ()) -> ReproductionView:
    """The Reproduction page of the file of ``ctx`` (whatever its filter and grading)."""
    report = paper_report(ctx)
    counts = report_counts(report).set_index("status")["n"]
    headlines = (
        reproduced_stat(counts, reconstruction=ctx.bundled),
        Stat("contradictions", "Documented contradictions", f"{counts['documented contradiction']}",
             detail="the paper contradicts itself: no cohort can match both sides"),
        Stat("misses", "Other misses", f"{counts['miss']}"),
        Stat("not_computable", "Not computable", f"{counts['not in this cohort']}",
             detail="e.g. the paper's named patients"))
    rows = shown_rows(report, show=show, sources=tuple(sources))
    where = f" printed in {', '.join(sources)}" if sources else ""
    table = Table("reproduction", "The paper's numbers beside this cohort's", rows, {
        "source": Col("Printed in"), "location": Col("Row and column"), "printed": Col("Published"),
        # A whole number from 1 to k − 1 in Computed is read as a count (most are: patients per genotype, per
        # tier); its status would say whether it equals the printed number, so it goes with it in a download.
        "computed": Col("Computed", count=True, fraction=True), "status": Col("Status", from_counts=True),
        "contradiction": Col("Contradiction")},
        caption=f"{len(rows)} of {len(report)} published numbers shown ({SHOW[show].lower()}{where}). {RULE}",
        notes="\n".join(s.text() for s in headlines))
    found = contradictions()
    explained = Table("contradictions", "Where the paper contradicts itself", found, {
        "id": Col("Id", width="small"), "title": Col("Contradiction"), "evidence": Col("Evidence", width="large"),
        "decision": Col("Decision"), "reason": Col("Why", width="large")},
        caption="Each pair of published numbers that no cohort can match together, the side kept and why "
                "(data/contradictions.csv).",
        notes="\n".join(f"{r.id}: {r.title}" for r in found.itertuples()))
    return ReproductionView(BUNDLED_INTRO if ctx.bundled else OTHER_INTRO, headlines, table, explained)


PARAMS: tuple[Param, ...] = (Param("show", "all", tuple(SHOW)),
                             Param("sources", (), lambda ctx, _: printed_sources()))
"""The page's own settings (``views.params``): which published numbers are listed."""
