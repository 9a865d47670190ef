"""The view's state: held in ``st.session_state``, mirrored to the URL, seeded into widgets.

What Streamlit 1.67 does, and the browser tests confirm (tests/browser/test_navigation.py):

- a sidebar page switch clears the URL's query string (the new page's ``st.query_params`` is
  empty), but keeps the session, so ``st.session_state`` survives;
- a widget's id includes its page's script, so the "same" sidebar widget is a new widget on each
  page, and after a switch its key can still answer with the previous page's value while the new
  widget starts from its default;
- the state of a widget not drawn in a run is dropped.

So:

- The canonical state is text, like a query string: ``st.session_state[VIEW_KEY]`` (filters,
  grading, presentation) and ``st.session_state[PAGE_KEY + page]`` (one page's own params).
  These keys belong to no widget, so Streamlit never drops them.
- In a new session (a link opened in another browser, a reload) the view is read from the URL;
  afterwards the session's state wins and is written back to the URL on every run, so the
  address bar always reproduces the view, on every page.
- Widgets have their own keys (``thaldash.w.*``). Before a widget is drawn, ``seed`` writes its
  value through the Session State API: from the canonical state when the key is absent, else its
  own latest value (cleaned of choices the data no longer has). Widgets are never given a default
  as well (Streamlit warns when both are set).

The alternative, ``bind="query-params"`` on widgets (new in 1.67), keeps one page's widget in
the URL by itself, but a sidebar switch still empties the query string (checked in a browser:
a bound value set on the main page is absent on the next page and comes back only on returning),
so a filter could not follow the user across pages; and a bound parameter cannot be set through
``st.query_params``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from thaldash.grading.rules import FIELDS_BY_NAME, RULE_FIELDS, GradingRules
from thaldash.grading.scenarios import rules_from_params, rules_to_params
from thaldash.text import decode, encode

VIEW_KEY = "thaldash.view"
LAST_PAGE_KEY = "thaldash.last_page"
PAGE_KEY = "thaldash.page."
WIDGET_PREFIX = "thaldash.w."


def query_params() -> dict[str, str]:
    """The URL's query parameters (the last value of a repeated one)."""
    return {k: st.query_params.get(k, "") for k in st.query_params.keys()}


def start(page: str, global_names: frozenset[str]) -> dict[str, str]:
    """Begin a run of ``page``: the global view state as text, taken from the URL in a new session.

    A page's own params are taken from the URL when the page is entered (a new session, or a
    switch from another page: Streamlit clears the query string on a sidebar switch, so whatever
    the URL then holds was put there on purpose, e.g. by ``st.page_link(..., query_params=...)``).
    """
    url = query_params()
    if VIEW_KEY not in st.session_state:  # a new session (a shared link, a reload): the link decides
        st.session_state[VIEW_KEY] = {k: v for k, v in url.items() if k in global_names}
    stored = st.session_state.setdefault(PAGE_KEY + page, {})
    if st.session_state.get(LAST_PAGE_KEY) != page:
        arriving = {k: v for k, v in url.items() if k not in global_names}
        for name in arriving:  # reseed those widgets from the link
            st.session_state.pop(widget_key(name, page), None)
        stored.update(arriving)
    st.session_state[LAST_PAGE_KEY] = page
    return dict(st.session_state[VIEW_KEY])


def set_view_params(params: Mapping[str, str]) -> None:
    st.session_state[VIEW_KEY] = dict(params)


def page_params(page: str) -> dict[str, str]:
    """One page's own state as text."""
    return dict(st.session_state.get(PAGE_KEY + page, {}))


def set_page_param(page: str, name: str, text: str | None) -> None:
    """Store (or with None, forget) one page param."""
    stored = st.session_state.setdefault(PAGE_KEY + page, {})
    if text is None:
        stored.pop(name, None)
    else:
        stored[name] = text


def mirror_to_url(params: Mapping[str, str]) -> None:
    """Make the URL's query string exactly ``params`` (no message when it already is)."""
    wanted = {k: str(v) for k, v in params.items()}
    if query_params() != wanted:
        st.query_params.from_dict(wanted)


def seed(key: str, canonical: Any, clean: Callable[[Any], Any] | None = None) -> None:
    """Prepare widget ``key`` before it is drawn.

    Absent (first draw, or dropped by Streamlit on a page switch): set to ``canonical``.
    Present (the user's latest choice): kept, but passed through ``clean`` so that a value the
    widget's options no longer contain (after the data changed) cannot make the widget fail.
    """
    if key not in st.session_state:
        st.session_state[key] = canonical
        return
    current = st.session_state[key]
    # Written back even when unchanged: after a page switch the key can still answer with the
    # previous page's widget value while the new page's widget (another id) would start empty;
    # a value set through the Session State API is the one the new widget takes.
    st.session_state[key] = clean(current) if clean is not None else current


def widget_key(name: str, page: str | None = None) -> str:
    """Session key of a frame widget (global) or of a page's own widget."""
    return WIDGET_PREFIX + (f"{page}." if page else "") + name


def forget_view(page: str, widgets: Sequence[str]) -> None:
    """Drop the whole view (filters, grading, the page's own settings) and the widgets seeded from it."""
    st.session_state[VIEW_KEY] = {}
    st.session_state[PAGE_KEY + page] = {}
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX + f"{page}.")]:
        del st.session_state[key]
    reset_widgets(widgets)


