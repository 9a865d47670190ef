"""Shared pieces of the chart builders: sizes, the month axis, guards and the top-level config.

Builders in ``thaldash.charts_*`` compose layers from these and call ``finish`` last, because
Vega-Lite accepts ``configure_*`` only on the top-level chart.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Hashable, Iterable, Sequence

import altair as alt
import pandas as pd

from thaldash.charts.palette import FIXED, FONT, palette_name, scale_for, typography, value_label
from thaldash.data.schema import COLUMNS, MEASURE_LABELS, STUDY_MONTHS

HEIGHT = 300
"""Height (px) of a single-panel chart; the width follows the container."""

PANEL_WIDTH = 560
"""Width (px) of each panel of a multi-panel chart (Vega-Lite cannot fit those to a container)."""

MAX_ROWS = 5_000
"""Most rows a builder accepts: more means the caller forgot to aggregate or sample."""

MONTH_TITLE = "Month of treatment"
MONTH_DOMAIN = [0, 24]


def month_axis(title: str = MONTH_TITLE, *, last: int = MONTH_DOMAIN[1]) -> alt.Axis:
    """Quantitative month axis with a tick at every study visit up to month ``last``."""
    # Every study month is labelled: the schedule is part of the message.
    values = [m for m in STUDY_MONTHS if m <= last]
    return alt.Axis(values=values, tickCount=len(values), title=title, grid=False, labelOverlap=False)


def month_x(field: str = "month", *, title: str = MONTH_TITLE, last: int = MONTH_DOMAIN[1]) -> alt.X:
    """The month encoding shared by every chart over follow-up time: months 0 to ``last`` (24)."""
    # A few pixels of padding keep the points (and their n labels) at months 0 and 24 off the axes.
    return alt.X(f"{field}:Q", axis=month_axis(title, last=last),
                 scale=alt.Scale(domain=[MONTH_DOMAIN[0], last], nice=False, padding=14))


def measure_title(measure: str) -> str:
    """Axis title with unit, e.g. "Hb (g/L)"; unknown columns get their contract unit if any."""
    if measure in MEASURE_LABELS:
        return MEASURE_LABELS[measure]
    unit = COLUMNS[measure].unit if measure in COLUMNS else ""
    return f"{measure} ({unit})" if unit else measure


def in_sentence(label: str) -> str:
    """``label`` for use mid-sentence: "Serum ferritin" → "serum ferritin"; "Hb", "RBC" stay."""
    word = label.split(" ", 1)[0]
    return label[0].lower() + label[1:] if len(word) > 3 and word[1:].islower() else label


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
                         "thaldash.analyses.trajectories.cap_patients.")


def fmt_p(p: float) -> str:
    """p for a title: "p < 0.001" or "p = 0.042"; "p not computed" for NaN."""
    if p is None or not math.isfinite(p):
        return "p not computed"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def fmt_num(x: float, digits: int = 1) -> str:
    """Fixed decimals for display, "–" for a missing value."""
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


SHORT_FROM = 10_000
"""Counts from here on are written short in labels along an axis (``short_count``)."""


def short_count(n: int) -> str:
    """A count for a label along an axis, where six digits at neighbouring months would run into each other:
    "9999", then "653k" and "1.2M". Below ``SHORT_FROM`` the plain digits, so that an export can still read a small
    count at the label's start (``export.small_cells``)."""
    if n < SHORT_FROM:
        return str(n)
    if n < 999_500:
        return f"{n / 1_000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def count_marks(*, counts: Sequence[str] = (), labels: Sequence[str] = ()) -> dict:
    """The ``usermeta`` of a chart whose text marks show counts of patients (pass to ``.properties``).

    ``counts`` are numeric fields a text mark shows; ``labels`` are text fields written from counts
    ("3 (6.3%)", "ORR 3/15 = 20.0%", "n=3"). An export of a real cohort shows their counts from 1 to k − 1
    as "< k" (``export.small_cells``); the screen shows them as they are.
    """
    return {"thaldash": {"counts": list(counts), "labels": list(labels)}}


