"""What-if: change the grading rules and see which patients, tiers and genotype groups move.

The rules edited here are the app's shared grading (``thaldash.ui.rules_editor``), kept in the URL;
the reference, the open tab, the chosen patient and the sweep are page params. Moving a control
reruns the fragment only; each part of the view is cached on what it depends on (``views.whatif``).
"""

from __future__ import annotations


import streamlit as st

from thaldash.grading.sensitivity import SWEEPABLE
from thaldash.ui import Frame, navigation, page_frame, plain
from thaldash.ui.caching import cached_on, cached_view
from thaldash.ui.picker import MAX_LISTED, pick_patient
from thaldash.ui.render import show, show_stats
from thaldash.ui.rules_editor import presets, reference_picker, rule_controls
from thaldash.views.context import ViewContext
from thaldash.views.reference import Reference
from thaldash.views.sweep import SWEPT, sweep_figure, sweep_grid, sweep_label
from thaldash.views.whatif import TABS, course_figure, course_key, groups_key, groups_section, moves_section
from thaldash.views.whatif_tiers import tier_key, tier_section

frame = page_frame("What-if", icon="🔀")
VIEWS = TABS

if not frame.presentation:
    st.markdown("Change the grading rules and see what moves. These rules **are the app's grading**: every page "
                "grades with them, and the address keeps them, so a copied link reproduces this view.")
presets(frame)


def moves_tab(f: Frame, ctx: ViewContext, reference: Reference) -> None:
    """The patients who change tier; clicking one shows their course under the list."""
    moves = cached_view(moves_section, ctx, **reference.params())
    if not len(moves.changed.frame):
        st.info(plain(moves.changed.title))
    else:
        more = f" (the first {MAX_LISTED} listed; the CSV has all)" if len(moves.changed.frame) > MAX_LISTED else ""
        st.markdown(f"**{moves.changed.title}**{more}. Click a row for the patient's course.")
        chosen = pick_patient(f, moves.changed)
        row = moves.row(chosen) if chosen else None
        if row is not None:
            tier = str(row["tier_whatif"])
            show(f, cached_on(course_key(ctx, chosen, tier), course_figure, ctx, patient=chosen, tier=tier),
                 caption=False)
            st.caption(f"**{plain(chosen)} under {plain(moves.reference)}**: {plain(row['trace_reference'])}  \n"
                       f"**Under the what-if rules**: {plain(row['trace_whatif'])}")
            # The label holds a data value: escaped (a page link's label renders Markdown).
            navigation.link("Patient", f"Open {chosen} on the Patient page", query={"patient": chosen})
    if moves.missing is not None:
        st.markdown(f"**{plain(moves.missing.title)}** (a value the rule needs is missing)")
        show(f, moves.missing, caption=False)
    else:
        st.caption(moves.missing_note)


def sweep_tab(f: Frame, ctx: ViewContext) -> None:
    a, b, c = st.columns(3)
    sweep_x = f.param("sweep_x")
    sweep_y = f.param("sweep_y")
    value = f.param("sweep_value")
    a.selectbox("Across", SWEEPABLE, key=f.key("sweep_x"), format_func=sweep_label)
    b.selectbox("Down", SWEEPABLE, key=f.key("sweep_y"), format_func=sweep_label)
    c.radio("Show", tuple(SWEPT), key=f.key("sweep_value"), format_func=SWEPT.get, horizontal=True)
    grid = cached_view(sweep_grid, ctx, sweep_x=sweep_x, sweep_y=sweep_y)  # once per rule set
    sweep = cached_on(grid.key(value, ctx.presentation), sweep_figure, grid, value=value, presentation=ctx.presentation)
    if sweep.problem:
        st.info(sweep.problem)
        return
    show(f, sweep.figure, caption=False)
    st.caption(sweep.figure.caption)  # the view's own words and numbers: drawn as written


@st.fragment
def whatif() -> None:
    f = frame.refresh_rules()  # a slider reruns this fragment only: the frame's rules are read again here
    ctx = f.context()
    controls, results = st.columns([2, 3], gap="large")
    with controls:
        rule_controls(f)
    with results:
        if f.rules_problem:
            st.error(f"Not applied: {plain(f.rules_problem)} The results are still those of the last valid rules.")
        reference = reference_picker(f)
        # Cached on the tiers the two gradings give: a step that moves no patient rebuilds nothing.
        tiers = cached_on(tier_key(ctx, **reference.params()), tier_section, ctx, **reference.params())
        st.info(f"**What these rules do, compared with {plain(tiers.reference)}:** {plain(tiers.effect)}")
        show_stats(tiers.headlines)
        st.caption(f"**What-if**: {tiers.summary[0]}  \n**{plain(tiers.reference)}**: {tiers.summary[1]}")
        show(f, tiers.transitions, caption=False)
    show(f, tiers.table)
    f.param("view")
    moves, groups, sweep = st.tabs(VIEWS, key=f.key("view"), on_change="rerun")  # only the open tab runs
    if moves.open:
        with moves:
            moves_tab(f, ctx, reference)
    if groups.open:
        with groups:
            part = cached_on(groups_key(ctx, **reference.params()), groups_section, ctx, **reference.params())
            st.markdown(f"**{part.table.title}**")
            show(f, part.table)
    if sweep.open:
        with sweep:
            sweep_tab(f, ctx)
    f.footer_caption()


whatif()
