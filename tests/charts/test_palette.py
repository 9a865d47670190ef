"""The palette: colour-blind-safe colours, one colour per value everywhere, font sizes per mode.

Colour difference is measured independently of ``thaldash.charts.palette``: sRGB → linear RGB
(IEC 61966-2-1) → optional colour-vision-deficiency simulation (Machado, Oliveira & Fernandes,
IEEE TVCG 2009, severity 1.0 matrices, applied to linear RGB) → XYZ (D65) → CIELAB (CIE 1976),
and ΔE*ab is the Euclidean distance in CIELAB.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from thaldash.charts import palette
from thaldash.data.schema import NOT_EVALUABLE

# Machado et al. 2009, Table 1, severity 1.0.
CVD = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DELTA_E = 15.0  # clearly distinct side by side; a just-noticeable difference is about 2.3


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375],
                    [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ linear_rgb
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(hex_colour: str, vision: str) -> np.ndarray:
    return _lab(np.clip(CVD[vision] @ _linear(hex_colour), 0, 1))


def test_lab_conversion_matches_published_values() -> None:
    # sRGB red, green and blue in CIELAB (D65), as tabulated by Bruce Lindbloom's calculator.
    assert _seen("#FF0000", "normal vision") == pytest.approx([53.24, 80.09, 67.20], abs=0.05)
    assert _seen("#00FF00", "normal vision") == pytest.approx([87.73, -86.18, 83.18], abs=0.05)
    assert _seen("#0000FF", "normal vision") == pytest.approx([32.30, 79.19, -107.86], abs=0.05)


def test_simulation_collapses_red_green_under_deuteranopia() -> None:
    # Sanity check of the simulation: pure red and green are far apart for normal vision and
    # much closer for a deuteranope (the confusion the palette must avoid).
    normal = np.linalg.norm(_seen("#FF0000", "normal vision") - _seen("#00FF00", "normal vision"))
    deut = np.linalg.norm(_seen("#FF0000", "deuteranopia") - _seen("#00FF00", "deuteranopia"))
    assert deut < normal / 2


PALETTES = {
    "tiers": palette.TIER_COLOURS,
    "genotype groups": palette.GENOTYPE_GROUP_COLOURS,
    "thalassaemia type": palette.THAL_TYPE_COLOURS,
    "splenectomy": palette.SPLENECTOMY_COLOURS,
    "completeness status": palette.STATUS_COLOURS,
    "categorical (safe part)": dict(enumerate(palette.CATEGORICAL[:palette.CATEGORICAL_SAFE])),
}


@pytest.mark.parametrize("vision", list(CVD))
@pytest.mark.parametrize("name", list(PALETTES))
def test_every_pair_of_colours_stays_distinguishable(name: str, vision: str) -> None:
    colours = PALETTES[name]
    worst = min(
        (float(np.linalg.norm(_seen(a, vision) - _seen(b, vision))), ka, kb)
        for (ka, a), (kb, b) in itertools.combinations(colours.items(), 2)
    )
    assert worst[0] >= MIN_DELTA_E, f"{name} under {vision}: {worst[1]} vs {worst[2]} ΔE {worst[0]:.1f}"


def test_tier_colours_follow_the_tier_order_from_blue_to_vermillion() -> None:
    assert list(palette.TIER_COLOURS) == ["MaR", "MiR", "SLR", "NR", NOT_EVALUABLE]
    assert palette.TIER_COLOURS["MaR"] == palette.GENOTYPE_GROUP_COLOURS["MaR group"]
    assert palette.TIER_COLOURS["NR"] == palette.GENOTYPE_GROUP_COLOURS["SLR/NR group"]


@pytest.mark.parametrize("grouping, domain", [
    ("tier", None),
    ("tier", ["NR", "MaR"]),
    ("tier", ["MaR"]),
    ("published_tier", ["SLR", "MaR", "MiR"]),
    ("tier_whatif", ["not evaluable", "NR", "SLR", "MiR", "MaR"]),
])
def test_mar_has_the_same_colour_whatever_the_domain(grouping: str, domain: list[str] | None) -> None:
    scale = palette.scale_for(grouping, domain).to_dict()
    assert scale["range"][scale["domain"].index("MaR")] == palette.TIER_COLOURS["MaR"]
    assert len(scale["domain"]) == len(scale["range"])


def test_fixed_palette_without_domain_lists_every_value_in_order() -> None:
    scale = palette.scale_for("thal_type").to_dict()
    assert scale == {"domain": ["TDT", "NTDT"], "range": [palette.REDDISH_PURPLE, palette.BLUISH_GREEN]}


def test_splenectomy_booleans_become_words_with_fixed_colours() -> None:
    scale = palette.scale_for("splenectomy", [False, True]).to_dict()
    assert scale["domain"] == ["no splenectomy", "splenectomy"]
    assert scale["range"] == [palette.SPLENECTOMY_COLOURS["no splenectomy"], palette.SPLENECTOMY_COLOURS["splenectomy"]]


def test_unknown_value_of_a_fixed_palette_gets_a_colour_the_palette_does_not_use() -> None:
    scale = palette.scale_for("tier", ["MaR", "CR"]).to_dict()
    assert scale["range"][0] == palette.TIER_COLOURS["MaR"]
    assert scale["range"][1] not in palette.TIER_COLOURS.values()


def test_categorical_grouping_follows_the_domain_order() -> None:
    domain = ["-28/-28", "CD17/-28", "CD41-42/CD17"]
    assert palette.scale_for("genotype", domain).to_dict()["range"] == list(palette.CATEGORICAL[:3])
    with pytest.raises(ValueError, match="genotype"):
        palette.scale_for("genotype")


def test_presentation_fonts_are_larger_than_normal_everywhere() -> None:
    normal, big = palette.typography(False), palette.typography(True)
    assert normal == palette.NORMAL and big == palette.PRESENTATION
    for field in normal.__dataclass_fields__:
        assert getattr(big, field) > getattr(normal, field), field


def test_font_ends_in_a_generic_family() -> None:
    # The PNG/SVG export renders offline; a generic family always resolves.
    assert palette.FONT.split(",")[-1].strip() == "sans-serif"
