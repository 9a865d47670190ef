"""One palette and one set of font sizes for every chart and export.

Colours come from Okabe & Ito's colour-blind-safe set ("Color Universal Design", 2008), so a
response tier keeps its colour on every page and in every PNG/SVG. ``tests/test_palette.py``
checks that every palette whose colours can meet in one chart stays distinguishable: it
simulates protanopia, deuteranopia and tritanopia (Machado, Oliveira & Fernandes 2009,
severity 1) and requires a CIE76 colour difference ΔE*ab ≥ 15 between every pair of colours of
the palette (≥ 15 is clearly distinct side by side; ≈ 2.3 is a just-noticeable difference).

Tiers run from blue (best) through sky blue and orange to vermillion (worst), so the order of
the tiers reads from the colours alone; "not evaluable" is grey everywhere.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from thaldash.data.schema import MAR_GROUP, NOT_EVALUABLE, OTHER_GROUP

if TYPE_CHECKING:  # altair (a second of a cold start) loads with the first chart
    import altair as alt

# Okabe–Ito colours, by their published names.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"  # background-like: "no visit" cells, never a data series

NEUTRAL = "#4D4D4D"
"""Colour of a chart that shows one series only (no grouping) and of histogram bars: a dark
grey, so that no single series borrows the meaning of a tier or a group colour."""

SINGLE_SERIES = NEUTRAL

INDIVIDUAL_LINE = "#B0B0B0"
"""Thin per-patient lines behind a mean: grey so that the means stay in front."""

TIER_COLOURS: dict[str, str] = {
    "MaR": BLUE,
    "MiR": SKY_BLUE,
    "SLR": ORANGE,
    "NR": VERMILLION,
    NOT_EVALUABLE: GREY,
}
GENOTYPE_GROUP_COLOURS: dict[str, str] = {  # the group named after a tier takes that tier's colour
    MAR_GROUP: BLUE,
    OTHER_GROUP: VERMILLION,
    NOT_EVALUABLE: GREY,
}
THAL_TYPE_COLOURS: dict[str, str] = {"TDT": REDDISH_PURPLE, "NTDT": BLUISH_GREEN}
SPLENECTOMY_LABELS: dict[bool, str] = {True: "splenectomy", False: "no splenectomy"}
SPLENECTOMY_COLOURS: dict[str, str] = {"splenectomy": BLACK, "no splenectomy": ORANGE}
STATUS_COLOURS: dict[str, str] = {  # data completeness
    "value": SKY_BLUE,  # calm, so that the gaps stand out
    "missing value": ORANGE,
    "no visit": LIGHT_GREY,
}

CATEGORICAL: tuple[str, ...] = (
    BLUE, ORANGE, BLUISH_GREEN, VERMILLION, REDDISH_PURPLE, SKY_BLUE, BLACK, YELLOW,
    # Beyond eight categories no palette stays colour-blind safe; these (Paul Tol's "muted")
    # keep further genotypes apart for normal vision only. Group rare categories instead.
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
    "#AA4499",
)
"""Ordered palette for genotypes and other groupings without fixed colours."""

CATEGORICAL_SAFE = 8
"""The first ``CATEGORICAL_SAFE`` colours of ``CATEGORICAL`` are the colour-blind-safe ones."""

FIXED: dict[str, dict[str, str]] = {
    "tier": TIER_COLOURS,
    "genotype_group": GENOTYPE_GROUP_COLOURS,
    "thal_type": THAL_TYPE_COLOURS,
    "splenectomy": SPLENECTOMY_COLOURS,
    "status": STATUS_COLOURS,
}
"""Groupings whose values always get the same colour, by palette name."""

ALIASES: dict[str, str] = {
    "published_tier": "tier", "tier_reference": "tier", "tier_whatif": "tier",
    "transfusion_tier": "tier", "hb_tier": "tier", "group": "genotype_group",
    "response_group": "genotype_group",
}
"""Column names that use a fixed palette under another name."""


def palette_name(grouping: str) -> str | None:
    """The fixed palette that ``grouping`` (a palette or column name) uses, or None."""
    name = ALIASES.get(grouping, grouping)
    return name if name in FIXED else None


def value_label(grouping: str, value: object) -> str:
    """The text a chart shows for ``value`` (booleans of ``splenectomy`` become words)."""
    if palette_name(grouping) == "splenectomy" and isinstance(value, bool):
        return SPLENECTOMY_LABELS[value]
    return str(value)


def colours_for(grouping: str, domain: Sequence[Hashable] | None = None) -> list[str]:
    """One colour per value of ``domain`` (see ``scale_for``)."""
    name = palette_name(grouping)
    if name is None:
        if domain is None:
            raise ValueError(f"{grouping}: a grouping without fixed colours needs its domain "
                             "(the list of its values, in order)")
        return [CATEGORICAL[i % len(CATEGORICAL)] for i in range(len(domain))]
    fixed = FIXED[name]
    labels = list(fixed) if domain is None else [value_label(grouping, v) for v in domain]
    # Values the palette does not know (e.g. an uploaded file's extra tier) take categorical
    # colours the palette does not use, in order of appearance.
    spare = iter([c for c in CATEGORICAL if c not in fixed.values()])
    return [fixed[v] if v in fixed else next(spare, GREY) for v in labels]


def scale_for(grouping: str, domain: Sequence[Hashable] | None = None) -> alt.Scale:
    """The colour scale of ``grouping``, identical on every page and in every export.

    Parameters
    ----------
    grouping
        A palette name ("tier", "genotype_group", "thal_type", "splenectomy", "status"), a
        column name that uses one of them (``published_tier``, ``tier_whatif``, ``group`` …),
        or any other column, which gets ``CATEGORICAL`` colours in ``domain`` order.
    domain
        The values, in legend order. Optional for fixed palettes (all their values, in
        canonical order). For other groupings pass the *full* list of the grouping's values
        (e.g. every genotype of the unfiltered cohort, sorted) so that a filter does not shift
        the colours.
    """
    import altair as alt  # here: the page frame reads this module's colours before any chart is drawn

    labels = (list(FIXED[palette_name(grouping)]) if domain is None and palette_name(grouping)
              else [value_label(grouping, v) for v in (domain or [])])
    return alt.Scale(domain=labels, range=colours_for(grouping, domain))


@dataclass(frozen=True)
class Typography:
    """Font sizes (px) of one display mode."""

    title: int
    subtitle: int
    axis_title: int
    axis_label: int
    legend_title: int
    legend_label: int
    mark_text: int
    header: int
    footer: int


FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
"""Installed-or-generic families only: the PNG/SVG export renders offline and must not look for
web fonts; ``sans-serif`` is the last resort everywhere."""

NORMAL = Typography(title=15, subtitle=12, axis_title=12, axis_label=11, legend_title=12,
                    legend_label=11, mark_text=11, header=12, footer=9)
PRESENTATION = Typography(title=24, subtitle=18, axis_title=19, axis_label=16, legend_title=18,
                          legend_label=16, mark_text=16, header=18, footer=12)


def typography(presentation: bool = False) -> Typography:
    """Font sizes for normal screens or for a projector (``presentation``)."""
    return PRESENTATION if presentation else NORMAL
