"""Small cells in exported figures (``export.small_cells``): a chart's count labels of a real cohort read "< k".

The chart is ``charts.outcomes.tiers_by_group_chart`` on a hand-written tier table: centre "a" has 4
evaluable patients (3 MaR, 1 NR, ORR 3/4), centre "b" 29 (20 MaR, 7 MiR, 2 NR, ORR 27/29). The SVG is
read back for its text: what a reader of the file sees.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from thaldash.charts.outcomes import tier_bars, tiers_by_group_chart
from thaldash.export.files import chart_png, chart_svg, export_spec
from thaldash.export.small_cells import SHOWN, chart_note, suppressed_spec


@pytest.fixture(scope="module")
def chart():
    table = pd.DataFrame({"centre": ["a"] * 5 + ["b"] * 5, "tier": ["MaR", "MiR", "SLR", "NR", "ORR"] * 2,
                          "n": [3, 0, 0, 1, 3, 20, 7, 0, 2, 27], "total": [4] * 5 + [29] * 5,
                          "pct": [75.0, 0.0, 0.0, 25.0, 75.0, 69.0, 24.1, 0.0, 6.9, 93.1],
                          "n_patients": [4] * 5 + [29] * 5})
    return tiers_by_group_chart(table, by="centre")


def _texts(svg: str) -> list[str]:
    """The text of the chart's text marks (not the axes' tick labels)."""
    groups = re.findall(r'<g class="mark-text role-mark[^"]*"[^>]*>(.*?)</g>', svg, flags=re.S)
    return [t.replace("&lt;", "<") for g in groups for t in re.findall(r"<text[^>]*>([^<]*)</text>", g)]


def test_svg_of_a_real_cohort_shows_no_small_count(chart):
    svg = chart_svg(chart, "data: trial.parquet (sha256 abc)\nexported: 2026-12-03 with thaldash", min_cell=5)
    texts = _texts(svg)
    assert texts.count("< 5") == 2 and "ORR < 5/< 5" in texts  # a's 3 MaR and b's 2 NR; a's ORR 3/4
    assert not {"1", "2", "3", "ORR 3/4 = 75.0%"} & set(texts)
    assert {"20", "7", "ORR 27/29 = 93.1%"} <= set(texts)  # counts of 5 and more stay
    assert "aria-label" not in svg or "n: 3" not in svg  # no raw fields in the marks' descriptions
    assert "small cells: counts below 5 shown as &lt; 5 in the labels" in svg


def test_without_k_every_count_is_drawn(chart):
    texts = _texts(chart_svg(chart, "data: x"))
    assert {"3", "2", "ORR 3/4 = 75.0%"} <= set(texts) and "< 5" not in texts


def test_the_spec_points_text_marks_at_the_shown_counts(chart):
    spec = export_spec(chart, "data: x", min_cell=5)
    rows = [r for rows in spec["datasets"].values() for r in rows]
    assert {r["n" + SHOWN] for r in rows if r.get("n") == 3} == {"< 5"}
    assert {r["n" + SHOWN] for r in rows if r.get("n") == 20} == {"20"}
    # the counts themselves stay numbers: the stacked bars keep their length
    assert [r["n"] for r in rows if r.get("centre") == "a" and r.get("tier") == "MaR"] == [3]
    fields = [layer["encoding"]["text"]["field"] for layer in spec["vconcat"][0]["layer"]
              if "text" in layer.get("encoding", {})]
    assert fields == ["n" + SHOWN, "text"]  # the bars' numbers, then the ORR labels (rewritten in place)


def test_png_renders_with_k(chart):
    assert chart_png(chart, "data: x", min_cell=5, scale=1).startswith(b"\x89PNG")


def test_tier_bars_label_and_subtitle():
    summary = pd.DataFrame({"tier": ["MaR", "MiR", "SLR", "NR", "ORR"], "n": [3, 0, 0, 1, 3], "total": [4.0] * 5,
                            "pct": [75.0, 0.0, 0.0, 25.0, 75.0], "ci_low": [19.4, 0, 0, 0.6, 19.4],
                            "ci_high": [99.4, 60.2, 60.2, 80.6, 99.4], "ci_method": ["Clopper–Pearson"] * 5})
    result = suppressed_spec(tier_bars(summary).to_dict(), 5)
    labels = [r["label"] for rows in result.spec["datasets"].values() for r in rows if "label" in r]
    assert labels == ["< 5", "0 (0.0%)", "0 (0.0%)", "< 5"]
    # "ORR (MaR + MiR + SLR) 3/4 = 75.0% (95% CI 19.4–99.4)" and "of 4 evaluable patients": 4 is below 5 too
    assert result.spec["title"]["subtitle"][0] == "ORR (MaR + MiR + SLR) < 5/< 5"
    assert result.spec["title"]["text"] == "Response tiers of < 5 evaluable patients"
    assert chart_note(result).startswith("small cells: counts below 5 shown as < 5 in the labels")


def test_a_chart_without_count_labels_is_left_as_it_is():
    spec = {"mark": "point", "data": {"values": [{"x": 3}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    result = suppressed_spec(spec, 5)
    assert not result.checked and chart_note(result) == ""
    assert result.spec["data"] == spec["data"]
    assert suppressed_spec(spec, None).spec is spec


def test_paired_change_labels_hide_a_small_n():
    from thaldash.charts.stats import paired_change_chart

    paired = pd.DataFrame({"time_i": [6, 24], "time_j": [0, 0], "test": ["paired t"] * 2, "n": [3, 12],
                           "diff": [5.0, 7.0], "ci_low": [1.0, 2.0], "ci_high": [9.0, 12.0], "p": [0.04, 0.01],
                           "computed": [True, True], "reason": ["", ""]})
    spec = suppressed_spec(paired_change_chart(paired, measure="hb_g_l").to_dict(), 5).spec
    labels = [r["label"] for rows in spec["datasets"].values() for r in rows if "label" in r]
    assert labels[0].startswith("n < 5,") and labels[1].startswith("n = 12,")
