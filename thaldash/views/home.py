"""The home page: what the cohort is, its key numbers under the selected grading and filters, where to look."""

from __future__ import annotations

from dataclasses import dataclass

from thaldash.grading.summary import tier_table
from thaldash.reports.reproduction import report_counts
from thaldash.views.blocks import PageView, Stat
from thaldash.views.context import ViewContext
from thaldash.views.reproduction import paper_report, reproduced_stat
from thaldash.views.response import headline

PAGE = "Home"
BUNDLED_INTRO = (
    "Forty-eight patients with β-thalassaemia (34 transfusion-dependent, 14 not; 52 enrolled, 4 withdrew) "
    "took thalidomide for 24 months (Yang et al., *BMC Medical Genomics* 2024;17:191). The paper "
    "publishes aggregates and a few individual patients only, so the bundled cohort is a **reconstruction**: "
    "patients rebuilt to match the published tables, each value labelled as published, derived from "
    "published aggregates, or assumed. It is not the investigators' patient-level data.")
OTHER_INTRO = "This is your own cohort file, not the bundled reconstruction of the paper's cohort."
"""Each page (its title) and what it shows, for the home page's list."""


@dataclass(frozen=True, eq=False)
class HomeView:
    """The home page's introduction (Markdown written here, no data in it) and key numbers."""

    intro: str
    headlines: tuple[Stat, ...]

    def page(self) -> PageView:
        return PageView(PAGE, self.headlines)


def home_view(ctx: ViewContext) -> HomeView:
    """The home page of ``ctx``: analysed patients, ORR and MaR of the filtered patients under the view's
    grading; for the bundled cohort how many published numbers the whole file reproduces, for another
    file its size (the paper's numbers describe the paper's cohort only)."""
    graded = ctx.graded()
    tiers = tier_table(graded).set_index("tier")
    headlines = [
        Stat("analysed", "Analysed patients", f"{len(graded)}", detail=f"{int(tiers.loc['not evaluable', 'n'])} not "
             "evaluable"),
        headline("orr", "Overall response rate (MaR + MiR + SLR)", tiers.loc["ORR"], "patients"),
        headline("mar", "Major response (MaR)", tiers.loc["MaR"], "patients"),
    ]
    if ctx.bundled:
        counts = report_counts(paper_report(ctx)).set_index("status")["n"]
        headlines.append(reproduced_stat(counts, "Published numbers reproduced", detail=(
            f"{counts['documented contradiction']} documented contradictions in the paper; whole file, the paper's "
            "rules")))
    else:
        patients = ctx.cohort.patients
        headlines.append(Stat("patients", "Patients in the file", f"{len(patients)}", detail=(
            f"{int(patients['withdrawn'].sum())} withdrawn; the Reproduction page sets this cohort beside the "
            "published study")))
    return HomeView(BUNDLED_INTRO if ctx.bundled else OTHER_INTRO, tuple(headlines))
