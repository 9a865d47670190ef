"""Small shared renderers: a statistic with its n, "not computed" notes, tables and charts with downloads.

Text that comes from data (file names, genotype labels, withdrawal reasons) is shown either in a
table (``st.dataframe``, never interpreted) or through ``plain`` when it must sit in Markdown, so
that a label such as ``[click](https://…)`` or ``![x](…)`` cannot become a link or an image.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import streamlit as st
# What st.vega_lite_chart and st.dataframe use to turn a frame into Arrow.
from streamlit.dataframe_util import convert_anything_to_arrow_bytes, convert_pandas_df_to_arrow_table

from thaldash.export import files as export
from thaldash.lazy import derived

if TYPE_CHECKING:  # altair (a second of a cold start) loads with the first chart
    import altair as alt

# Every ASCII punctuation character that Markdown, Streamlit's directives (":red[…]",
# ":material/…:") or KaTeX ("$…$") can give a meaning to; CommonMark lets a backslash escape each.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")


# GitHub-flavoured Markdown turns bare URLs, "www." names and e-mail addresses into links even when
# every punctuation character is escaped (checked in chromium: "http\\://host" still renders as a
# link). An invisible WORD JOINER inside each of them ("http:⁠//", "www⁠.", "a@⁠b") stops the
# autolink and leaves the text as it reads.
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.|@)")
_WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """``text`` escaped so that Markdown shows it literally, on one line, with no link, image or HTML."""
    one_line = " ".join(str(text).split())
    unlinked = _AUTOLINK.sub(lambda m: m.group(1)[:-1] + _WORD_JOINER + m.group(1)[-1], one_line)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


def stat(label: str, value: str, *, n: int | None, detail: str = "", help: str | None = None) -> None:
    """A headline number with its n underneath.

    Parameters
    ----------
    label
        What the number is ("ORR", "Major response").
    value
        The number, already formatted by the page (e.g. "91.7 %").
    n
        The denominator or sample size; always shown ("n = 48").
    detail
        Extra text after the n (e.g. the confidence interval and its method).
    """
    st.metric(plain(label), value, help=help)
    count = f"{n:,}" if isinstance(n, int) else str(n)  # 919,894, not 919894, at a million patients
    st.caption(" · ".join(t for t in (f"n = {count}" if n is not None else "", detail) if t))


def not_computed(what: str, reason: str) -> None:
    """A statistic that cannot be computed, with the reason, instead of a number."""
    # Core reasons often begin "not computed: …" themselves; say it once.
    reason = reason.removeprefix("not computed: ").removeprefix("not computed")
    st.caption(f"**{plain(what)}**: not computed — {plain(reason)}")


def displayed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as sent to the browser: categorical columns keep only the categories they use.

    A cohort's ids are one categorical over every patient of the file: without this, a table of
    1,000 patients of a million-patient file would send the million-entry dictionary on every rerun.
    """
    big = [c for c in frame.columns
           if isinstance(frame[c].dtype, pd.CategoricalDtype) and len(frame[c].cat.categories) > len(frame)]
    if not big:
        return frame
    out = frame.copy(deep=False)
    for column in big:
        out[column] = frame[column].cat.remove_unused_categories()
    return out


def sent(frame: pd.DataFrame, rows: int | None = None, columns: Sequence[str] | None = None) -> pa.Table:
    """``displayed(frame)`` (its first ``rows`` rows, its ``columns``) as the Arrow table ``st.dataframe`` sends.

    Pages show cached frames (``cache_on_cohort``), so on a rerun the same object comes back:
    Streamlit would select the columns and convert them to Arrow again on every rerun (5 ms a
    table, 30 ms on a page of six). Given this table instead, ``st.dataframe`` serialises it as is;
    the bytes are those Streamlit makes from the frame itself (the same conversion, pandas metadata
    included). The table lives as long as its frame (a weak reference), so it is held no longer than
    the frame's own cache holds it.
    """
    columns = None if columns is None else tuple(columns)

    def convert() -> pa.Table:
        shown = frame if columns is None else frame[list(columns)]
        return convert_pandas_df_to_arrow_table(displayed(shown if rows is None else shown.head(rows)))

    return derived(frame, ("arrow", rows, columns), convert)


Actions = Callable[[Any], None]
"""Draws more buttons into the row of a table's or a chart's downloads (given the row); see ``ui.deck_panel``."""