def finish(chart: alt.TopLevelMixin, *, presentation: bool = False) -> alt.TopLevelMixin:
    """Apply the house fonts and sizes; call once, on the top-level chart.

    One ``configure`` call: each ``configure_*`` call copies the whole chart again.
    """
    t = typography(presentation)
    config = {
        "font": FONT,
        "title": {"fontSize": t.title, "subtitleFontSize": t.subtitle, "anchor": "start",
                  "subtitleColor": "#444444", "offset": 8},
        "axis": {"titleFontSize": t.axis_title, "labelFontSize": t.axis_label, "titleFontWeight": "normal",
                 "labelColor": "#333333", "titleColor": "#222222", "gridColor": "#EBEBEB",
                 "domainColor": "#888888", "tickColor": "#888888"},
        "legend": {"titleFontSize": t.legend_title, "labelFontSize": t.legend_label,
                   "titleFontWeight": "normal", "orient": "right"},
        "header": {"titleFontSize": t.header, "labelFontSize": t.header},
        "text": {"fontSize": t.mark_text},
        "view": {"stroke": None},
    }
    if presentation:  # big labels need fewer ticks (headless renderers underestimate text width)
        config["axisQuantitative"] = {"tickCount": 6}
    return chart.configure(**config)


SUBTITLE_WRAP = 90
"""Characters per subtitle line: a wider title would push the legend away from the plot."""


def title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    """Chart title with optional subtitle lines (n, test, method), wrapped to ``SUBTITLE_WRAP``."""
    if not subtitle:
        return alt.TitleParams(text=text)
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    wrapped = [part for line in lines for part in textwrap.wrap(line, SUBTITLE_WRAP) or [""]]
    return alt.TitleParams(text=text, subtitle=wrapped)


GROUPING_TITLES: dict[str, str] = {
    "tier": "Response tier", "published_tier": "Published tier", "genotype_group": "Genotype group",
    "group": "Genotype group", "thal_type": "Thalassaemia type", "splenectomy": "Splenectomy",
    "genotype": "Genotype", "beta_class": "β-globin class", "sex": "Sex",
}


def grouping_title(grouping: str) -> str:
    """Legend title of a grouping column."""
    return GROUPING_TITLES.get(grouping, grouping.replace("_", " ").capitalize())


def group_domain(values: pd.Series, grouping: str, domain: Sequence[Hashable] | None = None) -> list:
    """Legend order: ``domain`` if given, else the fixed palette's order, else sorted values."""
    if domain is not None:
        return [value_label(grouping, v) for v in domain]
    present = list(dict.fromkeys(value_label(grouping, v) for v in values.dropna().unique()))
    name = palette_name(grouping)
    if name is None:
        return sorted(present)
    known = [v for v in FIXED[name] if v in present]
    return known + sorted(v for v in present if v not in known)


def labelled(frame: pd.DataFrame, grouping: str | None) -> pd.DataFrame:
    """``frame`` with the grouping column as display text (splenectomy booleans as words)."""
    if grouping is None or grouping not in frame:
        return frame
    return frame.assign(**{grouping: frame[grouping].map(lambda v: value_label(grouping, v)
                                                        if pd.notna(v) else v)})


def colour(grouping: str, domain: list, *, legend: bool = True, title: str | None = None) -> alt.Color:
    """Colour encoding of ``grouping`` with the house palette (``palette.scale_for``)."""
    return alt.Color(f"{grouping}:N", scale=scale_for(grouping, domain),
                     legend=alt.Legend(title=title or grouping_title(grouping), symbolOpacity=1) if legend else None,
                     sort=domain)


def n_foot(data: pd.DataFrame, *, grouping: str | None, domain: list, colour_enc: alt.Color | alt.ValueChannelMixin,
           presentation: bool = False, last: int = MONTH_DOMAIN[1]) -> list[alt.Chart]:
    """Text layers printing each point's ``n`` along the foot of a month chart, one row per group.

    An exported PNG has no tooltips, so the n behind every mean must be on the picture. ``last``
    is the chart's last month (``month_x``).
    """
    groups = domain if grouping else [None]
    step = 13 if not presentation else 18
    layers = []
    for k, group in enumerate(groups):
        rows = data if grouping is None else data[data[grouping] == group]
        layers.append(alt.Chart(rows.assign(n_text=[short_count(int(n)) for n in rows["n"]])).mark_text(
            baseline="bottom", fontSize=10 if not presentation else 14, fontWeight="bold").encode(
            x=month_x(last=last), y=alt.value(HEIGHT - 3 - (len(groups) - 1 - k) * step), text="n_text:N",
            color=colour_enc))
    return layers
