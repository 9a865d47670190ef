"""The one call every page makes first: ``frame = page_frame("Response")``.

It sets the page up (config, presentation style), loads and checks the data, draws the shared
sidebar (patient filters, grading scenario, presentation mode), keeps the view in the URL, and
hands the page a frozen ``Frame``. See ``thaldash.ui.state`` for how state survives page
switches and shared links.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from thaldash import REPO_DIR
from thaldash.data.cohort import Cohort
from thaldash.export.files import footer_text
from thaldash.data.filters import PARAM_NAMES, SPLENECTOMY_CHOICES, CohortFilter, FilterOptions
from thaldash.data.loading import LoadResult
from thaldash.data.memory import return_memory_as_freed
from thaldash.grading.rules import FIELDS_BY_NAME, GradingRules
from thaldash.grading.scenarios import DEFAULT_SCENARIO, SCENARIO_DESCRIPTIONS, SCENARIOS, rules_from_params, rules_to_params
from thaldash.ui import caching, state
from thaldash.views.context import ViewContext
from thaldash.ui.data_source import KIND_TEXT, Source, load_current, problems_table, result_summary, upload_panel
from thaldash.ui.widgets import chart, plain, table

PRESENT = "present"
_SOURCE_KEY = "thaldash.source_sha256"
GLOBAL_PARAMS: frozenset[str] = frozenset({*PARAM_NAMES, "scenario", *FIELDS_BY_NAME, PRESENT})
# Larger type for a projector: Streamlit sizes text in rem, so the root size scales it all (tables
# draw on a canvas at their own size; CSS zoom would scale them but breaks their width). Static
# text only: no data value ever goes into this HTML.
_PRESENTATION_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; }
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
    rules_problem
        Set by ``refresh_rules`` only: why the rule controls' values are not applied, or None.

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
    rules_problem: str | None = None
    # Where page_frame wrote its grading lines (under the title, in the sidebar), for refresh_rules.
    _slots: tuple[Any, Any] = field(default=(None, None), repr=False)

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
                           scenario=self.scenario, bundled=self.source.kind == "bundled",
                           presentation=self.presentation, grader=caching.graded, tabulator=caching.patient_table)

    def key(self, name: str) -> str:
        """The widget key a page gives to the widget of its param ``name``."""
        return state.widget_key(name, self.page)

    def param(self, name: str, default: Any, choices: Sequence[Any] | None = None, *,
              minimum: float | None = None, maximum: float | None = None) -> Any:
        """A page setting kept in the URL; returns its value for this run and seeds its widget.

        Usage::

            measure = frame.param("measure", "hb_g_l", MEASURES)
            st.selectbox("Measure", MEASURES, key=frame.key("measure"))

        ``default``'s type decides the value's type: str, bool, int, float, or tuple of str (for a
        multiselect). A value outside ``choices`` (each element, for a tuple) or outside
        [``minimum``, ``maximum``] falls back to ``default``. Draw the widget without a
        default/index/value of its own: it takes the value from its key.
        """
        if name in GLOBAL_PARAMS:
            raise ValueError(f"Page param {name!r} would clash with the shared URL state; rename it.")
        return state.page_param(self.page, name, default, choices, minimum=minimum, maximum=maximum)

    def table(self, frame: pd.DataFrame, name: str, **kwargs: Any) -> None:
        """``widgets.table`` with this view's footer and presentation mode (CSV download)."""
        table(frame, name=name, footer=self.footer, presentation=self.presentation, **kwargs)

    def chart(self, figure: alt.TopLevelMixin, name: str, *, stretch: bool = True) -> None:
        """``widgets.chart`` with this view's footer and presentation mode (PNG/SVG downloads)."""
        chart(figure, name=name, footer=self.footer, presentation=self.presentation, stretch=stretch)

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
        scenario, footer = _grading_lines(self.source, self.filter, len(self.filtered.patients), name, rules,
                                          *self._slots)
        state.mirror_to_url(st.session_state[state.VIEW_KEY] | state.page_params(self.page))
        return replace(self, rules=rules, scenario=scenario, footer=footer, rules_problem=problem)

    def footer_caption(self) -> None:
        """The footer as one grey line under the page's content (escaped: it holds data labels)."""
        st.caption(plain(" · ".join(self.footer.splitlines())))


_REPO = REPO_DIR


