"""What a page gets from ``page_frame`` (``thaldash.ui.page_setup``): the frozen ``Frame``.

The data (whole, filtered, graded), the rules, the page's own settings kept in the URL, and the
page's tables and charts drawn with the view's provenance footer. See ``thaldash.ui.state`` for how
state survives page switches and shared links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from thaldash.data.bundled import digest_is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import LoadResult
from thaldash.data.schedule import DEFAULT_SCHEDULE
from thaldash.export.files import with_notes
from thaldash.grading.rules import GradingRules
from thaldash.ui import caching, state
from thaldash.ui.data_source import Source
from thaldash.ui.sidebar import (grading_lines)
from thaldash.ui.widgets import Actions, chart, plain, table
from thaldash.views.context import ViewContext
from thaldash.views.deck import GLOBAL_NAMES
from thaldash.views.registry import declared_param

if TYPE_CHECKING:  # altair (a second of a cold start) loads with the first chart
    import altair as alt

GLOBAL_PARAMS: frozenset[str] = GLOBAL_NAMES
DECLARED: Any = object()
"""``Frame.param``'s default when the page's view declares the setting (``views.params``)."""
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
    _offered: dict[str, tuple[Any, ...] | None] = field(default_factory=dict, repr=False)
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

    def choices(self, name: str) -> tuple[Any, ...]:
        """The choices of the declared setting ``name`` as ``param(name)`` computed them this run (call it first):
        the options of its widget."""
        return self._offered.get(name) or ()

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
            default, choices = caching.declared_setting(self.page, name, self.context(), tuple(self._read.items()))
            self._offered[name] = choices
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


__all__ = ["Frame"]
