"""Slides from page views: a figure or a table of any page as a deck item, and whole pages as a deck.

``deck_item`` turns one block (``views.blocks.Figure``/``Table``) into a ``DeckItem`` that records the
page and the URL state it was made under; ``page_deck`` builds the pages named, from a URL state,
through the registry of pages (``views.registry``), which is how ``python -m thaldash deck`` and the
dashboard's deck reproduce a view without Streamlit. The slides and the handout are drawn by
``thaldash.export.deck``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from thaldash.data.adverse_events import AdverseEvents
from thaldash.data.bundled import RECONSTRUCTION_NOTE, is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.data.disclosure import (default_min_cell, hide_counts_in_lines, suppress_small_counts, suppression_note,
                                      valid_min_cell)
from thaldash.data.filters import PARAM_NAMES, CohortFilter, options
from thaldash.export.deck.model import Deck, DeckItem, Source
from thaldash.export.small_cells import chart_note, suppressed_spec
from thaldash.grading.rules import FIELDS_BY_NAME
from thaldash.grading.scenarios import DEFAULT_SCENARIO, rules_from_params, rules_to_params
from thaldash.views.blocks import Figure, Table
from thaldash.views.context import ViewContext
from thaldash.views.params import params_text, read_params
from thaldash.views.provenance import grading_description, grading_text, patients_text, view_footer
from thaldash.views.registry import PAGES, Call, page_entry

PRESENT, SCHEDULE, MIN_CELL = "present", "schedule", "min_cell"
GLOBAL_NAMES: frozenset[str] = frozenset({*PARAM_NAMES, "scenario", *FIELDS_BY_NAME, PRESENT, SCHEDULE, MIN_CELL})
"""URL parameters shared by every page: the filters, the grading, presentation mode, how off-schedule visits
are read and the downloads' small-cell threshold."""
DEFAULT_PAGES: tuple[str, ...] = ("Overview", "Response", "Trajectories", "Comparisons", "Transfusion and iron")
"""The deck ``python -m thaldash deck`` builds when no page is named: the main pages on their default view."""
TITLE = "Thalidomide in β-thalassaemia"
_DROPPED = re.compile(r"(;\s*ignored|\.?\s*(Using|The thresholds of) .*)\.$")
MAX_TABLE_ROWS = 120
"""Rows of a table put on slides at most (about eight slides); the caption says when rows are left out and the
page's CSV download has them all."""


def deck_item(block: Figure | Table, *, page: str, state: str, footer: str, reconstruction: bool,
              patients: str = "", min_cell: int | None = None) -> DeckItem:
    """``block`` as a deck item made on ``page`` under URL ``state`` (the query string without "?").

    A figure keeps its chart as a Vega-Lite dict; a table is the labelled, formatted frame the page shows
    (``Table.displayed``), its first ``MAX_TABLE_ROWS`` rows. ``patients`` ("TDT (n = 34)") is added to the
    caption ("Filter: TDT (n = 34)."), so a slide names the patients the filter kept; the speaker notes are the block's numbers (the caption
    when a block has none). The footer's reconstruction line is left to the slide, which says it in bold.

    With ``min_cell`` k above 1 (a real cohort; None for the bundled reconstruction), the slide is guarded as
    the page's downloads are (``data.disclosure``): a table's counts from 1 to k − 1 read "< k" and the
    percentages of their rows are left empty, a figure's count labels read "< k" (``export.small_cells``),
    the caption's and notes' "k/n" and "n = k" counts too, and the footer says so. The item's state records
    k, so the deck rebuilt from it is guarded the same way.
    """
    k = None if reconstruction else min_cell
    caption = " ".join(t for t in (block.caption.strip(), f"Filter: {patients}." if patients else "") if t)
    notes = block.notes.strip() or block.caption.strip()
    (caption, in_caption), (notes, in_notes) = hide_counts_in_lines(caption, k), hide_counts_in_lines(notes, k)
    hidden_text = in_caption + in_notes
    footer = "\n".join(line for line in footer.splitlines() if line.strip() != f"cohort: {RECONSTRUCTION_NOTE}")
    state = state.lstrip("?")
    if k is not None and MIN_CELL not in parse_state(state):
        state = "&".join(t for t in (state, urlencode({MIN_CELL: k})) if t)
    common = {"caption": caption, "notes": notes, "reconstruction": reconstruction,
              "source": Source(page, state), "item_id": block.key}
    if isinstance(block, Figure):
        figure = suppressed_spec(block.chart.to_dict(), k)
        return DeckItem("figure", block.title, figure=figure.spec,
                        footer=_guarded_footer(footer, chart_note(figure), k, hidden_text), **common)
    # The slide's rows only: formatting every row of a long list as text first took seconds at a million patients.
    table = suppress_small_counts(block.frame.head(MAX_TABLE_ROWS), counts=block.counts, derived=block.from_counts,
                                  fractions=block.fractions, min_cell=k)
    common["footer"] = _guarded_footer(footer, suppression_note(table), k, hidden_text)
    shown = replace(block, frame=table.frame).displayed()
    if block.n_rows > MAX_TABLE_ROWS:
        where = "the page's tables count them all" if block.trimmed else "the page's CSV has them all"
        common["caption"] = " ".join(t for t in (caption, f"The first {MAX_TABLE_ROWS} of {block.n_rows:,} rows; "
                                                          f"{where}.") if t)
    return DeckItem("table", block.title, table=shown, **common)


