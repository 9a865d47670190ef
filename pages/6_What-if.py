"""What-if: change the grading rules and see which patients, tiers and genotype groups move.

The rules edited here are the app's shared grading (``Frame.rule_key``/``rules_changed``), kept in
the URL; the reference scenario, the open tab, the chosen patient and the sweep are page params.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from thaldash import charts
from thaldash.export.files import table_csv
from thaldash.grading.rules import (DEFAULT_SCENARIO, RULE_FIELDS, SCENARIO_DESCRIPTIONS, SCENARIOS, GradingRules,
                                differences, find_scenario, rules_from_text, rules_text, scenario_slug)
from thaldash.grading.sensitivity import SWEEPABLE, sensitivity_grid
from thaldash.ui import cache_on_cohort, page_frame, plain, stat
from thaldash.ui.caching import graded
from thaldash.ui.widgets import displayed
from thaldash.grading.whatif import (ENTERS, LEAVES, genotype_moves, graded_rows, patient_moves,
                             patient_visits, published_tiers, sweep_key, sweep_summary, sweep_values, tier_changes,
                             tier_digest, transition_matrix, with_tier_category)

frame = page_frame("What-if", icon="🔀")
FIELD = {f.name: f for f in RULE_FIELDS}
GROUPS = {"Observation window": ("window_months", "transfusion_free_months"),
          "Still transfused: fall in transfusion volume": ("mir_reduction_pct", "slr_reduction_pct"),
          "Hb criterion": ("hb_criterion", "hb_rise_measure", "mar_hb_rise_g_l", "mir_hb_rise_g_l"),
          "Transfusion independence": ("ti_min_free_visits",)}
PATIENT_PAGE = Path(__file__).resolve().parent / "8_Patient.py"
SLUGS = {scenario_slug(name): name for name in SCENARIOS}
PINNED, PINNED_NAME = "pinned", "Pinned rules"
SWEPT = {"orr_pct": "ORR (%)", "mar_pct": "MaR rate (%)"}
TIERS = ("MaR", "MiR", "SLR", "NR")
VIEWS = ("Patients who change tier", "Genotype groups", "Where the conclusions tip")
MAX_LISTED = 1_000
NUM = st.column_config.NumberColumn
EVIDENCE_LABELS = (("hb_window_end", "Hb window end (g/L)"), ("hb_rise", "Hb rise (g/L)"),
                   ("reduction_pct", "Reduction (%)"))
LABELS = {
    "patient_id": "Patient", "genotype": "Genotype", "thal_type": "Type", "tier_reference": "Reference tier",
    "tier_whatif": "What-if tier", "direction": "Change", "n": "Patients", "move": "Move",
    "hb_baseline": NUM("Hb M0 (g/L)", format="%.1f"), "ti_month": NUM("TI month", format="%.0f"),
    **{f"{c}_{side}": NUM(f"{label} ({who})", format="%.1f")
       for c, label in EVIDENCE_LABELS for side, who in (("reference", "ref."), ("whatif", "what-if"))},
    "trace_reference": st.column_config.TextColumn("Rule trace (reference)", width="large"),
    "trace_whatif": st.column_config.TextColumn("Rule trace (what-if)", width="large"),
    "group_reference": "Group (reference)", "group_whatif": "Group (what-if)",
    "tiers_reference": "Tiers (reference)", "tiers_whatif": "Tiers (what-if)"}


# Each grading once per (cohort, rules), shared with every page (caching.graded); what depends on the tiers alone
# once per content of the tiers, as most slider steps move no patient. The reference is never regraded by a slider.
@cache_on_cohort(max_entries=8)
def _graded(cohort, rules):
    whole = with_tier_category(graded(cohort, rules))
    return whole, tier_digest(whole)


def _ids(f):
    """The filter's patients, or None when it keeps every analysed patient (no need to look them up)."""
    return None if replace(f.filter, include_withdrawn=False).is_default else f.filtered.patients["patient_id"]


@st.cache_resource(max_entries=32, show_spinner=False)
def _by_tiers(key, _ids, _whole_ref, _whole_alt):
    ref, alt = graded_rows(_whole_ref, _ids), graded_rows(_whole_alt, _ids)
    return dict(n=len(ref), tiers=tier_changes(ref, alt), matrix=transition_matrix(ref, alt))


