"""Chart builders: an aggregated tidy frame in, a top-level Altair chart out.

The builders live in ``charts_outcomes`` (tiers, transitions, sensitivity), ``charts_stats``
(group means, correlation, paired change), ``charts_time`` (trajectories, completeness, one
patient) and ``charts_iron`` (transfusions and ferritin); import them from here. Every builder

- takes the output of a core function (named in its docstring), never raw visits of a large
  cohort: more than ``MAX_ROWS`` rows is refused with a sentence saying to aggregate or sample;
- never loads data, calls Streamlit or mutates its input;
- colours groups with ``thaldash.palette`` (MaR is the same blue everywhere);
- has a title, axis titles with units and tooltips, and takes ``presentation=True`` for
  projector-sized fonts (applied with ``configure_*`` on the top-level chart only);
- is ``width="container"`` for single-panel charts (multi-panel charts use ``PANEL_WIDTH``).

Export them with ``thaldash.export``.
"""

from __future__ import annotations

from thaldash.charts_base import HEIGHT, MAX_ROWS, PANEL_WIDTH
from thaldash.charts_iron import before_after_units, ferritin_with_stops, reduction_histogram, transfusion_timeline
from thaldash.charts_outcomes import sensitivity_heatmap, tier_bars, transition_heatmap
from thaldash.charts_stats import group_means_chart, paired_change_chart, scatter_with_fit
from thaldash.charts_time import completeness_map, patient_timeline, trajectory_chart

__all__ = [
    "HEIGHT", "MAX_ROWS", "PANEL_WIDTH", "before_after_units", "completeness_map", "ferritin_with_stops",
    "group_means_chart", "paired_change_chart", "patient_timeline", "reduction_histogram", "scatter_with_fit",
    "sensitivity_heatmap", "tier_bars", "trajectory_chart", "transfusion_timeline", "transition_heatmap",
]