def _guarded_footer(footer: str, note: str, k: int | None, hidden_text: int) -> str:
    """``footer`` with the small-cell line of a guarded slide before its last ("exported: …") line."""
    if not k or k <= 1:
        return footer
    line = note or f"small cells: counts below {k} shown as < {k}" + (
        f" ({hidden_text} in the caption and notes)" if hidden_text else "")
    lines = footer.splitlines()
    return "\n".join([*lines[:-1], line, *lines[-1:]]) if lines else line


def slide_min_cell(state: Mapping[str, str], *, bundled: bool, min_cell: int | None = None) -> int | None:
    """k of a deck's slides: ``min_cell`` (``--min-cell``, the dashboard's setting), else the state's ``min_cell``,
    else the dashboard's default (``data.disclosure.default_min_cell``: a deck is made to be shown); None for
    the bundled reconstruction, which holds no patient. Raises ValueError (a sentence) for a state value that is
    not a whole number from 0 to 100."""
    if bundled:
        return None
    if min_cell is not None:
        return min_cell
    if MIN_CELL in state:
        found = valid_min_cell(state[MIN_CELL])
        if found is None:
            raise ValueError(f"{MIN_CELL}: {state[MIN_CELL]!r} is not a whole number from 0 to 100 (the smallest "
                             "count a slide shows; 0 shows every count)")
        return found
    return default_min_cell()


def parse_state(state: str | Mapping[str, str]) -> dict[str, str]:
    """A URL query string ("by=genotype&thal_type=TDT", "?" optional) or mapping as ``{name: text}``.

    A repeated name keeps its last value, as the dashboard reads a link. Raises ValueError (a sentence)
    for text that is not a query string.
    """
    if isinstance(state, Mapping):
        return {str(k): str(v) for k, v in state.items()}
    text = str(state).strip().lstrip("?")
    if not text:
        return {}
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        raise ValueError(f"the state {text!r} is not a URL query string such as by=genotype&thal_type=TDT") from None


@dataclass(frozen=True)
class PageRequest:
    """One page of a deck: its label, its own state (over the shared one) and the items wanted ("" for all)."""

    label: str
    state: str = ""
    item: str = ""

    @classmethod
    def parse(cls, text: str) -> PageRequest:
        """"Response", "Response?by=thal_type" or "Response?by=thal_type#tiers_by_thal_type"."""
        rest, _, item = str(text).partition("#")
        label, _, state = rest.partition("?")
        return cls(page_entry(label.strip()).label, state, item.strip())


