"""Every chart every page draws exports to PNG and SVG, with its footer.

A download button whose file never arrives is a silent failure for the user (the browser shows
nothing), so each figure a page hands to ``Frame.chart`` is rendered here exactly as the PNG
and SVG buttons would render it.
"""

from __future__ import annotations

import pytest

import thaldash.ui.frame as frame_module
from tests.pages.conftest import PAGE_FILES
from thaldash.data.disclosure import default_min_cell
from thaldash.export import files as export

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WHATIF = next(page for page in PAGE_FILES if page.name.endswith("What-if.py"))


@pytest.mark.parametrize("scenario", ["bundled", "tiny"])
def test_every_chart_of_every_page_exports(run_page, monkeypatch, scenario):
    drawn: list[tuple[str, str, object]] = []
    original = frame_module.chart

    guards: set[object] = set()

    def recording(figure, *, name, **kwargs):
        drawn.append((page.name, name, figure))
        guards.add(kwargs.get("min_cell"))
        return original(figure, name=name, **kwargs)

    monkeypatch.setattr(frame_module, "chart", recording)
    # The what-if page draws its sweep only on its own tab, and other heatmaps under stricter rules.
    views = [(page, None) for page in PAGE_FILES] + [
        (WHATIF, {"view": "Where the conclusions tip"}), (WHATIF, {"scenario": "strict-clinical"})]
    for page, query in views:
        at = run_page(page, scenario, query=query)
        assert not at.exception, (page.name, [e.value for e in at.exception])
    names = {n for _, n, _ in drawn}
    assert len(names) >= 12 and {"whatif_transitions", "whatif_sweep"} <= names, sorted(names)
    footer = "data: x (sha256 0)\nfilter: all\ngrading: paper\nexported: 2026-01-01 with thaldash"
    for page_name, name, figure in drawn:
        png = export.chart_png(figure, footer)
        svg = export.chart_svg(figure, footer)
        assert png.startswith(PNG_MAGIC) and len(png) > 5_000, (page_name, name)
        assert "<svg" in svg and "exported: 2026-01-01" in svg, (page_name, name)
        if scenario == "tiny":  # a real cohort: its downloads hide small count labels, and every chart still draws
            guarded = export.chart_svg(figure, footer, min_cell=5)
            assert "<svg" in guarded and "exported: 2026-01-01" in guarded, (page_name, name)
    # the downloads of the reconstruction are never guarded; a real cohort's at the default k
    assert guards == ({None} if scenario == "bundled" else {default_min_cell()})