@st.cache_resource(max_entries=16, show_spinner=False)
def _genotypes(key, _whole_ref, _whole_alt):
    return genotype_moves(_whole_ref, _whole_alt)  # on the whole cohort, whatever the filter


@cache_on_cohort(max_entries=8)
def _by_rules(filtered, cohort, reference, rules, _ids):
    ref, alt = graded_rows(_graded(cohort, reference)[0], _ids), graded_rows(_graded(cohort, rules)[0], _ids)
    changed, missing = patient_moves(ref, alt)
    return dict(changed=changed, missing=missing)


def _results(f, reference):
    (whole_ref, ref_key), (whole_alt, alt_key) = _graded(f.cohort, reference), _graded(f.cohort, f.rules)
    ids = _ids(f)
    counts = _by_tiers((f.filtered.sha256, ref_key, alt_key), ids, whole_ref, whole_alt)
    genotypes = lambda: _genotypes((f.cohort.sha256, ref_key, alt_key), whole_ref, whole_alt)  # noqa: E731
    return counts | _by_rules(f.filtered, f.cohort, reference, f.rules, ids) | {"genotypes": genotypes}


@cache_on_cohort
def _sweep(filtered, key, x, y, xs, ys, _rules):  # the grid depends only on the rules not swept (key)
    return sensitivity_grid(filtered, _rules, x=x, x_values=xs, y=y, y_values=ys)


@st.cache_resource(max_entries=64, show_spinner=False)
def _built(key, _build):
    """A chart built once per content ``key``: Altair takes ~100 ms to build one."""
    return _build()


def _chart(f, key, build, name, stretch=True):
    f.chart(_built(key, build), name, stretch=stretch)


def _control(name, disabled):
    spec = FIELD[name]
    label = f"{spec.label} ({spec.unit})" if spec.unit else spec.label
    common = dict(key=frame.rule_key(name), on_change=frame.rules_changed, help=spec.help, disabled=disabled)
    if spec.choices:
        names = dict(zip(spec.choices, spec.choice_labels or [f"{c} {spec.unit}" for c in spec.choices]))
        st.radio(label, spec.choices, format_func=names.get, horizontal=spec.kind != "choice", **common)
    else:
        kind = int if spec.kind == "int" else float
        st.slider(label, kind(spec.minimum), kind(spec.maximum), step=kind(spec.step),
                  format="%d" if kind is int else ("%.0f" if spec.step >= 1 else "%.1f"), **common)


def _cell(row, side):
    if row["tier"] == "not evaluable":
        return f"{row[f'n_{side}']}"
    if row[f"reason_{side}"]:
        return "not computed"
    return (f"{row[f'n_{side}']}/{row[f'total_{side}']} = {row[f'pct_{side}']:.1f} % "
            f"({row[f'ci_low_{side}']:.1f}–{row[f'ci_high_{side}']:.1f})")


def _pinned(text):
    """The pinned reference rules of the link (or None) and why they cannot be used ("" when they can)."""
    if not text:
        return None, ""
    try:
        return rules_from_text(text), ""
    except ValueError as error:
        return None, str(error)


def _pin(rules):
    """Button callback: the current rules become the reference, in the page's state and its link."""
    st.session_state[frame.key("pinned")] = rules_text(rules)
    st.session_state[frame.key("reference")] = PINNED


def _tier_table(f, r, ref_name, published):
    tiers = r["tiers"]
    rows = list(tiers.itertuples(index=False))
    table = tiers.assign(
        reference=[_cell(t._asdict(), "reference") for t in rows], whatif=[_cell(t._asdict(), "whatif") for t in rows],
        change=["0" if t.diff_n == 0 and (t.diff_pct != t.diff_pct or t.diff_pct == 0) else
                f"{t.diff_n:+d}" + ("" if t.diff_pct != t.diff_pct else f" ({t.diff_pct:+.1f} pp)") for t in rows],
        moved=["0" if t.moved_in == t.moved_out == 0 else f"+{t.moved_in} / −{t.moved_out}" for t in rows])
    config = {"tier": "Tier", "reference": f"{ref_name}: n/N = % (95% CI)", "whatif": "What-if: n/N = % (95% CI)",
              "change": "Change", "moved": "In / out"}
    if published:
        paper = published_tiers().set_index("tier")
        table = table.assign(paper=[f"{paper.loc[t, 'n']}/{paper.loc[t, 'total']} = {paper.loc[t, 'pct']:.1f} %"
                                    if t in paper.index else "" for t in table["tier"]])
        config["paper"] = "Published"
    f.table(table[list(config)], "whatif_tiers", column_config=config, height="content")
    st.caption("N: evaluable patients; not-evaluable patients have their own row and are left out of the "
               "percentages. 95% CI: Clopper–Pearson exact. Change: what-if minus reference, in patients and "
               "percentage points: the same patients graded twice, exact for this cohort, so no interval. In / out: "
               "patients entering or leaving the row's tier (ORR: any response)."
               + (" Published (Yang et al. 2024): MaR, NR and ORR as printed, SLR counted in Table 3, MiR what "
                  "remains of the 48." if published else ""))


