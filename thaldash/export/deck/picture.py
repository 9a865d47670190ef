"""A figure as the picture of a slide: the shape of the slide's box, the projector's sharpness.

``house.figure_png`` renders; this decides the width a "container" chart is drawn at, the
scale, and trims the blank band the export leaves under a chart without a footer.
"""

from __future__ import annotations

import io
import math
from typing import Any

from PIL import Image, ImageChops

from thaldash.export.deck.house import figure_png, png_size

PROJECTOR_PX = 1920
"""Pixels across the slide on the projector a figure must stay sharp on."""
MAX_SCALE = 4.0
EXPORT_WIDTH = 720
"""px: ``thaldash.export``'s width for "container" charts, used by the first render."""
MAX_FIGURE_WIDTH = 1600
"""px: a "container" chart is widened towards the box's shape up to this."""


def _has_container_width(node: object) -> bool:
    if isinstance(node, dict):
        return node.get("width") == "container" or any(_has_container_width(v) for v in node.values())
    return isinstance(node, list) and any(_has_container_width(v) for v in node)


def _trimmed(png: bytes, *, margin: int) -> bytes:
    """``png`` without the blank band below and right of the drawing, keeping ``margin`` pixels."""
    image = Image.open(io.BytesIO(png))
    drawn = ImageChops.difference(image.convert("RGB"), Image.new("RGB", image.size, "white")).getbbox()
    if drawn is None:
        return png
    right, bottom = min(image.width, drawn[2] + margin), min(image.height, drawn[3] + margin)
    if (right, bottom) == image.size:
        return png
    out = io.BytesIO()
    image.crop((0, 0, right, bottom)).save(out, format="PNG")
    return out.getvalue()


def slide_picture(spec: dict[str, Any], *, width: float, height: float, slide_width: float,
                  what: str = "Figure") -> tuple[bytes, float, float]:
    """The PNG of ``spec`` and its size on the slide, fitted in ``width`` × ``height`` (pt).

    A first render at scale 1 gives the figure's shape; a "container"-width chart is then
    widened towards the box's shape (its height is fixed by the builder), and the second
    render's scale gives the picture at least the projector's pixel density across the slide
    (``slide_width`` pt = ``PROJECTOR_PX`` pixels). The aspect ratio is kept; ``what`` names the
    item in an error.
    """
    px_w, px_h = png_size(figure_png(spec, scale=1, what=what))
    render_width = None
    if _has_container_width(spec) and px_w / px_h < width / height:
        render_width = min(MAX_FIGURE_WIDTH, EXPORT_WIDTH + round(width / height * px_h - px_w))
        px_w += render_width - EXPORT_WIDTH
    shown = min(width / px_w, height / px_h)  # pt per CSS pixel
    scale = min(MAX_SCALE, max(1.0, math.ceil(4 * shown * PROJECTOR_PX / slide_width) / 4))  # 0.25 steps
    png = _trimmed(figure_png(spec, scale=scale, width=render_width, what=what), margin=round(5 * scale))
    px_w, px_h = png_size(png)
    shown = min(width / px_w, height / px_h)
    return png, px_w * shown, px_h * shown
