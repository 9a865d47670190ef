"""How wide a line of slide text is, and how it wraps, so a layout can be decided before drawing.

PowerPoint and LibreOffice wrap text themselves; the deck only needs to know how many lines a
title, caption or table cell will take, to size boxes and split long tables. Widths come from
the house font's own metrics (Liberation Sans, metric-compatible with Arial) read with Pillow,
which python-pptx already depends on. Without the font file an average width per character is
used, chosen on the wide side so that an estimate errs towards more lines, not text cut off.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
             Path("/Library/Fonts"), Path("C:/Windows/Fonts"))
FONT_FILES = {False: ("LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
              True: ("LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf")}
FALLBACK_EM = {False: 0.56, True: 0.62}
"""Average advance (in em) when no font file is found: Arial's digits are 0.556 em."""

_REFERENCE_SIZE = 100  # pt; metrics read at this size and scaled, so one font object serves all sizes


@lru_cache(maxsize=2)
def _font(bold: bool) -> ImageFont.FreeTypeFont | None:
    for name in FONT_FILES[bold]:
        for folder in FONT_DIRS:
            found = next(folder.rglob(name), None) if folder.is_dir() else None
            if found is not None:
                return ImageFont.truetype(str(found), _REFERENCE_SIZE)
    return None


@lru_cache(maxsize=65536)
def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of ``text`` on one line at ``size`` pt."""
    font = _font(bold)
    if font is None:
        return len(text) * size * FALLBACK_EM[bold]
    return font.getlength(text) * size / _REFERENCE_SIZE


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pt, at spaces, as a text box wraps it.

    Line breaks in ``text`` are kept; a word wider than the line is broken between characters,
    as PowerPoint does. An empty text is one empty line.
    """
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold=bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while len(line) > 1 and text_width(line, size, bold=bold) > width:
                cut = _longest_fit(line, width, size, bold)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def _longest_fit(word: str, width: float, size: float, bold: bool) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    fit = 1
    while fit < len(word) and text_width(word[:fit + 1], size, bold=bold) <= width:
        fit += 1
    return fit


def longest_word(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of the widest word of ``text``: a column narrower than that breaks words."""
    words = str(text).split()
    return max((text_width(w, size, bold=bold) for w in words), default=0.0)