def _headline(f, r, ref_name):
    tiers = r["tiers"].set_index("tier")
    cols = st.columns(3)
    for col, tier, label in ((cols[0], "ORR", "ORR (MaR + MiR + SLR)"), (cols[1], "MaR", "Major response")):
        row = tiers.loc[tier]
        with col:
            if row["reason_whatif"]:
                st.caption(f"**{label}**: not computed — {plain(row['reason_whatif'])}")
                continue
            before = "not computed" if row["reason_reference"] else f"{row['pct_reference']:.1f} %"
            stat(label, f"{row['pct_whatif']:.1f} %", n=int(row["total_whatif"]),
                 detail=f"{row['n_whatif']} patients · 95% CI {row['ci_low_whatif']:.1f}–{row['ci_high_whatif']:.1f}"
                        f" (Clopper–Pearson) · reference {before}")
    with cols[2]:
        stat("Patients changing tier", f"{len(r['changed'])}", n=r["n"],
             detail=f"not evaluable: {tiers.loc['not evaluable', 'n_whatif']} what-if, "
                    f"{tiers.loc['not evaluable', 'n_reference']} reference")
    line = lambda side: " · ".join(f"{t} {tiers.loc[t, f'n_{side}']}" for t in (*TIERS, "not evaluable"))  # noqa: E731
    st.caption(f"**What-if**: {line('whatif')} (n = {r['n']})  \n**{plain(ref_name)}**: {line('reference')}")


def _patients(f, changed, n, ref_name, reference):
    """The patients who change tier; clicking one shows their course under the list."""
    if not len(changed):
        st.info(f"No patient changes tier between {ref_name} and the what-if rules.")
        return
    listed = changed.head(MAX_LISTED)
    ids = listed["patient_id"].tolist()
    more = f" (the first {MAX_LISTED} listed; the CSV has all)" if len(changed) > MAX_LISTED else ""
    st.markdown(f"**{len(changed)} of {n} patients change tier**{more}. Click a row for the patient's course.")
    wanted = f.param("patient", "")
    # Under the same window and Hb measure the evidence is the same under both rule sets: show it once.
    same = (f.rules.window_months, f.rules.hb_rise_measure) == (reference.window_months, reference.hb_rise_measure)
    order = [c for c in listed.columns if not (same and c.endswith("_reference") and c != "trace_reference"
                                               and c != "tier_reference")]
    config = LABELS | ({f"{c}_whatif": NUM(label, format="%.1f") for c, label in EVIDENCE_LABELS} if same else {})
    # The key follows the list: a selection never points at another patient once the rules change.
    event = st.dataframe(displayed(listed), hide_index=True, width="stretch", column_config=config, column_order=order,
                         placeholder="–", height=280,
                         key=f"whatif.changed.{hash(tuple(ids))}", on_select="rerun", selection_mode="single-row",
                         selection_default={"selection": {"rows": [ids.index(wanted)] if wanted in ids else []}})
    if not f.presentation:
        st.download_button("Download CSV", lambda: table_csv(changed, f.footer), file_name="whatif_changed.csv",
                           mime="text/csv", key="whatif.changed.csv", on_click="ignore")
    chosen = ids[event.selection.rows[0]] if event.selection.rows else ""
    if chosen != wanted:
        st.session_state[f.key("patient")] = chosen
        f.param("patient", "")
    if chosen:
        row = listed.iloc[ids.index(chosen)]
        tier = row["tier_whatif"]
        _chart(f, ("timeline", f.cohort.sha256, chosen, tier, f.presentation), lambda: charts.patient_timeline(
            patient_visits(f.cohort.visits, chosen, tier), presentation=f.presentation), f"patient_{chosen}",
               stretch=False)
        st.caption(f"**{plain(chosen)} under {plain(ref_name)}**: {plain(row['trace_reference'])}  \n"
                   f"**Under the what-if rules**: {plain(row['trace_whatif'])}")
        if PATIENT_PAGE.exists():
            st.page_link("pages/8_Patient.py", label=f"Open {chosen} on the Patient page",
                         query_params={"patient": chosen})


