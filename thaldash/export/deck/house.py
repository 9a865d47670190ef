"""Everything the deck takes from thaldash, imported in this module only.

The integrator re-points these imports when ``thaldash.export.deck`` moves into ``thaldash``. The rest of
``thaldash.export.deck`` imports the house font, colours, type sizes and figure rendering from here.
Figures are rendered by ``thaldash.export`` (vl-convert, offline) from the deck's Vega-Lite
dicts; nothing here re-implements it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from thaldash.export.files import chart_png, chart_svg, footer_text, is_presentation
from thaldash.charts.palette import BLUE, FONT, NORMAL, PRESENTATION, Typography

__all__ = [
    "ACCENT", "FONT", "FONT_FAMILY", "NORMAL", "PRESENTATION", "Typography", "figure_png", "figure_svg",
    "footer_text", "is_presentation", "png_size", "presentation_spec",
]

FONT_FAMILY = FONT.split(",")[0].strip()
"""The house family ("Liberation Sans", metric-compatible with Arial) for slide text."""

ACCENT = BLUE
"""Okabe–Ito blue: title rules and table headers, as MaR and the dashboard's accents."""

# Config paths of the house typography (charts_base.finish) and the Typography field each takes.
_CONFIG_SIZES: tuple[tuple[str, str, str], ...] = (
    ("title", "fontSize", "title"), ("title", "subtitleFontSize", "subtitle"),
    ("axis", "titleFontSize", "axis_title"), ("axis", "labelFontSize", "axis_label"),
    ("legend", "titleFontSize", "legend_title"), ("legend", "labelFontSize", "legend_label"),
    ("header", "titleFontSize", "header"), ("header", "labelFontSize", "header"),
    ("text", "fontSize", "mark_text"),
)


class _SpecChart:
    """A Vega-Lite dict dressed as a chart: ``thaldash.export`` only calls ``to_dict()``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return dict(self._spec)  # export_spec pops top-level keys from what it gets


def presentation_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the dashboard's presentation type sizes, if it has the normal ones.

    A figure built with ``presentation=True`` is returned as it is. A house chart built for the
    desk has ``NORMAL`` sizes in its top-level config; those (and only those: a size the page
    chose itself stays) become ``PRESENTATION`` sizes. Sizes written on single marks (e.g. the
    n under a point) are the builder's layout and stay, so a page should build deck figures
    with ``presentation=True`` where it can.
    """
    if "config" not in spec or is_presentation(spec):
        return spec
    config = {k: (dict(v) if isinstance(v, dict) else v) for k, v in spec["config"].items()}
    for group, key, size in _CONFIG_SIZES:
        if config.get(group, {}).get(key) == getattr(NORMAL, size):
            config[group][key] = getattr(PRESENTATION, size)
    # As charts_base.finish(presentation=True): big labels need fewer ticks.
    config.setdefault("axisQuantitative", {"tickCount": 6})
    return {**spec, "config": config}


def _drawn(render: Callable[[], Any], what: str) -> Any:
    """``render()``, its failure said as a sentence naming the item (vl-convert's is a JS stack)."""
    try:
        return render()
    except ValueError as error:
        detail = next((line.strip() for line in str(error).splitlines()[1:2]), "")
        raise ValueError(f"{what}: the figure could not be drawn{f' ({detail})' if detail else ''}. Remove it "
                         "from the deck and add it again from its page.") from error


def figure_png(spec: dict[str, Any], *, scale: float, width: int | None = None, what: str = "Figure") -> bytes:
    """The figure as PNG at ``scale`` (device pixels per CSS pixel), in presentation type.

    No footer is drawn into the picture: the slide prints it once, as text, under the figure.
    ``width`` (px) replaces ``width: "container"``; None keeps the export default. ``what``
    names the item in an error.

    Raises
    ------
    ValueError
        When the renderer cannot draw the spec.
    """
    options = {} if width is None else {"width": width}
    return _drawn(lambda: chart_png(_SpecChart(presentation_spec(spec)), "", scale=scale, **options), what)


def figure_svg(spec: dict[str, Any], *, what: str = "Figure") -> str:
    """The figure as SVG text, in the type sizes it was built with; the footer is left to the page.

    Raises
    ------
    ValueError
        When the renderer cannot draw the spec (``what`` names the item).
    """
    return _drawn(lambda: chart_svg(_SpecChart(spec), ""), what)


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG's header chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("The figure renderer did not return a PNG image.")
    return struct.unpack(">II", png[16:24])