def table(frame: pd.DataFrame, *, name: str, footer: str, presentation: bool = False,
          columns: Sequence[str] | None = None, column_config: dict | None = None, height: int | str = "auto",
          more: Actions | None = None, counts: Sequence[str] = (), derived: Sequence[str] = (), min_cell: int | None = None,
          fractions: Sequence[str] = ()) -> None:
    """A read-only table, plus a CSV download (with the provenance footer) outside presentation mode.

    Parameters
    ----------
    columns
        The columns shown and downloaded, in order (all of ``frame``'s by default).
    name
        File name stem of the download (``<name>.csv``); also keeps the button's key unique.
    footer
        ``Frame.footer``: data file, filter, grading scenario, date.
    more
        Draws further buttons beside the download (outside presentation mode).
    counts, derived, fractions, min_cell
        The columns that count patients, those computed from them, text columns writing counts as "k/n",
        and k: the download shows counts
        1 … k − 1 as "< k" (``data.disclosure``); None (the bundled reconstruction) leaves them. The screen
        shows every number: it is the analyst's.
    """
    st.dataframe(sent(frame, columns=columns), hide_index=True, width="stretch", column_config=column_config,
                 height=height, placeholder="–")
    if not presentation:  # the file is built only when the button is clicked
        row = st.container(horizontal=True)
        row.download_button("Download CSV", lambda: export.table_csv(
                                frame if columns is None else frame[list(columns)], footer, counts=counts, derived=derived,
                                min_cell=min_cell, fractions=fractions),
                            file_name=f"{name}.csv", mime="text/csv", key=f"thaldash.csv.{name}", on_click="ignore")
        if more is not None:
            more(row)


_SPECS: OrderedDict[int, tuple[alt.TopLevelMixin, dict]] = OrderedDict()
_SPECS_KEPT = 128


def _spec(figure: alt.TopLevelMixin) -> dict:
    """The figure's Vega-Lite dict, built once per figure object.

    Pages cache their figures (``cache_on_cohort``), so on a rerun the same object comes back and
    its spec is reused: Altair takes 50–200 ms to build and validate one. Unvalidated: every
    builder's spec is validated by its own tests.
    """
    hit = _SPECS.get(id(figure))
    if hit is not None and hit[0] is figure:
        _SPECS.move_to_end(id(figure))
        return hit[1]
    spec = figure.to_dict(validate=False)
    if isinstance(spec.get("datasets"), dict):
        # Tabular datasets as Arrow bytes once, the form Streamlit sends: it would convert every
        # dataset again on every rerun (30 ms for the transfusion page's charts).
        spec["datasets"] = {name: convert_anything_to_arrow_bytes(pd.DataFrame(values))
                            if isinstance(values, list) and all(isinstance(v, dict) for v in values) else values
                            for name, values in spec["datasets"].items()}
    _SPECS[id(figure)] = (figure, spec)  # holding the figure keeps its id from being reused
    while len(_SPECS) > _SPECS_KEPT:
        _SPECS.popitem(last=False)
    return spec


def chart(figure: alt.TopLevelMixin, *, name: str, footer: str, presentation: bool = False,
          stretch: bool = True, more: Actions | None = None, min_cell: int | None = None) -> None:
    """An Altair chart, plus PNG and SVG downloads (with the provenance footer) outside presentation mode.

    On screen the chart fills the page's width at its own height (``autosize: fit-x``); Streamlit's
    default ``fit`` would squeeze the plot to make room for titles and axes inside that height.
    With ``stretch=False`` it keeps its own width (multi-panel charts of fixed panel width). The
    exports use the figure as built, with the footer under it. ``more`` draws further buttons beside the downloads.
    With ``min_cell`` k (a real cohort), the downloads' count labels from 1 to k − 1 read "< k"
    (``export.small_cells``); None (the bundled reconstruction) leaves them. The screen shows every number.
    """
    spec = dict(_spec(figure))  # Streamlit takes the data out of the dict it is given (top-level keys only)
    if stretch:
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    st.vega_lite_chart(spec, width="stretch" if stretch else "content")
    if presentation:
        return
    row = st.container(horizontal=True)
    row.download_button("Download PNG", lambda: export.chart_png(figure, footer, min_cell=min_cell),
                        file_name=f"{name}.png",
                        mime="image/png", key=f"thaldash.png.{name}", on_click="ignore")
    row.download_button("Download SVG", lambda: export.chart_svg(figure, footer, min_cell=min_cell),
                        file_name=f"{name}.svg",
                        mime="image/svg+xml", key=f"thaldash.svg.{name}", on_click="ignore")
    if more is not None:
        more(row)
