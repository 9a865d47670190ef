"""Every page of the dashboard as data: its view function and its settings, so a view is reproduced without Streamlit.

``PAGES`` is keyed by the page's label (the sidebar's, ``thaldash.ui.navigation.PAGES``; a test checks both
lists agree). Each entry names the module of its page view (imported when first used: the analyses need
``scipy.stats``, which a page should not wait for to draw its frame) and builds the view's ``PageView`` from
the settings ``views.params.read_params`` gives. The deck (``views.deck``), ``python -m thaldash deck`` and
the dashboard's "Add this page" button all build a page here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from thaldash.data.filters import CohortFilter
from thaldash.grading.scenarios import DEFAULT_SCENARIO
from thaldash.views.blocks import PageView
from thaldash.views.context import PAPER_RULES, ViewContext
from thaldash.views.params import Param

Call = Callable[..., Any]
"""How a view function is called: ``call(function, ctx, **settings)`` (the dashboard passes its cache)."""


def _direct(function: Call, ctx: ViewContext, **settings: Any) -> Any:
    return function(ctx, **settings)


@dataclass(frozen=True)
class PageEntry:
    """One page: ``label``; ``module`` (``thaldash.views.<name>``) and ``function`` (its page view; "" when the
    page has no view); ``whole_file``: the view reads the whole file under the paper's rules, never the
    sidebar; ``resources``: inputs other than settings the view takes (``adverse_events``)."""

    label: str
    module: str
    function: str = ""
    whole_file: bool = False
    resources: tuple[str, ...] = ()

    @property
    def params(self) -> tuple[Param, ...]:
        """The page's own settings (the view module's ``PARAMS``; none when it declares none)."""
        return tuple(getattr(importlib.import_module(self.module), "PARAMS", ()))

    def context(self, ctx: ViewContext) -> ViewContext:
        """``ctx`` as this page reads it: a whole-file page sees every analysed patient under the paper's rules."""
        if not self.whole_file:
            return ctx
        return replace(ctx, filtered=CohortFilter().apply(ctx.cohort), filter=CohortFilter(), rules=PAPER_RULES,
                       scenario=DEFAULT_SCENARIO)

    def build(self, ctx: ViewContext, values: dict[str, Any], *, call: Call = _direct, **resources: Any) -> PageView:
        """The page's ``PageView`` for ``values`` (``read_params`` of ``ctx``); ``call`` calls each view function."""
        if not self.function:
            return PageView(self.label)
        module = importlib.import_module(self.module)
        adapt = _ADAPTERS.get(self.label)
        given = {name: resources.get(name) for name in self.resources}
        if adapt is not None:
            return adapt(module, self.context(ctx), dict(values), call, given)
        return call(getattr(module, self.function), self.context(ctx), **values, **given).page()


def _response(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    # The link's short name ``ne_fail`` is the view's ``not_evaluable_as_failure``.
    return call(module.response_view, ctx, by=values["by"], analysis=values["analysis"],
                not_evaluable_as_failure=values["ne_fail"]).page()


def _comparisons(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    # The page passes the months as whole numbers, sorted, and only the groups its grouping reads.
    values["months"] = tuple(sorted(int(m) for m in values["months"]))
    return call(module.comparisons_view, ctx, **values).page()


def _change(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    # Built from its two sections, as the page caches them.
    paired = call(module.paired_section, ctx, measure=values["measure"], pairs=values["pairs"],
                  correction=values["correction"])
    return module.ChangeView(paired, call(module.correlation_section, ctx, x=values["x"], y=values["y"])).page()


def _whatif(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    values.pop("view", None)  # the open tab: the deck takes every part
    return call(module.whatif_view, ctx, **values).page()


def _patient(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    patient, problem = module.chosen_patient(ctx.cohort, ctx.filtered, values["patient"])
    if problem:
        raise ValueError(f"patient: {problem}")
    return call(module.patient_view, ctx, patient=patient).page()


def _independence(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    return call(module.independence_view, ctx, by=values["by"], genotypes=tuple(values["set"])).page()


def _lookup(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, _: dict) -> PageView:
    view = call(module.lookup_view, ctx, **values)
    if view.problem:
        raise ValueError(view.problem)
    return view.page()


def _safety(module: Any, ctx: ViewContext, values: dict[str, Any], call: Call, given: dict) -> PageView:
    return call(module.safety_view, ctx, events=given.get("adverse_events")).page()


_ADAPTERS: dict[str, Callable[..., PageView]] = {
    "Response": _response, "Comparisons": _comparisons, "Change and correlation": _change, "What-if": _whatif, "Patient": _patient,
    "Genotype look-up": _lookup, "Independence": _independence, "Safety": _safety}

PAGES: dict[str, PageEntry] = {entry.label: entry for entry in (
    PageEntry("Home", "thaldash.views.home", "home_view"),
    PageEntry("Overview", "thaldash.views.overview", "overview_view"),
    PageEntry("Centres", "thaldash.views.centres", "centres_view"),
    PageEntry("Response", "thaldash.views.response", "response_view"),
    PageEntry("Trajectories", "thaldash.views.trajectories", "trajectories_view"),
    PageEntry("Comparisons", "thaldash.views.comparisons", "comparisons_view"),
    PageEntry("Change and correlation", "thaldash.views.change", "change_view"),
    PageEntry("What-if", "thaldash.views.whatif", "whatif_view"),
    PageEntry("Transfusion and iron", "thaldash.views.iron", "iron_view"),
    PageEntry("Patient", "thaldash.views.patient", "patient_view"),
    PageEntry("Genotype look-up", "thaldash.views.genotype_lookup", "lookup_view"),
    PageEntry("Independence", "thaldash.views.independence", "independence_view"),
    PageEntry("Safety", "thaldash.views.safety", "safety_view", resources=("adverse_events",)),
    PageEntry("Dose and NTDT", "thaldash.views.dose", "dose_view"),
    PageEntry("Reproduction", "thaldash.views.reproduction", "reproduction_view", whole_file=True),
    PageEntry("Data", "thaldash.views.data", "data_view", whole_file=True),
)}
"""Every page, by label, in the sidebar's order."""


def page_entry(label: str) -> PageEntry:
    """The page called ``label`` (case and spacing as the sidebar writes it, or any case).

    Raises
    ------
    ValueError
        Naming every page, when there is no page called ``label``.
    """
    if label in PAGES:
        return PAGES[label]
    folded = {name.casefold(): entry for name, entry in PAGES.items()}
    found = folded.get(" ".join(str(label).split()).casefold())
    if found is None:
        raise ValueError(f"there is no page {label!r}; the pages are: {', '.join(PAGES)}")
    return found


def page_slug(title: str) -> str:
    """"Change and correlation" → "change-and-correlation": a page's namespace in the URL and the session."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "home"


def label_of(slug: str) -> str | None:
    """The label of the page whose slug is ``slug`` (``Frame.page``), or None (the home page's title is not "Home")."""
    return next((label for label in PAGES if page_slug(label) == slug), None)


def declared_param(slug: str, name: str) -> Param:
    """The setting ``name`` as the view of the page with ``slug`` (``Frame.page``) declares it.

    Raises
    ------
    ValueError
        When that page's view declares no such setting (add it to its module's ``PARAMS``).
    """
    label = label_of(slug)
    entry = PAGES[label] if label else None
    found = next((p for p in entry.params if p.name == name), None) if entry else None
    if found is None:
        where = f"{entry.module}.PARAMS" if entry else "a page of views.registry.PAGES"
        raise ValueError(f"Page param {name!r} of page {slug!r} is not declared; add it to {where}.")
    return found