def page_files() -> list[tuple[str, str]]:
    """(script path relative to the app, label) for Home and every page, in the sidebar's order.

    ``pages/3_Transfusion_and_iron.py`` is labelled "Transfusion and iron"; pages sort by their
    number, as Streamlit does.
    """
    found = []
    for path in (_REPO / "pages").glob("*.py"):
        number, _, name = path.stem.partition("_")
        if number.isdigit():
            found.append((int(number), f"pages/{path.name}", name.replace("_", " ")))
    return [("app.py", "Home"), *((p, label) for _, p, label in sorted(found))]


def _navigation() -> None:
    """The page list at the top of the sidebar (Streamlit's own is off: it would name Home "app")."""
    for path, label in page_files():
        try:
            st.sidebar.page_link(path, label=label)
        except StreamlitAPIException:
            # A page run on its own (AppTest.from_file on one page) has no app around it to link to.
            return
    st.sidebar.divider()


def page_slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "home"


_FILTER_WIDGETS = ("thal_types", "genotypes", "alleles", "beta_classes", "splenectomy", "sexes", "age",
                   "include_withdrawn")


def _reset_filters() -> None:
    view = st.session_state.get(state.VIEW_KEY, {})
    st.session_state[state.VIEW_KEY] = {k: v for k, v in view.items() if k not in PARAM_NAMES}
    state.reset_widgets(_FILTER_WIDGETS)


def _filter_panel(flt: CohortFilter, options: FilterOptions, cohort: Cohort, box: Any) -> tuple[CohortFilter, Cohort]:
    """The patient filters, seeded from ``flt``; returns the filter the widgets now show and its cohort."""
    def multi(field: str, label: str, choices: tuple[str, ...], help: str) -> tuple[str, ...]:
        if not choices:
            return ()
        key = state.widget_key(field)
        state.seed(key, list(getattr(flt, field)), clean=lambda v: [x for x in v if x in choices])
        return tuple(box.multiselect(label, choices, key=key, placeholder="All", help=help))

    thal = multi("thal_types", "TDT / NTDT", options.thal_types, "Transfusion-dependent or not, at enrolment.")
    genotypes = multi("genotypes", "Genotype combination", options.genotypes, "The unordered pair of β-globin variants.")
    alleles = multi("alleles", "Carries allele", options.alleles,
                    "Patients carrying any of these variants, on either chromosome.")
    classes = multi("beta_classes", "β0/β+ class", options.beta_classes,
                    "β0: no β-globin from the allele; β+: reduced output (HbE counted as β+).")
    key = state.widget_key("splenectomy")
    state.seed(key, flt.splenectomy, clean=lambda v: v if v in SPLENECTOMY_CHOICES else "any")
    spleen = box.radio("Splenectomy", SPLENECTOMY_CHOICES, key=key, horizontal=True, format_func=str.capitalize)
    sexes = multi("sexes", "Sex", options.sexes, "As recorded (F, M).")
    age_min, age_max = _age_slider(flt, options, box)
    key = state.widget_key("include_withdrawn")
    state.seed(key, flt.include_withdrawn)
    withdrawn = box.checkbox("Include withdrawn patients", key=key,
                             help="Off: the analysed patients (the paper's 48). On: everyone enrolled.")
    new = CohortFilter(genotypes=genotypes, alleles=alleles, beta_classes=classes, thal_types=thal,
                       splenectomy=spleen, sexes=sexes, age_min=age_min, age_max=age_max,
                       include_withdrawn=withdrawn)
    chosen = caching.filtered(cohort, new)
    everyone = int(CohortFilter(include_withdrawn=withdrawn).mask(cohort.patients).sum())
    population = "enrolled patients (withdrawn included)" if withdrawn else "analysed patients"
    box.markdown(f"**n = {len(chosen.patients)} of {everyone} {population}**")
    if not new.is_default:
        box.button("Reset filters", on_click=_reset_filters, key="thaldash.reset_filters")
    return new, chosen