@dataclass(frozen=True)
class DeckView:
    """The shared view of a deck, from a URL state: the context (filter, grading), the scenario's name, the
    shared settings as URL text, what the footers say (file, date) and the slides' small-cell k (``slide_min_cell``)."""

    ctx: ViewContext
    name: str
    state: dict[str, str]
    source_name: str
    when: dt.date
    min_cell: int | None = None

    def footer(self, ctx: ViewContext, name: str) -> str:
        """The provenance footer of ``ctx`` (the shared view, or a whole-file page's) graded by scenario ``name``."""
        return view_footer(self.source_name, ctx.cohort.sha256, ctx.filter, len(ctx.filtered.patients), name,
                           ctx.rules, self.when)


def deck_view(cohort: Cohort, state: Mapping[str, str], *, when: dt.date, source_name: str | None = None,
              presentation: bool = True, min_cell: int | None = None) -> DeckView:
    """The filter and grading ``state`` asks for on ``cohort``, strictly: any value the cohort or the rules
    cannot take is a ValueError sentence (a link opened in the dashboard would drop it with a warning).
    ``min_cell`` overrides the state's small-cell k (``slide_min_cell``)."""
    bundled = is_reconstruction(cohort)
    k = slide_min_cell(state, bundled=bundled, min_cell=min_cell)
    flt, warnings = CohortFilter.from_params(dict(state), options(cohort))
    name, rules, rule_warnings = rules_from_params(dict(state))
    if warnings or rule_warnings:  # said as the dashboard says them, without what it would do instead
        raise ValueError(" ".join(_DROPPED.sub(".", w) for w in [*warnings, *rule_warnings]))
    filtered = flt.apply(cohort)
    if not len(filtered.patients):
        raise ValueError(f"no patient matches the filter ({flt.describe()}); widen it")
    ctx = ViewContext(cohort=cohort, filtered=filtered, filter=flt, rules=rules, scenario=grading_text(name, rules)[0],
                      bundled=bundled, presentation=presentation)
    return DeckView(ctx, name, flt.to_params() | rules_to_params(name, rules), source_name or cohort.source_name, when,
                    min_cell=k)


def page_deck(cohort: Cohort, pages: Sequence[str | PageRequest] = DEFAULT_PAGES, state: str | Mapping[str, str] = "",
              *, when: dt.date | None = None, source_name: str | None = None,
              adverse_events: AdverseEvents | None = None, title: str = TITLE, min_cell: int | None = None) -> Deck:
    """The figures and tables of ``pages`` (labels, or ``PageRequest`` text) of ``cohort`` under URL ``state``.

    ``state`` holds the shared filter and grading and any page's own settings; a page's own text
    ("Response?by=thal_type", or an item's recorded state with its own filter and grading) is read over it.
    Figures are built in presentation type. The slides of a real cohort hide counts below k (``deck_item``):
    ``min_cell`` (``--min-cell``) if given, else the state's ``min_cell``, else the dashboard's default.

    Raises
    ------
    ValueError
        A sentence naming what is wrong: a page that does not exist, a name no page reads, a value that
        is not allowed, a filter that keeps nobody, an item the page does not have.
    """
    when = when or dt.date.today()
    requests = [p if isinstance(p, PageRequest) else PageRequest.parse(p) for p in pages]
    if not requests:
        raise ValueError("no page given; name one or more of: " + ", ".join(PAGES))
    shared = parse_state(state)
    known = set(GLOBAL_NAMES).union(*({p.name for p in PAGES[r.label].params} for r in requests))
    unknown = sorted(set(shared) - known)
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not a setting of {', '.join(r.label for r in requests)}")
    views: dict[tuple, DeckView] = {}  # one per filter and grading asked for (an item records its own)
    items: list[DeckItem] = []
    for request in requests:
        names = {p.name for p in PAGES[request.label].params}
        own = parse_state(request.state)
        stray = sorted(set(own) - names - GLOBAL_NAMES)
        if stray:
            raise ValueError(f"{request.label}: {', '.join(stray)} is not a setting of this page"
                             + (f" (its settings: {', '.join(sorted(names))})" if names else " (it has none)"))
        merged = shared | own
        common = {k: v for k, v in merged.items() if k in GLOBAL_NAMES and k != PRESENT}
        key = tuple(sorted(common.items()))
        if key not in views:
            views[key] = deck_view(cohort, common, when=when, source_name=source_name, min_cell=min_cell)
        texts = {k: v for k, v in merged.items() if k in names}
        items += page_items(request.label, views[key], texts, item=request.item, adverse_events=adverse_events)
    return collected_deck(items, when=when, title=title)