def reset_widgets(names: Sequence[str]) -> None:
    """Forget global widgets' values (they are seeded again from the canonical state)."""
    for name in names:
        st.session_state.pop(widget_key(name), None)


# Grading rules set by a page (the what-if page) ---------------------------------------------
# The rules a page edits are the shared ones: its controls write the canonical state in their
# callback, which Streamlit runs before the script, so the frame of that run (and every later run,
# on any page) grades with them. ``Frame.refresh_rules`` redraws what a fragment rerun would leave
# stale. The controls' own keys are seeded from the canonical state on every draw, so a scenario
# chosen in the sidebar moves them too.

def rule_widget_key(field: str) -> str:
    """Session key of the control of grading rule ``field`` (a ``RULE_FIELDS`` name)."""
    return widget_key("rule." + field)


def shared_rules() -> tuple[str, GradingRules]:
    """The shared grading as the canonical state holds it now: (scenario name, rules)."""
    name, rules, _ = rules_from_params(st.session_state.get(VIEW_KEY, {}))
    return name, rules


def set_rules(name: str, rules: GradingRules) -> None:
    """Make ``rules``, described against scenario ``name``, the shared grading of every page.

    Call it in a widget callback (``on_change``/``on_click``), before the script runs: the
    sidebar's scenario box and the rule controls are seeded again from the new rules.
    """
    view = {k: v for k, v in st.session_state.get(VIEW_KEY, {}).items()
            if k != "scenario" and k not in FIELDS_BY_NAME}
    st.session_state[VIEW_KEY] = view | rules_to_params(name, rules)
    st.session_state.pop(widget_key("scenario"), None)
    st.session_state.pop(RULES_PROBLEM_KEY, None)
    for spec in RULE_FIELDS:
        _write_if_changed(rule_widget_key(spec.name), getattr(rules, spec.name))


RULES_PROBLEM_KEY = "thaldash.rules_problem"


def rules_changed() -> None:
    """``on_change`` of every rule control: the controls' values become the shared rules.

    A combination ``GradingRules`` refuses (an SLR threshold above the MiR one…) changes nothing:
    its sentence is kept for ``rules_problem`` and the controls keep the user's values.
    """
    name, rules = shared_rules()
    values = rules.to_params() | {spec.name: str(st.session_state[rule_widget_key(spec.name)])
                                  for spec in RULE_FIELDS if rule_widget_key(spec.name) in st.session_state}
    try:
        wanted = GradingRules.from_params(values)
    except ValueError as exc:
        st.session_state[RULES_PROBLEM_KEY] = (str(exc), rules_to_params(name, rules))
        return
    set_rules(name, wanted)


def rules_problem() -> str | None:
    """Why the rule controls' values are not applied, or None; seeds the controls when they are.

    The problem is forgotten once the shared rules change in another way (a scenario chosen in
    the sidebar), and the controls then show the shared rules again.
    """
    name, rules = shared_rules()
    problem = st.session_state.get(RULES_PROBLEM_KEY)
    keys = [rule_widget_key(spec.name) for spec in RULE_FIELDS]
    # After a page switch the controls' values are gone (Streamlit drops undrawn widgets): forget it too.
    if problem is not None and problem[1] == rules_to_params(name, rules) and all(k in st.session_state for k in keys):
        for key in keys:  # written back, as in ``seed``
            st.session_state[key] = st.session_state[key]
        return problem[0]
    st.session_state.pop(RULES_PROBLEM_KEY, None)
    for spec, key in zip(RULE_FIELDS, keys):
        _write_if_changed(key, getattr(rules, spec.name))
    return None


def _write_if_changed(key: str, value: Any) -> None:
    """Set a control's value only when the canonical state moved it (a scenario, a preset, a link).

    Writing a control's own value back on every run sends it to the browser again, and a key pressed
    while the run was under way was then overwritten: fast arrow keys on a slider lost steps.
    """
    if key not in st.session_state or st.session_state[key] != value:
        st.session_state[key] = value


# Page params --------------------------------------------------------------------------------

def page_param(page: str, name: str, default: Any, choices: Sequence[Any] | None = None, *,
               minimum: float | None = None, maximum: float | None = None) -> Any:
    """``Frame.param``: the value of one page setting for this run; seeds its widget and the URL."""
    allowed = None if choices is None else list(choices)

    def valid(value: Any) -> Any:
        items = value if isinstance(default, tuple) else (value,)
        if allowed is not None and not all(v in allowed for v in items):
            return default
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric and ((minimum is not None and value < minimum) or (maximum is not None and value > maximum)):
            return default
        return value

    widget = widget_key(name, page)
    if widget in st.session_state:  # the user's latest choice, from the widget itself
        raw = st.session_state[widget]
        value = valid(tuple(raw) if isinstance(default, tuple) else raw)
    else:
        text = page_params(page).get(name)
        try:
            value = default if text is None else valid(decode(text, default))
        except ValueError:
            value = default
    st.session_state[widget] = list(value) if isinstance(default, tuple) else value
    text = None if value == default else encode(value)
    set_page_param(page, name, text)
    url = query_params()
    if text is None:
        url.pop(name, None)
    else:
        url[name] = text
    mirror_to_url(url)
    return value