def _age_slider(flt: CohortFilter, options: FilterOptions, box: Any) -> tuple[float | None, float | None]:
    """The age range; at its full extent it is no restriction (patients without an age stay in)."""
    if options.age_range is None:
        return None, None
    step = 1.0 if options.ages_whole else 0.1
    # Bounds move inwards to the slider's step: exact for whole-year ages (age ≥ 12.5 is age ≥ 13).
    on_step = lambda k: round(k * step, 6)  # 123 × 0.1 is 12.300000000000001 in binary
    inward = lambda low, high: (on_step(math.ceil(low / step - 1e-9)), on_step(math.floor(high / step + 1e-9)))
    lo, hi = on_step(math.floor(options.age_range[0] / step)), on_step(math.ceil(options.age_range[1] / step))
    if lo >= hi:
        return flt.age_min, flt.age_max
    clip = lambda v: (min(max(v[0], lo), hi), max(min(v[1], hi), lo))
    wanted = inward(lo if flt.age_min is None else flt.age_min, hi if flt.age_max is None else flt.age_max)
    key = state.widget_key("age")
    state.seed(key, clip(wanted), clean=lambda v: clip(v) if v[0] <= v[1] else (lo, hi))
    low, high = box.slider("Age at enrolment (years)", lo, hi, key=key, step=step,
                           format="%.0f" if step == 1.0 else "%.1f",
                           help="Patients without a recorded age are left out once the range is narrowed.")
    return (low if low > lo else None), (high if high < hi else None)


def _grading_panel(name: str, rules: GradingRules, box: Any) -> tuple[str, GradingRules]:
    """The grading scenario; thresholds changed by a link stay until another scenario is chosen."""
    key = state.widget_key("scenario")
    state.seed(key, name, clean=lambda v: v if v in SCENARIOS else DEFAULT_SCENARIO)
    chosen = box.selectbox("Response grading", list(SCENARIOS), key=key, help=SCENARIO_DESCRIPTIONS[name])
    return (chosen, SCENARIOS[chosen]) if chosen != name else (name, rules)


def _grading_lines(source: Source, flt: CohortFilter, n: int, name: str, rules: GradingRules,
                   header: Any, note: Any) -> tuple[str, str]:
    """(scenario text, export footer); writes the title line and the sidebar note into their slots."""
    changed = {k: v for k, v in rules_to_params(name, rules).items() if k != "scenario"}
    scenario = name if not changed else f"{name} (modified)"
    changes = ", ".join(f"{k} = {v}" for k, v in changed.items())
    footer = footer_text(source.name, source.sha256, f"{flt.describe()} (n = {n})",
                         scenario + (f": {changes}" if changes else ""), date.today())
    if header is not None:
        header.caption(plain(f"Patients: {flt.describe()} (n = {n}) · Grading: {scenario}"))
    if note is not None:
        if changed:
            note.caption("Thresholds changed from this scenario: " + plain(changes))
        else:
            note.empty()
    return scenario, footer


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


def page_frame(title: str, icon: str | None = None, *, require_patients: bool = True) -> Frame:
    """Set up the page and return its ``Frame``; call it first, once, on every page.

    Draws the page title and, under it, one line naming the patients shown and the grading.
    Stops the page (``st.stop``) with a message, never an exception, when the data cannot be used
    or, with ``require_patients``, when the filter leaves no patients.

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
    return_memory_as_freed()  # once per server process: a large cohort's temporaries go back to the system
    slug = page_slug(title)
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
        state.reset_widgets(_FILTER_WIDGETS)
    st.session_state[_SOURCE_KEY] = cohort.sha256
    flt, warnings = CohortFilter.from_params(params, options)
    name, rules, rule_warnings = rules_from_params(params)

    _navigation()
    box = st.sidebar.expander("Patients and grading") if presentation else st.sidebar.container()
    box.subheader("Patients")
    flt, filtered = _filter_panel(flt, options, cohort, box)
    box.subheader("Grading")
    name, rules = _grading_panel(name, rules, box)
    note = box.empty()
    state.seed(state.widget_key(PRESENT), presentation)
    presentation = st.sidebar.toggle("Presentation mode", key=state.widget_key(PRESENT),
                                     help="Larger type and fewer controls, for a meeting-room screen.")
    st.sidebar.caption(f"Data: {plain(source.describe())}")

    view = flt.to_params() | rules_to_params(name, rules) | ({PRESENT: "1"} if presentation else {})
    state.set_view_params(view)
    state.mirror_to_url(view | state.page_params(slug))

    n = len(filtered.patients)
    st.title(title)
    header = st.empty()
    scenario, footer = _grading_lines(source, flt, n, name, rules, header, note)
    if warnings or rule_warnings:
        st.warning("Not applied (the link or the previous data asked for it):\n"
                   + "\n".join(f"- {plain(w)}" for w in warnings + rule_warnings))
    if require_patients and n == 0:
        st.info("No patient matches the filters in the sidebar. Widen or reset them to see this page.")
        st.stop()
    return Frame(page=slug, cohort=cohort, filtered=filtered, filter=flt, rules=rules, scenario=scenario,
                 source=source, presentation=presentation, footer=footer, _slots=(header, note))


__all__ = ["Frame", "page_frame"]
