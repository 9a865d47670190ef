"""The pages of the app, in one table: the sidebar, the Home page's guide and every link read it.

Streamlit names a page after its file (``pages/8_Patient.py`` opens at ``/Patient``); a link is
made from the table, so renaming a page is one edit here. ``tests/pages/test_navigation_table.py``
checks that every file in ``pages/`` is listed and every listed file exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from thaldash import REPO_DIR
from thaldash.ui.widgets import plain
from thaldash.views.registry import page_slug


@dataclass(frozen=True)
class Page:
    """One page: its script (relative to the app), sidebar label and what it is for."""

    path: str
    label: str
    summary: str = ""

    @property
    def slug(self) -> str:
        """The namespace of the page's own URL settings (``page_slug`` of its title)."""
        return page_slug(self.label)

    @property
    def url_path(self) -> str:
        """The page's address relative to the app: the file name without its number (``Patient``)."""
        if self.path == "app.py":
            return ""
        return re.sub(r"^\d+_", "", self.path.removeprefix("pages/").removesuffix(".py"))


PAGES: tuple[Page, ...] = (
    Page("app.py", "Home", "what the cohort is, its key numbers, and where to look"),
    Page("pages/1_Overview.py", "Overview", "study flow 52 → 48, demographics, Table 1 by genotype"),
    Page("pages/15_Centres.py", "Centres",
         "patients, withdrawals, visit completeness and response per centre, and whether response differs"),
    Page("pages/2_Response.py", "Response",
         "tiers and ORR with exact CIs, transfusion independence, by genotype, type and splenectomy"),
    Page("pages/3_Trajectories.py", "Trajectories",
         "Hb, HbF and ferritin over 24 months by group, patient lines, missing visits; Fig. 2"),
    Page("pages/4_Comparisons.py", "Comparisons",
         "two groups by month in the layout of Tables 4–7 and 10, the test named beside every P"),
    Page("pages/5_Change_and_correlation.py", "Change and correlation",
         "within-patient change (Table 9) and baseline HbF vs Hb rise (Fig. 3)"),
    Page("pages/6_What-if.py", "What-if", "change the grading rules and see who moves, and where the conclusions tip"),
    Page("pages/7_Transfusion_and_iron.py", "Transfusion and iron",
         "units before and after, reductions, the transfusion timeline, chelation stops"),
    Page("pages/8_Patient.py", "Patient", "one patient's course, tier and the rule that decided it"),
    Page("pages/11_Genotype_look-up.py", "Genotype look-up",
         "one genotype, allele or β class: independence with its interval, the paper's Table 1 row, the claim tested"),
    Page("pages/12_Independence.py", "Independence",
         "time to transfusion independence, its durability, and who becomes independent (Firth model, ROC)"),
    Page("pages/13_Safety.py", "Safety", "adverse events and withdrawals as n/52 with exact intervals"),
    Page("pages/14_Dose_and_NTDT.py", "Dose and NTDT", "response by thalidomide dose, and an Hb endpoint for NTDT"),
    Page("pages/9_Reproduction.py", "Reproduction",
         "every number the paper prints beside the same number from this cohort"),
    Page("pages/10_Data.py", "Data", "the data contract, this file's checks and provenance, upload your own cohort"),
)
BY_LABEL: dict[str, Page] = {p.label: p for p in PAGES}
PATIENT = BY_LABEL["Patient"]


def sidebar_links() -> None:
    """The page list at the top of the sidebar (Streamlit's own is off: it would name Home "app")."""
    for page in PAGES:
        try:
            st.sidebar.page_link(page.path, label=page.label)
        except StreamlitAPIException:
            # A page run on its own (AppTest.from_file on one page) has no app around it to link to.
            return
    st.sidebar.divider()


def link(label: str, text: str | None = None, *, query: dict[str, str] | None = None) -> None:
    """A link to the page named ``label``; ``text`` is shown escaped (it may carry data), never as markup."""
    page = BY_LABEL[label]
    if not (REPO_DIR / page.path).exists():
        return
    try:
        st.page_link(page.path, label=plain(text or page.label), query_params=query)
    except StreamlitAPIException:  # run on its own, outside the app
        return


_GUIDE_KEY = "thaldash.guide"


def guide() -> None:
    """Every page but Home with what it is for, as one choice (the Home page's "Where to look").

    One element, where a link per page sent fifteen on every rerun (each re-sent and redrawn by the
    browser, BENCHMARKS.md "Fewer elements per rerun"). Choosing a page opens it in this session with
    its filters (``follow_guide``, called first on Home), as a page link does; a Markdown link would
    load the app anew in another tab.
    """
    pages = [page for page in PAGES[1:] if (REPO_DIR / page.path).exists()]
    st.radio("Choose a page to open it; the filters and grading chosen here come along.", [page.label for page in pages],
             index=None, key=_GUIDE_KEY, format_func=lambda label: f"**{plain(label)}**",
             captions=[plain(page.summary) for page in pages])


def follow_guide() -> None:
    """Open the page chosen in ``guide`` in the run that follows the choice; call it before Home draws anything."""
    label = st.session_state.pop(_GUIDE_KEY, None)  # Home shows the guide unchosen when it is opened again
    if label not in BY_LABEL:
        return
    try:
        st.switch_page(BY_LABEL[label].path)
    except StreamlitAPIException:  # run on its own, outside the app
        return