def _transitions(f, r, ref_name):
    matrix = r["matrix"]
    height = 460 if f.presentation else charts.HEIGHT  # five rows of projector-sized type need the room
    _chart(f, ("transitions", tuple(matrix.to_numpy().ravel()), ref_name, f.presentation),
           lambda: charts.transition_heatmap(matrix, reference_name=ref_name, whatif_name="what-if rules",
                                             presentation=f.presentation).properties(height=height),
           "whatif_transitions")


def _moves_section(f, r, ref_name, reference):
    _patients(f, r["changed"], r["n"], ref_name, reference)
    missing = r["missing"]
    if len(missing):
        st.markdown(f"**Not evaluable under either rule set: {len(missing)} patients** "
                    "(a value the rule needs is missing)")
        f.table(missing[["patient_id", "genotype", "thal_type", "tier_reference", "tier_whatif", "trace_reference",
                         "trace_whatif"]], "whatif_not_evaluable", column_config=LABELS)
    else:
        st.caption(f"Not evaluable: none of the {r['n']} patients, under either rule set.")


def _groups_section(f, r):
    moves = r["genotypes"]()  # computed only when this tab is open
    moved = moves[moves["move"].isin((ENTERS, LEAVES))]
    st.markdown(f"**{int((moves['move'] == ENTERS).sum())} of {len(moves)} genotype combinations enter the MaR group, "
                f"{int((moves['move'] == LEAVES).sum())} leave it.**")
    st.caption(f"A combination is in the MaR group when every evaluable patient with it is MaR (the paper's rule), "
               f"decided on all {moves['n'].sum()} analysed patients whatever the sidebar filter."
               + ("" if len(moved) else " Every combination keeps its group; all are listed."))
    f.table(moved if len(moved) else moves, "whatif_genotype_groups", column_config=LABELS, height="content")


def _sweep_section(f):
    a, b, c = st.columns(3)
    sweep_x = f.param("sweep_x", "slr_reduction_pct", SWEEPABLE)
    sweep_y = f.param("sweep_y", "window_months", SWEEPABLE)
    value = f.param("sweep_value", "orr_pct", tuple(SWEPT))
    label = lambda name: FIELD[name].label  # noqa: E731
    a.selectbox("Across", SWEEPABLE, key=f.key("sweep_x"), format_func=label)
    b.selectbox("Down", SWEEPABLE, key=f.key("sweep_y"), format_func=label)
    c.radio("Show", tuple(SWEPT), key=f.key("sweep_value"), format_func=SWEPT.get, horizontal=True)
    if sweep_x == sweep_y:
        st.info("Choose two different rules to sweep.")
        return
    paper = GradingRules()
    current = (getattr(f.rules, sweep_x), getattr(f.rules, sweep_y))
    published = (getattr(paper, sweep_x), getattr(paper, sweep_y))
    xs, ys = sweep_values(sweep_x, current[0], published[0]), sweep_values(sweep_y, current[1], published[1])
    grid = _sweep(f.filtered, sweep_key(f.rules, sweep_x, sweep_y), sweep_x, sweep_y, tuple(xs), tuple(ys), f.rules)
    # One note for every refused cell (the sentences name the other rule's value, which would make the chart
    # differ at every step of an unrelated slider); the controls above explain a refused combination in full.
    grid = grid.assign(reason=grid["reason"].where(grid["valid"], "not a valid combination of these rules"))
    content = (tuple(grid[value].fillna(-1.0)), tuple(grid["valid"]))
    # Rows readable at any grid size: the builder's fixed height squeezes them (and, with presentation
    # type, pushes the title out of the chart).
    height = max(charts.HEIGHT, (48 if f.presentation else 30) * len(ys) + (220 if f.presentation else 110))
    _chart(f, ("sweep", sweep_x, sweep_y, tuple(xs), tuple(ys), value, content, current, published, f.presentation),
           lambda: charts.sensitivity_heatmap(grid, x="x", y="y", x_rule=sweep_x, y_rule=sweep_y, value=value,
                                              value_title=SWEPT[value], current=current, published=published,
                                              presentation=f.presentation).properties(height=height), "whatif_sweep")
    span = sweep_summary(grid, value)
    per_cell = f"{span['n_min']}" if span["n_min"] == span["n_max"] else f"{span['n_min']}–{span['n_max']}"
    st.caption((f"{SWEPT[value].removesuffix(' (%)')} from {span['low']:.1f} % to {span['high']:.1f} % over the "
                f"grid, n = {per_cell} evaluable patients per cell. " if span["valid"] else
                "No cell of the grid is a valid combination of rules. ")
               + "Each cell grades the patients of the sidebar filter with the two rules at the cell's values and "
               "every other rule as set above; the diamond marks the paper's values of the two rules.")


