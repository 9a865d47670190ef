"""The shared sidebar: patient filters, the grading scenario, and the lines that say what is shown.

Each widget is seeded from the canonical view state (``thaldash.ui.state``) before it is drawn, so
a copied link or a page switch shows the same view.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import streamlit as st

from thaldash.data.bundled import RECONSTRUCTION_NOTE, digest_is_reconstruction
from thaldash.data.cohort import Cohort
from thaldash.data.filters import PARAM_NAMES, SPLENECTOMY_CHOICES, CohortFilter, FilterOptions
from thaldash.data.schedule import DEFAULT_SCHEDULE, RULE, SCHEDULES
from thaldash.data.disclosure import MAX_MIN_CELL, MIN_CELL_ENV, default_min_cell, valid_min_cell
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import DEFAULT_SCENARIO, SCENARIO_DESCRIPTIONS, SCENARIOS
from thaldash.ui import caching, state
from thaldash.ui.data_source import Source
from thaldash.ui.widgets import plain
from thaldash.views.deck import MIN_CELL, SCHEDULE
from thaldash.views.provenance import grading_text, patients_text, view_footer

RECONSTRUCTION_LINE = f"**Data {RECONSTRUCTION_NOTE}**"
"""The first words under every page's title on the bundled cohort (static text, Markdown)."""
FILTER_WIDGETS = ("centres", "thal_types", "genotypes", "alleles", "beta_classes", "splenectomy", "sexes", "age",
                  "include_withdrawn")


def reset_filters() -> None:
    view = st.session_state.get(state.VIEW_KEY, {})
    st.session_state[state.VIEW_KEY] = {k: v for k, v in view.items() if k not in PARAM_NAMES}
    state.reset_widgets(FILTER_WIDGETS)


def filter_panel(flt: CohortFilter, options: FilterOptions, cohort: Cohort, box: Any) -> tuple[CohortFilter, Cohort]:
    """The patient filters, seeded from ``flt``; returns the filter the widgets now show and its cohort."""
    def multi(field: str, label: str, choices: tuple[str, ...], help: str) -> tuple[str, ...]:
        if not choices:
            return ()
        key = state.widget_key(field)
        state.seed(key, list(getattr(flt, field)), clean=lambda v: [x for x in v if x in choices])
        return tuple(box.multiselect(label, choices, key=key, placeholder="All", help=help))

    centres = multi("centres", "Centre", options.centres if len(options.centres) > 1 else (),
                    "The centre that enrolled the patient (the file, or the centre column, it came from).")
    thal = multi("thal_types", "TDT / NTDT", options.thal_types, "Transfusion-dependent or not, at enrolment.")
    genotypes = multi("genotypes", "Genotype combination", options.genotypes, "The unordered pair of β-globin variants.")
    alleles = multi("alleles", "Carries allele", options.alleles,
                    "Patients carrying any of these variants, on either chromosome.")
    classes = multi("beta_classes", "β0/β+ class", options.beta_classes,
                    "β0: no β-globin from the allele; β+: reduced output (HbE counted as β+).")
    key = state.widget_key("splenectomy")
    state.seed(key, flt.splenectomy, clean=lambda v: v if v in SPLENECTOMY_CHOICES else "any")
    spleen = box.radio("Splenectomy", SPLENECTOMY_CHOICES, key=key, horizontal=True, format_func=str.capitalize)
    sexes = multi("sexes", "Sex", options.sexes, "As recorded (F, M).")
    age_min, age_max = age_slider(flt, options, box)
    key = state.widget_key("include_withdrawn")
    state.seed(key, flt.include_withdrawn)
    withdrawn = box.checkbox("Include withdrawn patients", key=key,
                             help="Off: the analysed patients (the paper's 48). On: everyone enrolled.")
    new = CohortFilter(genotypes=genotypes, alleles=alleles, beta_classes=classes, thal_types=thal,
                       splenectomy=spleen, sexes=sexes, age_min=age_min, age_max=age_max,
                       include_withdrawn=withdrawn, centres=centres)
    chosen = caching.filtered(cohort, new)
    everyone = len(cohort.patients) if withdrawn else cohort.n_analysed  # what the filter's defaults keep
    population = "enrolled patients (withdrawn included)" if withdrawn else "analysed patients"
    box.markdown(f"**n = {len(chosen.patients):,} of {everyone:,} {population}**")
    if not new.is_default:
        box.button("Reset filters", on_click=reset_filters, key="thaldash.reset_filters")
    return new, chosen


