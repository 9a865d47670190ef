"""Shared pieces of the chart builders: sizes, the month axis, guards and the top-level config.

Builders in ``thaldash.charts_*`` compose layers from these and call ``finish`` last, because
Vega-Lite accepts ``configure_*`` only on the top-level chart.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable

import altair as alt
import pandas as pd

from thaldash.palette import FONT, typography
from thaldash.schema import COLUMNS, MEASURE_LABELS, STUDY_MONTHS

HEIGHT = 300
"""Height (px) of a single-panel chart; the width follows the container."""

PANEL_WIDTH = 560
"""Width (px) of each panel of a multi-panel chart (Vega-Lite cannot fit those to a container)."""

MAX_ROWS = 5_000
"""Most rows a builder accepts: more means the caller forgot to aggregate or sample."""

MONTH_TITLE = "Month of treatment"
MONTH_DOMAIN = [0, 24]


def month_axis(title: str = MONTH_TITLE) -> alt.Axis:
    """Quantitative month axis with a tick at every study visit."""
    return alt.Axis(values=list(STUDY_MONTHS), title=title, grid=False)


def month_x(field: str = "month", *, title: str = MONTH_TITLE) -> alt.X:
    """The month encoding shared by every chart over follow-up time."""
    return alt.X(f"{field}:Q", axis=month_axis(title), scale=alt.Scale(domain=MONTH_DOMAIN, nice=False))


def measure_title(measure: str) -> str:
    """Axis title with unit, e.g. "Hb (g/L)"; unknown columns get their contract unit if any."""
    if measure in MEASURE_LABELS:
        return MEASURE_LABELS[measure]
    unit = COLUMNS[measure].unit if measure in COLUMNS else ""
    return f"{measure} ({unit})" if unit else measure


def require(frame: pd.DataFrame, columns: Iterable[Hashable], *, chart: str) -> None:
    """Raise a sentence naming the chart and the missing columns."""
    missing = [str(c) for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{chart}: the data lacks the column(s) {', '.join(missing)} "
                         f"(it has {', '.join(map(str, frame.columns))}).")


def guard(frame: pd.DataFrame, *, chart: str, limit: int = MAX_ROWS) -> None:
    """Refuse a frame too large to embed: aggregate or sample (``cap_patients``) first."""
    if len(frame) > limit:
        raise ValueError(f"{chart}: {len(frame):,} rows is more than a chart should embed "
                         f"({limit:,}); aggregate first or sample patients with "
                         "thaldash.trajectories.cap_patients.")


def fmt_p(p: float) -> str:
    """p for a title: "p < 0.001" or "p = 0.042"; "p not computed" for NaN."""
    if p is None or not math.isfinite(p):
        return "p not computed"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def fmt_num(x: float, digits: int = 1) -> str:
    """Fixed decimals for display, "–" for a missing value."""
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def finish(chart: alt.TopLevelMixin, *, presentation: bool = False) -> alt.TopLevelMixin:
    """Apply the house fonts and sizes; call once, on the top-level chart."""
    t = typography(presentation)
    return (
        chart.configure(font=FONT)
        .configure_title(fontSize=t.title, subtitleFontSize=t.subtitle, anchor="start",
                         subtitleColor="#444444", offset=8)
        .configure_axis(titleFontSize=t.axis_title, labelFontSize=t.axis_label,
                        titleFontWeight="normal", labelColor="#333333", titleColor="#222222",
                        gridColor="#EBEBEB", domainColor="#888888", tickColor="#888888")
        .configure_legend(titleFontSize=t.legend_title, labelFontSize=t.legend_label,
                          titleFontWeight="normal", orient="right")
        .configure_header(titleFontSize=t.header, labelFontSize=t.header)
        .configure_text(fontSize=t.mark_text)
        .configure_view(stroke=None)
    )


def title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    """Chart title with an optional subtitle line (n, test, method)."""
    if subtitle:
        return alt.TitleParams(text=text, subtitle=subtitle)
    return alt.TitleParams(text=text)
