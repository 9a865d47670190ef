"""Draw a page view's blocks: the one place a ``views.blocks`` block becomes Streamlit elements.

Every figure and table drawn here gets its downloads (PNG/SVG, CSV with the provenance footer), its
"Add to deck" button (``ui.deck_panel``) and its caption; every headline its n. Pages call ``show`` with
the blocks of their view, in the order they want them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import streamlit as st

from thaldash.ui import deck_panel
from thaldash.views.blocks import Col, Figure, Stat, Table
from thaldash.ui.widgets import not_computed, plain, stat

if TYPE_CHECKING:
    from thaldash.ui.frame import Frame


def column_config(columns: Mapping[str, Col]) -> dict[str, Any]:
    """``st.dataframe``'s column configuration for the shown columns of a table."""
    config: dict[str, Any] = {}
    for name, col in columns.items():
        if col.format:  # PERCENT is Streamlit's own "percent" format too
            config[name] = st.column_config.NumberColumn(col.label, format=col.format, width=col.width)
        elif col.count:  # counts of patients with the reader's thousands separators: 653,348, not 653348
            config[name] = st.column_config.NumberColumn(col.label, format="localized", width=col.width)
        else:
            config[name] = st.column_config.Column(col.label, width=col.width)
    return config


def show_stat(block: Stat) -> None:
    """A headline number with its n and detail, or "not computed" with the reason."""
    if block.reason:
        not_computed(block.label, block.reason)
    else:
        stat(block.label, block.value, n=block.n, detail=block.detail, help=block.help)


def show_stats(blocks: tuple[Stat, ...]) -> None:
    """Headline numbers side by side (one under the other in presentation mode is left to Streamlit)."""
    for column, block in zip(st.columns(len(blocks)), blocks):
        with column:
            show_stat(block)


def show(frame: Frame, block: Figure | Table | Stat, *, caption: bool = True, height: int | str | None = None) -> None:
    """Draw ``block`` on the page of ``frame`` (downloads with the frame's footer)."""
    if isinstance(block, Stat):
        show_stat(block)
        return
    deck_panel.sync()
    more = partial(deck_panel.add_button, frame=frame, block=block)
    if isinstance(block, Figure):
        frame.chart(block.chart, block.key, stretch=block.stretch, more=more, notes=block.footer_notes)
    else:
        config = column_config(block.columns)
        if block.patient_column is not None:
            from thaldash.ui.patient_link import patient_table

            patient_table(frame, block.frame, block.key, column_config=config | {
                c: None for c in block.frame.columns if c not in block.columns}, id_column=block.patient_column,
                height=height, what=block.what, more=more, counts=block.counts, derived=block.from_counts,
                n_rows=block.n_rows)
        else:
            frame.table(block.frame, block.key, columns=tuple(block.columns), column_config=config,
                        height=height or "content", more=more,
                        notes=block.footer_notes, counts=block.counts, derived=block.from_counts,
                        fractions=block.fractions)
    if caption and block.caption:
        st.caption(plain(block.caption))