def age_slider(flt: CohortFilter, options: FilterOptions, box: Any) -> tuple[float | None, float | None]:
    """The age range; at its full extent it is no restriction (patients without an age stay in)."""
    if options.age_range is None:
        return None, None
    step = 1.0 if options.ages_whole else 0.1
    # Bounds move inwards to the slider's step: exact for whole-year ages (age ≥ 12.5 is age ≥ 13).
    on_step = lambda k: round(k * step, 6)  # 123 × 0.1 is 12.300000000000001 in binary
    inward = lambda low, high: (on_step(math.ceil(low / step - 1e-9)), on_step(math.floor(high / step + 1e-9)))
    lo, hi = on_step(math.floor(options.age_range[0] / step)), on_step(math.ceil(options.age_range[1] / step))
    if lo >= hi:
        return flt.age_min, flt.age_max
    clip = lambda v: (min(max(v[0], lo), hi), max(min(v[1], hi), lo))
    wanted = inward(lo if flt.age_min is None else flt.age_min, hi if flt.age_max is None else flt.age_max)
    key = state.widget_key("age")
    state.seed(key, clip(wanted), clean=lambda v: clip(v) if v[0] <= v[1] else (lo, hi))
    low, high = box.slider("Age at enrolment (years)", lo, hi, key=key, step=step,
                           format="%.0f" if step == 1.0 else "%.1f",
                           help="Patients without a recorded age are left out once the range is narrowed.")
    return (low if low > lo else None), (high if high < hi else None)


def grading_panel(name: str, rules: GradingRules, box: Any) -> tuple[str, GradingRules]:
    """The grading scenario; thresholds changed by a link stay until another scenario is chosen."""
    key = state.widget_key("scenario")
    state.seed(key, name, clean=lambda v: v if v in SCENARIOS else DEFAULT_SCENARIO)
    chosen = box.selectbox("Response grading", list(SCENARIOS), key=key, help=SCENARIO_DESCRIPTIONS[name])
    return (chosen, SCENARIOS[chosen]) if chosen != name else (name, rules)


def grading_lines(source: Source, flt: CohortFilter, n: int, name: str, rules: GradingRules,
                   header: Any, note: Any, *, notes: tuple[str, ...] = ()) -> tuple[str, str]:
    """(scenario text, export footer); writes the title line and the sidebar note into their slots.

    On the bundled reconstruction (``digest_is_reconstruction`` of the source's digest) the title
    line starts with ``RECONSTRUCTION_LINE`` and the footer of every export says so too
    (``views.provenance.view_footer``); ``notes`` become "note:" lines of the footer (how off-schedule
    visits are read).
    """
    scenario, changes = grading_text(name, rules)
    footer = view_footer(source.name, source.sha256, flt, n, name, rules, date.today(), notes=notes)
    if header is not None:
        line = plain(f"Patients: {patients_text(flt, n)} · Grading: {scenario}")
        header.caption(f"{RECONSTRUCTION_LINE} · {line}" if digest_is_reconstruction(source.sha256) else line)
    if note is not None:
        if changes:
            note.caption("Thresholds changed from this scenario: " + plain(changes))
        else:
            note.empty()
    return scenario, footer


def data_panel(schedule: str, min_cell: int, cohort: Cohort, bundled: bool, box: Any) -> tuple[str, int | None]:
    """How off-schedule visits are read (only when the data have some) and the downloads' small-cell k
    (not for the bundled reconstruction, which holds no patient): (schedule, k or None)."""
    if cohort.n_off_schedule or not bundled:
        box.subheader("Data")
    if cohort.n_off_schedule:
        key = state.widget_key(SCHEDULE)
        state.seed(key, schedule, clean=lambda v: v if v in SCHEDULES else DEFAULT_SCHEDULE)
        schedule = box.radio("Visits off the study schedule", tuple(SCHEDULES), key=key, format_func=SCHEDULES.get,
                             help=f"{cohort.n_off_schedule:,} visits of these data are at a month off the study "
                                  f"schedule. The nearest study month: {RULE.describe()}. Used by the trajectories and "
                                  "the comparisons by month; the Data page lists every visit moved or left out. "
                                  "Grading always uses the recorded months.")
    if bundled:
        return schedule, None
    key = state.widget_key(MIN_CELL)
    state.seed(key, min_cell, clean=lambda v: v if valid_min_cell(v) is not None else default_min_cell())
    k = box.number_input("Downloads: hide counts below", min_value=0, max_value=MAX_MIN_CELL, step=1, key=key,
                         help="Small cells: in every CSV download, chart download (PNG/SVG labels) and deck slide "
                              "(tables, labels, speaker notes), counts from 1 to k − 1 are shown as \"< k\" (and the "
                              "percentages of their rows left out), and the footer says so; 0 or 1 shows every count. "
                              "The screen shows every number. "
                              f"The default comes from {MIN_CELL_ENV} or .streamlit/thaldash.toml ([exports] min_cell).")
    return schedule, int(k)


def data_params(params: dict[str, str]) -> tuple[str, int, list[str]]:
    """The link's schedule and small-cell threshold (defaults where absent), and a sentence per value dropped."""
    warnings = []
    schedule = params.get(SCHEDULE, DEFAULT_SCHEDULE)
    if schedule not in SCHEDULES:
        warnings.append(f"Visits {SCHEDULE}: {schedule!r} is not one of {', '.join(SCHEDULES)}; ignored.")
        schedule = DEFAULT_SCHEDULE
    min_cell = default_min_cell()
    if MIN_CELL in params:
        found = valid_min_cell(params[MIN_CELL])
        if found is None:
            warnings.append(f"Downloads {MIN_CELL}: {params[MIN_CELL]!r} is not a whole number from 0 to 100; ignored.")
        else:
            min_cell = found
    return schedule, min_cell, warnings
