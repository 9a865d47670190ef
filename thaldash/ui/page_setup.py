"""The one call every page makes first: ``frame = page_frame("Response")``.

It sets the page up (config, presentation style), loads and checks the data, draws the shared
sidebar (patient filters, grading scenario, presentation mode, the deck), keeps the view in the URL,
and hands the page a frozen ``thaldash.ui.frame.Frame``. A link whose settings break the page falls
back to the default view with a warning.
"""

from __future__ import annotations


import streamlit as st

from thaldash.charts.palette import BLUE as ACCENT, FONT  # export.deck.house.ACCENT, without its imports
from thaldash.data.bundled import digest_is_reconstruction
from thaldash.data.filters import CohortFilter
from thaldash.data.loading import LoadResult
from thaldash.data.schedule import DEFAULT_SCHEDULE, SCHEDULES
from thaldash.data.disclosure import default_min_cell
from thaldash.data.memory import freeze_long_lived, return_memory_as_freed
from thaldash.grading.scenarios import rules_from_params, rules_to_params
from thaldash.ui import caching, state
from thaldash.ui.deck_panel import deck_panel
from thaldash.ui.data_source import KIND_TEXT, Source, load_current, problems_table, result_summary, upload_panel
from thaldash.ui.navigation import page_slug, sidebar_links
from thaldash.ui.sidebar import (FILTER_WIDGETS, data_panel, data_params, filter_panel, grading_lines,
                                 grading_panel)
from thaldash.ui.widgets import plain
from thaldash.ui.frame import GLOBAL_PARAMS, Frame
from thaldash.views.deck import MIN_CELL, PRESENT, SCHEDULE

_SOURCE_KEY = "thaldash.source_sha256"
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
    freeze_long_lived(slug)  # a page's modules and the cohort: out of the collection after each run
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


__all__ = ["page_frame"]
