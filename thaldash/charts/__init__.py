"""Chart builders: an aggregated tidy frame in, a top-level Altair chart out.

The builders live in ``outcomes`` (tiers, transitions, sensitivity), ``clinical`` (odds ratios, proportions,
ROC, time to independence), ``stats`` (group means,
correlation, paired change), ``time`` (trajectories, completeness, one patient) and ``iron``
(transfusions and ferritin); import them from here (loaded on first use, ``thaldash.lazy``). Every builder

- takes the output of a core function (named in its docstring), never raw visits of a large
  cohort: more than ``MAX_ROWS`` rows is refused with a sentence saying to aggregate or sample;
- never loads data, calls Streamlit or mutates its input;
- colours groups with ``thaldash.charts.palette`` (MaR is the same blue everywhere);
- has a title, axis titles with units and tooltips, and takes ``presentation=True`` for
  projector-sized fonts (applied with ``configure_*`` on the top-level chart only);
- is ``width="container"`` for single-panel charts (multi-panel charts use ``PANEL_WIDTH``).

Export them with ``thaldash.export.files``.
"""

from __future__ import annotations

from thaldash.lazy import lazy_exports

_HOME: dict[str, str] = {
    "HEIGHT": "base",
    "MAX_ROWS": "base",
    "PANEL_WIDTH": "base",
    "before_after_units": "iron",
    "forest_plot": "clinical",
    "incidence_chart": "clinical",
    "proportion_forest": "clinical",
    "roc_chart": "clinical",
    "ferritin_with_stops": "iron",
    "reduction_histogram": "iron",
    "transfusion_timeline": "iron",
    "sensitivity_heatmap": "outcomes",
    "tier_bars": "outcomes",
    "tiers_by_group_chart": "outcomes",
    "transition_heatmap": "outcomes",
    "group_means_chart": "stats",
    "paired_change_chart": "stats",
    "scatter_with_fit": "stats",
    "completeness_map": "time",
    "patient_timeline": "time",
    "trajectory_chart": "time",
}
__all__ = sorted(_HOME)
__getattr__, __dir__ = lazy_exports(__name__, _HOME, globals())