if not frame.presentation:
    st.markdown("Change the grading rules and see what moves. These rules **are the app's grading**: every page "
                "grades with them, and the address keeps them, so a copied link reproduces this view.")
presets = st.container(horizontal=True)
for name in SCENARIOS:
    presets.button("Reset to the paper, as applied" if name == DEFAULT_SCENARIO else f"Start from: {name}",
                   on_click=frame.set_rules, args=(name, SCENARIOS[name]), help=SCENARIO_DESCRIPTIONS[name],
                   type="primary" if name == DEFAULT_SCENARIO else "secondary", key=f"whatif.preset.{name}")


@st.fragment
def whatif():
    f = frame.refresh_rules()  # a slider reruns this fragment only: the frame's rules are read again here
    controls, results = st.columns([2, 3], gap="large")
    with controls:
        for group, names in GROUPS.items():
            with st.container(border=True):
                st.markdown(f"**{group}**")
                for name in names:
                    _control(name, disabled=group == "Hb criterion" and name != "hb_criterion"
                             and f.rules.hb_criterion == "none")
        st.caption("The Hb settings apply only when the Hb criterion is used. Each control's ? explains its rule.")
    with results:
        if f.rules_problem:
            st.error(f"Not applied: {plain(f.rules_problem)} The results are still those of the last valid rules.")
        pinned, pin_problem = _pinned(f.param("pinned", ""))
        choices = (*SLUGS, PINNED) if pinned is not None else tuple(SLUGS)
        slug = f.param("reference", scenario_slug(DEFAULT_SCENARIO), choices)
        pick, pin = st.columns([3, 2], vertical_alignment="bottom")
        pick.selectbox("Compare with", choices, key=f.key("reference"), format_func=lambda s: SLUGS.get(s, PINNED_NAME),
                       help="The reference: the what-if rules are compared with its grading. Pin a set of rules "
                            "to compare two rule sets of your own.")
        pin.button("Pin these rules as the reference", on_click=_pin, args=(f.rules,), width="stretch", key="whatif.pin",
                   help="Keep the rules as they are now as the reference (the link keeps them), then change the "
                        "controls to see what moves against them.")
        if pin_problem:
            st.warning(f"The pinned rules in the link are not used: {plain(pin_problem)}")
        ref_name, reference = (PINNED_NAME, pinned) if slug == PINNED else find_scenario(slug)
        if slug == PINNED:
            st.caption(f"**{PINNED_NAME}**: {plain(differences(pinned) or 'the paper, as applied')}.")
        r = _results(f, reference)
        _headline(f, r, ref_name)
        _transitions(f, r, ref_name)
    _tier_table(f, r, ref_name, f.source.kind == "bundled" and f.filter.is_default)
    f.param("view", VIEWS[0], VIEWS)
    moves_tab, groups_tab, sweep_tab = st.tabs(VIEWS, key=f.key("view"), on_change="rerun")  # only the open tab runs
    if moves_tab.open:
        with moves_tab:
            _moves_section(f, r, ref_name, reference)
    if groups_tab.open:
        with groups_tab:
            _groups_section(f, r)
    if sweep_tab.open:
        with sweep_tab:
            _sweep_section(f)
    f.footer_caption()


whatif()