def page_items(label: str, view: DeckView, texts: Mapping[str, str], *, item: str = "", call: Call | None = None,
               adverse_events: AdverseEvents | None = None) -> list[DeckItem]:
    """The figures and tables of page ``label`` (only ``item`` when given) in ``view``, its settings read from ``texts``.

    ``call`` calls the view functions (the dashboard passes its cache). Raises ValueError (a sentence starting
    with the page's name) for a setting that is not allowed or an item the page does not have.
    """
    entry = page_entry(label)
    ctx = entry.context(view.ctx)
    try:
        values = read_params(entry.params, ctx, texts)
        page = entry.build(ctx, values, adverse_events=adverse_events, **({"call": call} if call else {}))
    except ValueError as error:
        raise ValueError(f"{entry.label}: {error}") from None
    blocks = page.items()
    if item:
        blocks = tuple(b for b in blocks if b.key == item)
        if not blocks:
            raise ValueError(f"{entry.label} has no figure or table {item!r}; it has: "
                             + ", ".join(b.key for b in page.items()))
    state = urlencode(({} if entry.whole_file else view.state) | params_text(entry.params, ctx, values))
    footer = view.footer(ctx, DEFAULT_SCENARIO if entry.whole_file else view.name)
    patients = patients_text(ctx.filter, len(ctx.filtered.patients))
    return [deck_item(b, page=entry.label, state=state, footer=footer, reconstruction=view.ctx.bundled,
                      patients=patients, min_cell=view.min_cell) for b in blocks]


def footer_fields(footer: str) -> dict[str, str]:
    """A provenance footer (``export.files.footer_text``) as ``{"data": …, "filter": …, "grading": …}``."""
    return {key.strip(): value.strip() for key, sep, value in (line.partition(":") for line in footer.splitlines())
            if sep}


def collected_deck(items: Sequence[DeckItem], *, when: dt.date | None = None, title: str = TITLE) -> Deck:
    """A deck of ``items`` (collected from any pages, views and gradings) with a title slide that says what they share.

    The title slide names the data, the patients and the grading when every item has the same (read from
    their footers), else says that each slide's footer names its own.
    """
    fields = [footer_fields(i.footer) for i in items]

    def shared(key: str, varied: str) -> str:
        values = {f.get(key, "") for f in fields}
        return (values.pop() or "") if len(values) == 1 else (varied if values else "")

    data = shared("data", "several data files (each slide's footer names its own)")
    patients = shared("filter", "as each slide's footer says")
    subtitle = "; ".join(t for t in (data, f"patients: {patients}" if patients else "") if t)
    # The rules themselves are in each item's state (a whole-file page's state has none: the paper's rules).
    gradings = {(name, rules) for name, rules, _ in (rules_from_params(parse_state(i.source.state)) for i in items)}
    grading = grading_description(*gradings.pop()) if len(gradings) == 1 else (
        "as each slide's footer says (the slides were made under different gradings)" if gradings else "")
    return Deck(title=title, subtitle=subtitle, grading=grading,
                created=when or dt.date.today(), reconstruction=any(i.reconstruction for i in items),
                items=tuple(items))


__all__ = ["DEFAULT_PAGES", "GLOBAL_NAMES", "MAX_TABLE_ROWS", "DeckView", "PageRequest", "collected_deck", "deck_item",
           "deck_view", "footer_fields", "page_deck", "page_items", "parse_state", "slide_min_cell"]
