"""Chart builders: valid Vega-Lite, the house palette, small embedded data, no mutation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import altair as alt
import numpy as np
import pandas as pd
import pytest

from thaldash import charts
from thaldash.analyses import chelation, iron
from thaldash.analyses import trajectories as tr
from thaldash.grading.grade import grade
from thaldash.grading.whatif import transition_matrix
from thaldash.grading.rules import GradingRules
from thaldash.grading.summary import tier_table, with_genotype_group
from thaldash.charts.palette import GENOTYPE_GROUP_COLOURS, NORMAL, PRESENTATION, TIER_COLOURS
from thaldash.grading.scenarios import SCENARIOS
from thaldash.grading.sensitivity import sensitivity_grid
from thaldash.stats import STUDENT_T, compare_groups, correlation, paired_change


@pytest.fixture(scope="module")
def inputs(tiny) -> dict[str, object]:
    """Core outputs of the hand-written cohort, one per builder input."""
    graded = with_genotype_group(grade(tiny))
    visits = tiny.visits_with(list(tiny.patients.columns), analysed=True).merge(graded[["patient_id", "tier", "genotype_group"]], on="patient_id")
    at_6 = visits[visits["month"] == 6][["patient_id", "hbf_pct", "hb_g_l", "tier"]]
    stops = chelation.chelation_stops(visits.assign(chelation_stop_month=np.where(visits["patient_id"] == "T-MAR1", 12.0,
                                                                             np.nan)))
    by_tier = tr.trajectory_means(visits, measure="hb_g_l", by="tier")
    comparison = compare_groups(visits, value="hb_g_l", group="genotype_group", a="MaR group", b="SLR/NR group",
                                by="month")
    return {
        "visits": visits, "graded": graded, "at_6": at_6, "stops": stops, "by_tier": by_tier,
        "summary": tier_table(graded),
        "means": tr.trajectory_means(visits, measure="hb_g_l", by="genotype_group"),
        "sf_log": iron.ferritin_course(visits, by="thal_type", log=True),
        "lines": tr.individual_lines(visits, measure="hb_g_l", by="genotype_group"),
        "detail": tr.completeness(tiny.visits_with(["thal_type"]), by="thal_type").detail,
        "p": comparison[comparison["test"] == STUDENT_T],
        "fit": correlation(at_6, x="hbf_pct", y="hb_g_l"),
        "paired": paired_change(visits, value="sf_ng_ml", subject="patient_id", time="month",
                                pairs=[(0, 6), (0, 12), (0, 24)]),
        "transitions": transition_matrix(grade(tiny, SCENARIOS["Paper, as applied"]), grade(tiny, SCENARIOS["Strict clinical"])),
        "grid": sensitivity_grid(tiny, GradingRules(), x="mir_reduction_pct", x_values=[40, 50, 60],
                                 y="slr_reduction_pct", y_values=[20, 25, 30]),
        "before_after": iron.units_before_after(visits, graded=graded),
        "timeline": iron.transfusion_timeline(visits),
        **_clinical(tiny),
    }


def _clinical(tiny) -> dict[str, object]:
    from thaldash.analyses.independence import ti_course, ti_incidence, ti_model, ti_roc
    from thaldash.analyses.safety import paper_safety

    course = ti_course(tiny)
    model = ti_model(tiny, course)
    curves, aucs = ti_roc(tiny, course, model)
    return {"model": model, "curves": curves, "aucs": aucs, "incidence": ti_incidence(tiny, course),
            "incidence_by": ti_incidence(tiny, course, by="beta_class"), "safety": paper_safety()}


BUILDERS: dict[str, Callable[[dict, bool], alt.TopLevelMixin]] = {
    "tier_bars": lambda d, p: charts.tier_bars(d["summary"], presentation=p),
    "trajectory": lambda d, p: charts.trajectory_chart(d["means"], measure="hb_g_l", grouping="genotype_group",
                                                       individual=d["lines"], presentation=p),
    "trajectory by tier": lambda d, p: charts.trajectory_chart(d["by_tier"], measure="hb_g_l", grouping="tier",
                                                               presentation=p),
    "trajectory log": lambda d, p: charts.trajectory_chart(d["sf_log"], measure="sf_ng_ml", grouping="thal_type",
                                                           log_scale=True, presentation=p),
    "trajectory single": lambda d, p: charts.trajectory_chart(
        tr.trajectory_means(d["visits"], measure="hbf_pct"), measure="hbf_pct", presentation=p),
    "trajectory months 0-6": lambda d, p: charts.trajectory_chart(d["means"], measure="hb_g_l", grouping="genotype_group",
                                                                  individual=d["lines"], months=6, presentation=p),
    "completeness": lambda d, p: charts.completeness_map(d["detail"], status="sf_ng_ml", presentation=p),
    "completeness by group": lambda d, p: charts.completeness_map(d["detail"], status="hb_g_l", group="thal_type",
                                                                  presentation=p),
    "group_means": lambda d, p: charts.group_means_chart(d["means"], measure="hb_g_l", group="genotype_group",
                                                         p_values=d["p"], presentation=p),
    "group_means by tier": lambda d, p: charts.group_means_chart(d["by_tier"], measure="hb_g_l", group="tier",
                                                                 presentation=p),
    "scatter": lambda d, p: charts.scatter_with_fit(d["at_6"], d["fit"], x="hbf_pct", y="hb_g_l", presentation=p),
    "paired_change": lambda d, p: charts.paired_change_chart(d["paired"], measure="sf_ng_ml", presentation=p),
    "transition": lambda d, p: charts.transition_heatmap(d["transitions"], presentation=p),
    "sensitivity": lambda d, p: charts.sensitivity_heatmap(d["grid"], x="x", y="y", value="orr_pct",
                                                           x_rule="mir_reduction_pct", y_rule="slr_reduction_pct",
                                                           current=(50, 25), published=(50, 25), presentation=p),
    "before_after": lambda d, p: charts.before_after_units(d["before_after"], presentation=p),
    "before_after 24m": lambda d, p: charts.before_after_units(d["before_after"], period="24m", presentation=p),
    "reduction_histogram": lambda d, p: charts.reduction_histogram(
        iron.reduction_bins(d["before_after"], column="reduction_pct_window"), presentation=p),
    "transfusion_timeline": lambda d, p: charts.transfusion_timeline(d["timeline"], presentation=p),
    "transfusion_timeline rows": lambda d, p: charts.transfusion_timeline(d["timeline"], row_height=22, presentation=p),
    "ferritin means": lambda d, p: charts.ferritin_with_stops(iron.ferritin_course(d["visits"]),
                                                              chelation.stop_months(d["stops"]), presentation=p),
    "ferritin patients": lambda d, p: charts.ferritin_with_stops(
        d["visits"][["patient_id", "month", "sf_ng_ml"]], d["stops"], log_scale=True, presentation=p),
    "patient_timeline": lambda d, p: charts.patient_timeline(
        d["visits"][d["visits"]["patient_id"] == "T-SLR"], presentation=p),
    "forest_plot": lambda d, p: charts.forest_plot(d["model"], presentation=p),
    "roc_chart": lambda d, p: charts.roc_chart(d["curves"], d["aucs"], presentation=p),
    "incidence": lambda d, p: charts.incidence_chart(d["incidence"], presentation=p),
    "incidence by class": lambda d, p: charts.incidence_chart(d["incidence_by"], by="beta_class", presentation=p),
    "proportion_forest": lambda d, p: charts.proportion_forest(d["safety"], label="event", heading="Adverse events",
                                                               presentation=p),
}


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _title_text(spec: dict) -> str:
    t = spec.get("title")
    return t if isinstance(t, str) else (t or {}).get("text", "")


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_returns_a_valid_titled_spec(inputs, name: str, presentation: bool) -> None:
    chart = BUILDERS[name](inputs, presentation)
    spec = chart.to_dict()  # validates against the Vega-Lite schema; raises if invalid
    assert _title_text(spec)
    sizes = PRESENTATION if presentation else NORMAL
    assert spec["config"]["axis"]["labelFontSize"] == sizes.axis_label
    assert spec["config"]["title"]["fontSize"] == sizes.title
    # configure_* lives on the top level only: nested views carry no config.
    assert all("config" not in node for node in _walk({k: v for k, v in spec.items() if k != "config"}))
    assert any("tooltip" in node for node in _walk(spec)), "no tooltip"
    axis_titles = [n["title"] for n in _walk(spec) if n.get("field") and isinstance(n.get("title"), str)]
    assert axis_titles, "no titled encodings"


@pytest.mark.parametrize("name", ["tier_bars", "trajectory by tier", "group_means by tier", "scatter",
                                  "before_after"])
def test_mar_is_the_palette_blue_in_every_tier_chart(inputs, name: str) -> None:
    scales = [n for n in _walk(BUILDERS[name](inputs, False).to_dict())
              if isinstance(n.get("domain"), list) and "MaR" in n["domain"] and "range" in n]
    assert scales, "no tier colour scale"
    for scale in scales:
        assert scale["range"][scale["domain"].index("MaR")] == TIER_COLOURS["MaR"]


@pytest.mark.parametrize("name", ["trajectory", "group_means"])
def test_genotype_groups_take_their_palette_colours(inputs, name: str) -> None:
    scales = [n for n in _walk(BUILDERS[name](inputs, False).to_dict())
              if isinstance(n.get("domain"), list) and "MaR group" in n["domain"] and "range" in n]
    assert scales
    for scale in scales:
        for value, colour in zip(scale["domain"], scale["range"]):
            assert GENOTYPE_GROUP_COLOURS[value] == colour


def test_single_panel_charts_fit_their_container(inputs) -> None:
    for name in ("tier_bars", "trajectory", "scatter", "sensitivity", "before_after"):
        assert BUILDERS[name](inputs, False).to_dict()["width"] == "container", name


def test_builders_do_not_mutate_their_input(inputs) -> None:
    copies = {k: v.copy() for k, v in inputs.items() if isinstance(v, pd.DataFrame)}
    for build in BUILDERS.values():
        build(inputs, False)
    for key, before in copies.items():
        pd.testing.assert_frame_equal(inputs[key], before, obj=key)


def test_scatter_line_is_drawn_from_the_fit_over_the_x_range(inputs) -> None:
    spec = BUILDERS["scatter"](inputs, False).to_dict()
    fit = inputs["fit"].iloc[0]
    x = inputs["at_6"]["hbf_pct"]
    lines = [rows for rows in spec["datasets"].values() if len(rows) == 2 and set(rows[0]) == {"hbf_pct", "hb_g_l"}]
    assert len(lines) == 1
    assert [r["hbf_pct"] for r in lines[0]] == [x.min(), x.max()]
    assert lines[0][0]["hb_g_l"] == pytest.approx(fit["intercept"] + fit["slope"] * x.min())


def test_a_fit_that_was_not_computed_draws_no_line_and_says_why(inputs) -> None:
    points = inputs["at_6"].head(2)
    spec = charts.scatter_with_fit(points, correlation(points, x="hbf_pct", y="hb_g_l"), x="hbf_pct",
                                   y="hb_g_l").to_dict()
    assert all(len(rows) != 2 or "patient_id" in rows[0] for rows in spec["datasets"].values())
    assert any("not computed" in line for line in spec["title"]["subtitle"])


def test_patient_timeline_wants_one_patient(inputs) -> None:
    with pytest.raises(ValueError, match="one patient"):
        charts.patient_timeline(inputs["visits"])


def _synthetic(n_patients: int, seed: int = 0) -> pd.DataFrame:
    """A large cohort in the visits layout (not a model of thalassaemia, just volume)."""
    rng = np.random.default_rng(seed)
    months = np.array([0, 1, 3, 6, 12, 18, 24])
    tdt = rng.random(n_patients) < 0.7
    pre = np.where(tdt, rng.uniform(30, 80, n_patients), 0.0)
    units = np.where(tdt[:, None] & (months[None, :] > 0), rng.integers(0, 4, (n_patients, 7)), 0).astype(float)
    ids = np.char.add("S", np.char.zfill(np.arange(n_patients).astype(str), 6))
    return pd.DataFrame({
        "patient_id": np.repeat(ids, 7), "thal_type": np.repeat(np.where(tdt, "TDT", "NTDT"), 7),
        "genotype_group": np.repeat(np.where(rng.random(n_patients) < 0.7, "MaR group", "SLR/NR group"), 7),
        "pre_rbc_units_24m": np.repeat(pre, 7), "month": np.tile(months, n_patients),
        "hb_g_l": rng.normal(95, 12, 7 * n_patients), "hbf_pct": rng.uniform(5, 95, 7 * n_patients),
        "sf_ng_ml": np.exp(rng.normal(8, 0.5, 7 * n_patients)),
        "rbc_units": units.reshape(-1),
    }).astype({"patient_id": "str", "thal_type": "str", "genotype_group": "str"})


def _embedded_rows(chart: alt.TopLevelMixin) -> int:
    return sum(len(rows) for rows in chart.to_dict()["datasets"].values())


def test_charts_of_a_100000_patient_cohort_embed_only_aggregates() -> None:
    visits = _synthetic(100_000)
    means = tr.trajectory_means(visits, measure="hb_g_l", by="genotype_group")
    lines = tr.individual_lines(visits, measure="hb_g_l", by="genotype_group", max_patients=400)
    assert _embedded_rows(charts.trajectory_chart(means, measure="hb_g_l", grouping="genotype_group")) <= 7 * 2 * 4
    with_lines = charts.trajectory_chart(means, measure="hb_g_l", grouping="genotype_group", individual=lines)
    assert lines.capped and _embedded_rows(with_lines) <= 7 * 2 * 4 + 400 * 7
    detail = tr.cap_patients(tr.completeness(visits, by="thal_type").detail, max_patients=300).rows
    assert _embedded_rows(charts.completeness_map(detail, status="hb_g_l", group="thal_type")) == 300 * 7
    timeline = tr.cap_patients(iron.transfusion_timeline(visits), max_patients=200).rows
    assert _embedded_rows(charts.transfusion_timeline(timeline)) == 200 * 7
    bins = iron.reduction_bins(iron.units_before_after(visits), column="reduction_pct_window")
    assert _embedded_rows(charts.reduction_histogram(bins)) < 100


def test_a_builder_refuses_a_frame_that_was_not_aggregated() -> None:
    visits = _synthetic(2_000)
    with pytest.raises(ValueError, match="aggregate first"):
        charts.completeness_map(tr.completeness(visits).detail, status="hb_g_l")


def test_a_trajectory_over_the_first_months_ends_its_axis_there(inputs) -> None:
    chart = charts.trajectory_chart(inputs["means"], measure="hb_g_l", grouping="genotype_group",
                                    individual=inputs["lines"], months=6)
    spec = chart.to_dict()
    assert _title_text(spec) == "Hb over months 0–6 by genotype group"
    months = [n["x"] for n in _walk(spec) if isinstance(n.get("x"), dict) and n["x"].get("field") == "month"]
    assert months and all(x["scale"]["domain"] == [0, 6] and max(x["axis"]["values"]) == 6 for x in months)
    embedded = [row for rows in spec["datasets"].values() for row in rows if "month" in row]
    assert embedded and max(row["month"] for row in embedded) == 6  # later months are not drawn
    whole = charts.trajectory_chart(inputs["means"], measure="hb_g_l", grouping="genotype_group").to_dict()
    assert _title_text(whole) == "Hb over 24 months by genotype group"
    with pytest.raises(ValueError, match="months must be 1 to 24"):
        charts.trajectory_chart(inputs["means"], measure="hb_g_l", months=30)


@pytest.mark.parametrize("row_height, presentation, step", [(None, False, 12), (None, True, 16), (22, False, 22)])
def test_the_transfusion_grid_takes_its_row_height(inputs, row_height, presentation, step) -> None:
    spec = charts.transfusion_timeline(inputs["timeline"], row_height=row_height, presentation=presentation).to_dict()
    assert spec["height"] == {"step": step}


@pytest.mark.parametrize("name, build", [
    ("paired_change", lambda d: charts.paired_change_chart(d["paired"], measure="sf_ng_ml", height=333)),
    ("scatter", lambda d: charts.scatter_with_fit(d["at_6"], d["fit"], x="hbf_pct", y="hb_g_l", height=333)),
    ("transition", lambda d: charts.transition_heatmap(d["transitions"], height=333)),
    ("sensitivity", lambda d: charts.sensitivity_heatmap(d["grid"], x="x", y="y", value="orr_pct", height=333)),
])
def test_a_builder_takes_its_height(inputs, name, build) -> None:
    # A page passes the height it needs (a long title, a grid of many rows) instead of editing the chart.
    assert build(inputs).to_dict()["height"] == 333
    assert BUILDERS[name](inputs, False).to_dict()["height"] != 333


def test_forest_plot_draws_the_models_numbers(inputs) -> None:
    spec = BUILDERS["forest_plot"](inputs, False).to_dict()
    rows = next(r for r in spec["datasets"].values() if r and "odds_ratio" in r[0])
    terms = inputs["model"][inputs["model"]["term"] != "intercept"]
    assert [r["odds_ratio"] for r in rows] == pytest.approx(terms["odds_ratio"].tolist(), nan_ok=True)
    assert all(r["text"] for r in rows)  # a number with its interval, or why not


def test_incidence_starts_at_zero_and_prints_who_is_still_at_risk(inputs) -> None:
    spec = BUILDERS["incidence"](inputs, False).to_dict()
    rows = next(r for r in spec["datasets"].values() if r and "cum_incidence" in r[0])
    assert (rows[0]["month"], rows[0]["pct"]) == (0.0, 0.0)
    assert [r["n_text"] for r in rows[1:]] == inputs["incidence"]["at_risk"].astype(str).tolist()


def test_not_reported_events_print_their_reason(inputs) -> None:
    spec = BUILDERS["proportion_forest"](inputs, False).to_dict()
    rows = next(r for r in spec["datasets"].values() if r and "event" in r[0])
    texts = {r["event"]: r["text"] for r in rows}
    assert texts["thrombosis"] == "the paper does not report it (not reported is not zero)"
    assert texts["eyelid/facial oedema"] == "9/52 = 17.3 % (8.2–30.3)"  # Results: 9 of 52; Clopper–Pearson


def test_counts_along_an_axis_are_short_from_ten_thousand():
    from thaldash.charts.base import short_count

    # written here from the rule: plain digits below 10,000 (an export reads a small count at the label's start)
    assert [short_count(n) for n in (0, 4, 9_999, 10_000, 653_348, 999_499, 999_500, 1_234_567)] == \
        ["0", "4", "9999", "10k", "653k", "999k", "1.0M", "1.2M"]
