"""The home page: what the cohort is, its key numbers under the selected grading and filters, where to look.

TDT and NTDT apart, per protocol beside intention to treat: every NTDT of the paper was never
transfused, so all are MaR by rule, and a pooled rate says little about the drug."""

from __future__ import annotations

from dataclasses import dataclass

from thaldash.analyses.headlines import response_headlines
from thaldash.grading.summary import tier_table
from thaldash.views.blocks import PageView, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.headlines import ITT, headline_stat, headline_table

PER_PROTOCOL = "per-protocol"

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
    """The home page's introduction (Markdown written here, no data in it), its key numbers in rows
    (``headlines``: the patients and the published numbers; ``tdt``; ``others``: NTDT and pooled)
    and every headline rate in one table (``rates``)."""

    intro: str
    headlines: tuple[Stat, ...]
    tdt: tuple[Stat, ...]
    others: tuple[Stat, ...]
    rates: Table

    def page(self) -> PageView:
        return PageView(PAGE, (*self.headlines, *self.tdt, *self.others, self.rates))


def home_view(ctx: ViewContext) -> HomeView:
    """The home page of ``ctx``: analysed patients, then the response rates of the filtered patients under
    the view's grading, TDT and NTDT apart, per protocol and intention to treat
    (``response_headlines(grade(filtered, rules, include_withdrawn=True))``); for the bundled cohort how
    many published numbers the whole file was fitted to, for another file its size (the paper's numbers
    describe the paper's cohort only)."""
    graded = ctx.graded()
    tiers = tier_table(graded).set_index("tier")
    rows = response_headlines(ctx.graded_everyone())
    headlines = [Stat("analysed", "Analysed patients", f"{len(graded)}", detail=(
        f"{int(tiers.loc['not evaluable', 'n'])} not evaluable"))]
    if ctx.bundled:
        # Imported here: the reproduction report needs scipy.stats (seconds of a cold start), and only the
        # bundled reconstruction is compared with the paper.
        from thaldash.reports.reproduction import match_label, report_counts
        from thaldash.views.reproduction import paper_report

        counts = report_counts(paper_report(ctx))
        n = counts.set_index("status")["n"]
        headlines.append(Stat("reproduced", match_label(reconstruction=True), f"{n['match']} of {n['total']}",
                              detail=f"a reconstruction made to match them, not a validation; "
                                     f"{n['documented contradiction']} documented contradictions in the paper; whole "
                                     "file, the paper's rules"))
    else:
        patients = ctx.cohort.patients
        headlines.append(Stat("patients", "Patients in the file", f"{len(patients)}", detail=(
            f"{int(patients['withdrawn'].sum())} withdrawn; the Reproduction page sets this cohort beside the "
            "published study")))
    tdt = tuple(headline_stat(ctx, rows, "TDT", endpoint, analysis) for endpoint, analysis in (
        ("ORR", PER_PROTOCOL), ("ORR", ITT), ("MaR", PER_PROTOCOL), ("transfusion-free", PER_PROTOCOL)))
    others = tuple(headline_stat(ctx, rows, population, endpoint, analysis) for population, endpoint, analysis in (
        ("NTDT", "MaR", PER_PROTOCOL), ("all", "ORR", PER_PROTOCOL), ("all", "ORR", ITT)))
    return HomeView(BUNDLED_INTRO if ctx.bundled else OTHER_INTRO, tuple(headlines), tdt, others,
                    headline_table(ctx, rows))
