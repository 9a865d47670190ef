"""Within-patient change and correlation for any cohort, with the published numbers beside them.

- ``paired_view``: within-patient change between visits (Table 9 layout), paired t and Wilcoxon;
- ``correlation_view``: two per-patient variables (Fig. 3), Pearson and Spearman.

The statistics are ``thaldash.stats``'s, the same numbers as ``analysis.paired_ferritin`` and
``baseline_hbf_vs_rise`` (tests check it); printed values come through
``analyses.published_cells.published_columns``. Nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from thaldash.analyses.patients import PAPER_SF_PAIRS, baseline_hbf_vs_rise, only_patients
from thaldash.analyses.published_cells import published_columns
from thaldash.data.cohort import Cohort
from thaldash.stats import PAIRED_T, PEARSON, WILCOXON, paired_change

CORRELATES: dict[str, str] = {
    "hbf_baseline": "Baseline HbF (%)", "hb_baseline": "Baseline Hb (g/L)",
    "sf_baseline": "Baseline serum ferritin (ng/mL)", "hb_rise": "Hb rise over the grading window (g/L)",
    "reduction_pct": "Transfusion reduction over the grading window (%)", "age_years": "Age at enrolment (years)",
}
"""Per-patient variables offered for the correlation (Fig. 3: ``hbf_baseline`` vs ``hb_rise``)."""


def paired_view(cohort: Cohort, *, measure: str = "sf_ng_ml", pairs: Sequence[tuple[int, int]] = PAPER_SF_PAIRS,
                correction: str | None = "holm", published: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 9 for the analysed (not withdrawn) patients of ``cohort``: ``(table, result)``.

    ``result`` is ``stats.paired_change`` output (for ``charts.paired_change_chart``), the same
    numbers as ``analysis.paired_ferritin`` for these patients; pass the filtered cohort itself
    rather than patient ids, so that no million-row id lookup is needed.

    ``correction``: Holm by default across the pairs shown, per test (None for none).

    ``table`` has one row per pair: ``time_i``, ``time_j``, ``n`` (patients with both visits),
    ``n_dropped`` (patients missing either), ``mean_i``, ``mean_j``, ``diff`` (mean of I − J),
    ``sd_diff``, ``se``, ``ci_low``, ``ci_high``, ``p`` and ``p_adjusted`` (paired t),
    ``median_diff``, ``p_wilcoxon`` and ``p_wilcoxon_adjusted``, ``correction``, ``reason`` (paired
    t) and ``reason_wilcoxon`` ("" when computed), ``small_n``; then ``published_diff``/``se``/``p``,
    ``contradiction``, ``contradicted`` and ``published_status`` as in ``with_published`` (filled
    with ``published`` for serum ferritin, the only measure of Table 9).
    """
    visits = cohort.analysed
    result = paired_change(visits, value=measure, subject="patient_id", time="month", pairs=list(pairs),
                           correction=correction).assign(measure=measure, subset="analysed")
    t = result[result["test"] == PAIRED_T].reset_index(drop=True)
    w = result[result["test"] == WILCOXON].reset_index(drop=True)
    out = t[["time_i", "time_j", "n", "n_dropped", "mean_i", "mean_j", "diff", "sd_diff", "se", "ci_low",
             "ci_high", "p", "p_adjusted", "median_diff"]].assign(
        p_wilcoxon=w["p"], p_wilcoxon_adjusted=w["p_adjusted"], correction=t["correction"], reason=t["reason"],
        reason_wilcoxon=w["reason"], small_n=t["small_n"])
    base = f"paired.analysed.{measure}" if published else None
    keys = [[None if base is None else f"{base}.m{int(i)}-m{int(j)}.{f}" for f in ("diff", "se", "p")]
            for i, j in zip(out["time_i"], out["time_j"], strict=True)]
    return published_columns(out, keys, ("diff", "se", "p")), result


def with_baselines(patients: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """``patients`` plus ``sf_baseline`` (serum ferritin at month 0, NaN without that visit)."""
    baseline = cohort.visits.loc[(cohort.visits["month"] == 0).to_numpy(), ["patient_id", "sf_ng_ml"]]
    where = pd.Index(baseline["patient_id"]).get_indexer(patients["patient_id"])
    values = np.append(baseline["sf_ng_ml"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    return patients.assign(sf_baseline=values[where])  # position -1 (no baseline visit) takes the NaN


def correlation_view(cohort: Cohort, patients: pd.DataFrame, *, x: str = "hbf_baseline", y: str = "hb_rise",
                     patient_ids: pd.Index | Sequence[str] | None = None, window_months: int,
                     published: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fig. 3: ``(points, result)`` of ``analysis.baseline_hbf_vs_rise`` for any two ``CORRELATES``.

    ``patients`` is ``analyses.patients.patient_table(cohort, rules)``; ``cohort`` gives the
    baseline serum ferritin (``with_baselines``). ``window_months`` is ``rules.window_months`` of
    that table, the month of its Hb rise: Fig. 3 is the rise at month 6, so another window has no
    published value beside it.

    ``result`` (``stats.correlation``: Pearson then Spearman) gains ``published_p`` (Fig. 3's P on
    the Pearson row for baseline HbF vs Hb rise when ``published``, else ""), ``contradiction``,
    ``contradicted`` and ``published_status``.

    Raises
    ------
    ValueError
        ``x`` or ``y`` is not one of ``CORRELATES``, or both are the same.
    """
    for name in (x, y):
        if name not in CORRELATES:
            raise ValueError(f"{name!r} is not a per-patient variable offered ({', '.join(CORRELATES)})")
    if x == y:
        raise ValueError(f"{CORRELATES[x]} is on both axes; choose two different variables")
    table = only_patients(patients, patient_ids)
    points, result = baseline_hbf_vs_rise(with_baselines(table, cohort), x=x, y=y)
    fig3 = published and (x, y) == ("hbf_baseline", "hb_rise")
    keys = [[f"corr.analysed.hbf_pct.m0.hb_rise.m{window_months}.pearson.p"
             if fig3 and method == PEARSON else None] for method in result["method"]]
    return points, published_columns(result, keys, ("p",))
