"""The one call every page makes first: ``frame = page_frame("Response")``.

It sets the page up (config, presentation style), loads and checks the data, draws the shared
sidebar (patient filters, grading scenario, presentation mode), keeps the view in the URL, and
hands the page a frozen ``Frame``. See ``thaldash.ui.state`` for how state survives page
switches and shared links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from thaldash.charts.palette import BLUE as ACCENT, FONT  # export.deck.house.ACCENT, without its imports
from thaldash.data.bundled import digest_is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import LoadResult
from thaldash.data.schedule import DEFAULT_SCHEDULE, SCHEDULES
from thaldash.data.disclosure import default_min_cell
from thaldash.data.memory import return_memory_as_freed
from thaldash.export.files import with_notes
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import rules_from_params, rules_to_params
from thaldash.ui import caching, state
from thaldash.ui.deck_panel import deck_panel
from thaldash.ui.data_source import KIND_TEXT, Source, load_current, problems_table, result_summary, upload_panel
from thaldash.ui.navigation import page_slug, sidebar_links
from thaldash.ui.sidebar import (FILTER_WIDGETS, data_panel, data_params, filter_panel, grading_lines,
                                 grading_panel)
from thaldash.ui.widgets import Actions, chart, plain, table
from thaldash.views.context import ViewContext
from thaldash.views.deck import GLOBAL_NAMES, MIN_CELL, PRESENT, SCHEDULE
from thaldash.views.registry import declared_param

_SOURCE_KEY = "thaldash.source_sha256"
GLOBAL_PARAMS: frozenset[str] = GLOBAL_NAMES
DECLARED: Any = object()
"""``Frame.param``'s default when the page's view declares the setting (``views.params``)."""
# Larger type for a projector: Streamlit sizes text in rem, so the root size scales it all (tables
# draw on a canvas at their own size; CSS zoom would scale them but breaks their width). The deck's
# look: the house font (charts.palette.FONT, the slides' and the charts' family) and the accent bar
# under the title that every slide has. Static text only: no data value ever goes into this HTML.
_PRESENTATION_CSS = f"""<style>
html {{ font-size: 20px; }}
.stApp p, .stApp li, .stApp h1, .stApp h2, .stApp h3 {{ font-family: {FONT}; }}
.stApp h1 {{ border-bottom: 4px solid {ACCENT}; padding-bottom: .3rem; }}
[data-testid="stMetricValue"] {{ font-size: 3.2rem !important; }}
</style>"""


@dataclass(frozen=True, eq=False)
class Frame:
    """What a page gets from ``page_frame``.

    Attributes
    ----------
    page
        The page's slug (from its title), the namespace of its own URL params.
    cohort
        The full validated cohort (all patients, withdrawn included).
    filtered
        The cohort after the sidebar filter (withdrawn left out unless the filter includes them).
    filter
        The sidebar filter.
    rules
        The grading rules of the selected scenario (with any thresholds carried in the URL).
    scenario
        The scenario's name, with " (modified)" when thresholds differ from it.
    source
        ``name``, ``sha256`` and ``kind`` ("upload", "--data", "env", "bundled") of the data.
    presentation
        Presentation mode: larger type, fewer controls (pages may skip secondary widgets).
    footer
        The provenance footer for exports (``thaldash.export.files.footer_text``): one "key: value" line
        each for the data file and its short hash, the patients (filter and n), the grading, the date.
    load
        The load of the data (``LoadResult``: the file's problems and counts), for the Data page.
    rules_problem
        Set by ``refresh_rules`` only: why the rule controls' values are not applied, or None.
    schedule
        How visits off the study schedule are read (``data.schedule.SCHEDULES``); grading reads the recorded months.
    min_cell
        k of the downloads' small-cell guard (counts 1 … k − 1 shown as "< k", ``data.disclosure``); None for
        the bundled reconstruction, which holds no patient.

    A page that edits the shared grading rules (the what-if page) draws one control per rule with
    ``key=frame.rule_key(name)``, ``on_change=frame.rules_changed`` and no value of its own, inside
    a fragment that starts with ``frame = frame.refresh_rules()``; a button that applies whole
    rules uses ``on_click=frame.set_rules, args=(scenario_name, rules)``.
    """

    page: str
    cohort: Cohort
    filtered: Cohort
    filter: CohortFilter
    rules: GradingRules
    scenario: str
    source: Source
    presentation: bool
    footer: str
    load: LoadResult | None = field(default=None, repr=False)
    rules_problem: str | None = None
    schedule: str = DEFAULT_SCHEDULE
    min_cell: int | None = None
    # Where page_frame wrote its grading lines (under the title, in the sidebar), for refresh_rules.
    _slots: tuple[Any, Any] = field(default=(None, None), repr=False)
    # The page's settings read in this run, by name: a declared default or choice may depend on them.
    _read: dict[str, Any] = field(default_factory=dict, repr=False)
    _notes: tuple[str, ...] = field(default=(), repr=False)

    @property
    def enrolled(self) -> Cohort:
        """The filtered cohort with withdrawn patients kept, whatever the checkbox (study flow,
        demographics: the paper counts its 52 enrolled there)."""
        return caching.filtered(self.cohort, replace(self.filter, include_withdrawn=True))

    @property
    def graded(self) -> pd.DataFrame:
        """``grade(filtered, rules)`` for the analysed patients of the filtered cohort (cached)."""
        return caching.graded(self.filtered, self.rules)

    def context(self) -> ViewContext:
        """This view for the page views of ``thaldash.views`` (gradings from the app's caches)."""
        return ViewContext(cohort=self.cohort, filtered=self.filtered, filter=self.filter, rules=self.rules,
                           scenario=self.scenario, bundled=digest_is_reconstruction(self.source.sha256),
                           presentation=self.presentation, grader=caching.graded, tabulator=caching.patient_table,
                           everyone_grader=caching.graded_everyone, schedule=self.schedule,
                           scheduler=caching.scheduled)

    def key(self, name: str) -> str:
        """The widget key a page gives to the widget of its param ``name``."""
        return state.widget_key(name, self.page)

    def param(self, name: str, default: Any = DECLARED, choices: Sequence[Any] | None = None, *,
              minimum: float | None = None, maximum: float | None = None) -> Any:
        """A page setting kept in the URL; returns its value for this run and seeds its widget.

        Usage::

            measure = frame.param("measure")      # as the page's view declares it (its module's PARAMS)
            st.selectbox("Measure", MEASURES, key=frame.key("measure"))

        With ``name`` only, the default and the choices are the page's declaration (``views.params.Param``,
        which ``python -m thaldash deck`` reads too), computed for this view and the settings this page
        read before it. ``default``'s type decides the value's type: str, bool, int, float, or tuple of
        str (for a multiselect). A value outside ``choices`` (each element, for a tuple) or outside
        [``minimum``, ``maximum``] falls back to ``default``. Draw the widget without a
        default/index/value of its own: it takes the value from its key.
        """
        if name in GLOBAL_PARAMS:
            raise ValueError(f"Page param {name!r} would clash with the shared URL state; rename it.")
        if default is DECLARED:
            spec = declared_param(self.page, name)
            ctx = self.context()
            default, choices = spec.default_for(ctx, self._read), spec.choices_for(ctx, self._read)
            minimum, maximum = spec.minimum, spec.maximum
        value = state.page_param(self.page, name, default, choices, minimum=minimum, maximum=maximum)
        self._read[name] = value
        return value

    def table(self, frame: pd.DataFrame, name: str, *, notes: Sequence[str] = (), **kwargs: Any) -> None:
        """``widgets.table`` with this view's footer (plus ``notes``), presentation mode and small-cell guard (CSV
        download); pass ``counts=`` (and ``derived=``) naming the columns that count patients."""
        table(frame, name=name, footer=with_notes(self.footer, notes), presentation=self.presentation,
              min_cell=self.min_cell, **kwargs)

    def chart(self, figure: alt.TopLevelMixin, name: str, *, stretch: bool = True, more: Actions | None = None,
              notes: Sequence[str] = ()) -> None:
        """``widgets.chart`` with this view's footer (plus ``notes``), presentation mode and small-cell guard (PNG/SVG
        downloads)."""
        chart(figure, name=name, footer=with_notes(self.footer, notes), presentation=self.presentation,
              stretch=stretch, more=more, min_cell=self.min_cell)

    rule_key = staticmethod(state.rule_widget_key)
    rules_changed = staticmethod(state.rules_changed)
    set_rules = staticmethod(state.set_rules)

    def refresh_rules(self) -> Frame:
        """This frame with the shared grading as it is now; call first in a fragment that edits it.

        A fragment rerun skips ``page_frame``, so after a rule control's callback the title line,
        the sidebar note and the URL would still show the last full run's rules: this redraws them,
        seeds the rule controls (unless their values are refused, see ``rules_problem``) and returns
        the frame with this moment's ``rules``, ``scenario``, ``footer`` and ``rules_problem``.
        """
        problem = state.rules_problem()
        name, rules = state.shared_rules()
        scenario, footer = grading_lines(self.source, self.filter, len(self.filtered.patients), name, rules,
                                          *self._slots, notes=self._notes)
        state.mirror_to_url(st.session_state[state.VIEW_KEY] | state.page_params(self.page))
        return replace(self, rules=rules, scenario=scenario, footer=footer, rules_problem=problem)

    def footer_caption(self) -> None:
        """The footer as one grey line under the page's content (escaped: it holds data labels)."""
        st.caption(plain(" · ".join(self.footer.splitlines())))


def _presentation(params: dict[str, str]) -> bool:
    widget = state.widget_key(PRESENT)
    if widget in st.session_state:
        return bool(st.session_state[widget])
    return params.get(PRESENT, "") in ("1", "true", "yes")


def _invalid_source(source: Source, result: LoadResult) -> None:
    st.title("The data cannot be shown")
    st.error(f"{plain(source.name)} ({KIND_TEXT[source.kind]}) cannot be used: {result_summary(result)}. "
             "Correct the file, or upload a valid one for this browser session below. Every problem found:")
    problems_table(result)
    upload_panel(key="invalid")
    st.stop()


_BAD_LINK_KEY = "thaldash.bad_link"


def page_frame(title: str, icon: str | None = None, *, require_patients: bool = True) -> Frame:
    """Set up the page and return its ``Frame``; call it first, once, on every page.

    Draws the page title and, under it, one line naming the patients shown and the grading.
    Stops the page (``st.stop``) with a message, never an exception, when the data cannot be used
    or, with ``require_patients``, when the filter leaves no patients. A link whose settings break
    the page falls back to the default view, with a warning saying so, instead of an error that
    would follow the session to every page.

    Parameters
    ----------
    title
        Page title (browser tab and heading); its slug namespaces the page's own URL params.
    icon
        An emoji for the browser tab. ``:material/…:`` icons are ignored: Streamlit fetches them
        from fonts.gstatic.com, and the app makes no request to another host.
    require_patients
        False for pages that work without patients (the Data page).
    """
    slug = page_slug(title)
    try:
        return _page_frame(title, slug, icon, require_patients)
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
        # Streamlit's own stop and rerun are BaseExceptions and pass through. Forget the view the link
        # asked for (it would break every later run of this session) and start again from the defaults.
        state.forget_view(slug, FILTER_WIDGETS)
        st.session_state[_BAD_LINK_KEY] = f"{type(exc).__name__}: {exc}"
        st.query_params.clear()
        st.rerun()


def _page_frame(title: str, slug: str, icon: str | None, require_patients: bool) -> Frame:
    return_memory_as_freed()  # once per server process: a large cohort's temporaries go back to the system
    params = state.start(slug, GLOBAL_PARAMS)
    presentation = _presentation(params)
    if icon is not None and icon.startswith(":material"):
        icon = None
    st.set_page_config(page_title=f"{title} · thaldash", page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if presentation else "expanded")
    if presentation:
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)  # static CSS only
    source, result = load_current()
    if not result.ok:
        _invalid_source(source, result)
    cohort = result.cohort
    options = caching.filter_options(cohort)
    if st.session_state.get(_SOURCE_KEY, cohort.sha256) != cohort.sha256:
        # Other data: widget values (an age range, a genotype) meant something else; reseed them
        # from the canonical state, which is checked against the new data's choices just below.
        state.reset_widgets(FILTER_WIDGETS)
    st.session_state[_SOURCE_KEY] = cohort.sha256
    flt, warnings = CohortFilter.from_params(params, options)
    name, rules, rule_warnings = rules_from_params(params)
    schedule, min_cell, data_warnings = data_params(params)
    warnings = [*warnings, *data_warnings]
    bad_link = st.session_state.pop(_BAD_LINK_KEY, None)
    if bad_link:
        warnings = [f"The link's settings could not be shown ({bad_link}); this is the default view.", *warnings]

    sidebar_links()
    box = st.sidebar.expander("Patients and grading") if presentation else st.sidebar.container()
    box.subheader("Patients")
    flt, filtered = filter_panel(flt, options, cohort, box)
    box.subheader("Grading")
    name, rules = grading_panel(name, rules, box)
    note = box.empty()
    bundled = digest_is_reconstruction(source.sha256)
    schedule, shown_min_cell = data_panel(schedule, min_cell, cohort, bundled, box)
    state.seed(state.widget_key(PRESENT), presentation)
    presentation = st.sidebar.toggle("Presentation mode", key=state.widget_key(PRESENT),
                                     help="Larger type and fewer controls, for a meeting-room screen.")
    st.sidebar.caption(f"Data: {plain(source.describe())}")

    view = (flt.to_params() | rules_to_params(name, rules) | ({PRESENT: "1"} if presentation else {})
            | ({SCHEDULE: schedule} if schedule != DEFAULT_SCHEDULE else {})
            | ({MIN_CELL: str(shown_min_cell)} if shown_min_cell not in (None, default_min_cell()) else {}))
    state.set_view_params(view)
    state.mirror_to_url(view | state.page_params(slug))

    n = len(filtered.patients)
    st.title(title)
    header = st.empty()
    notes = (f"visits: {SCHEDULES[schedule].lower()} for the trajectories and comparisons by month "
             f"({cohort.n_off_schedule:,} visits off the study schedule); grading uses the recorded months",
             ) if cohort.n_off_schedule else ()
    scenario, footer = grading_lines(source, flt, n, name, rules, header, note, notes=notes)
    if warnings or rule_warnings:
        st.warning("Not applied (the link or the previous data asked for it):\n"
                   + "\n".join(f"- {plain(w)}" for w in warnings + rule_warnings))
    frame = Frame(page=slug, cohort=cohort, filtered=filtered, filter=flt, rules=rules, scenario=scenario,
                  source=source, presentation=presentation, footer=footer, load=result, schedule=schedule,
                  min_cell=shown_min_cell, _slots=(header, note), _notes=notes)
    deck_panel(frame)
    if require_patients and n == 0:
        st.info("No patient matches the filters in the sidebar. Widen or reset them to see this page.")
        st.stop()
    return frame


__all__ = ["Frame", "page_frame"]
