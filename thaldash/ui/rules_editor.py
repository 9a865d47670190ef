"""The grading rules as controls: one per rule of ``RULE_FIELDS``, grouped; the scenario presets; the reference.

The controls edit the app's shared grading (``Frame.rule_key`` / ``rules_changed``, kept in the URL),
so they belong in a fragment that starts with ``frame = frame.refresh_rules()``; the presets set whole
rules (``Frame.set_rules``) and run the whole page. The reference the rules are compared with is a page
param (``reference``, and ``pinned`` for rules pinned with the button), resolved by ``views.whatif``.
"""

from __future__ import annotations

import streamlit as st

from thaldash.grading.rules import FIELDS_BY_NAME, GradingRules, RuleField
from thaldash.grading.scenarios import DEFAULT_SCENARIO, SCENARIO_DESCRIPTIONS, SCENARIOS, rules_text
from thaldash.ui.frame import Frame
from thaldash.ui.widgets import plain
from thaldash.views.reference import (PINNED, PINNED_NAME, SLUGS, Reference, reference_choices,
                                   resolve_reference)

HB_GROUP = "Hb criterion"
GROUPS: dict[str, tuple[str, ...]] = {
    "Observation window": ("window_months", "transfusion_free_months"),
    "Still transfused: fall in transfusion volume": ("mir_reduction_pct", "slr_reduction_pct"),
    HB_GROUP: ("hb_criterion", "hb_rise_measure", "mar_hb_rise_g_l", "mir_hb_rise_g_l"),
    "NTDT endpoint": ("ntdt_endpoint",),
    "Transfusion independence": ("ti_min_free_visits",),
}
"""The boxes of controls, each rule of ``RULE_FIELDS`` in one (a test checks it)."""


def rule_control(frame: Frame, spec: RuleField, *, disabled: bool = False) -> None:
    """The control of one rule, drawn from its ``RuleField``: a radio for choices, a slider for numbers."""
    label = f"{spec.label} ({spec.unit})" if spec.unit else spec.label
    common = {"key": frame.rule_key(spec.name), "on_change": frame.rules_changed, "help": spec.help,
              "disabled": disabled}
    if spec.choices:
        names = dict(zip(spec.choices, spec.choice_labels or [f"{c} {spec.unit}" for c in spec.choices]))
        st.radio(label, spec.choices, format_func=names.get, horizontal=spec.kind != "choice", **common)
    else:
        kind = int if spec.kind == "int" else float
        st.slider(label, kind(spec.minimum), kind(spec.maximum), step=kind(spec.step),
                  format="%d" if kind is int else ("%.0f" if spec.step >= 1 else "%.1f"), **common)


def rule_controls(frame: Frame) -> None:
    """Every rule's control in its box; the Hb thresholds greyed out while the Hb criterion is not used."""
    for group, names in GROUPS.items():
        with st.container(border=True):
            st.markdown(f"**{group}**")
            for name in names:
                rule_control(frame, FIELDS_BY_NAME[name], disabled=group == HB_GROUP and name != "hb_criterion"
                             and frame.rules.hb_criterion == "none" and frame.rules.ntdt_endpoint == "transfusion")
    st.caption("The Hb settings apply only when the Hb criterion or an Hb-based NTDT endpoint is used. "
               "Each control's ? explains its rule.")


def presets(frame: Frame) -> None:
    """One button per scenario that sets the whole grading to it ("Reset to the paper, as applied" first)."""
    row = st.container(horizontal=True)
    for name in SCENARIOS:
        row.button("Reset to the paper, as applied" if name == DEFAULT_SCENARIO else f"Start from: {name}",
                   on_click=frame.set_rules, args=(name, SCENARIOS[name]), help=SCENARIO_DESCRIPTIONS[name],
                   type="primary" if name == DEFAULT_SCENARIO else "secondary", key=f"whatif.preset.{name}")


def _pin(frame: Frame, rules: GradingRules) -> None:
    """Button callback: the current rules become the reference, in the page's state and its link."""
    st.session_state[frame.key("pinned")] = rules_text(rules)
    st.session_state[frame.key("reference")] = PINNED


def reference_picker(frame: Frame) -> Reference:
    """"Compare with" (a scenario, or the pinned rules) and the pin button; returns the reference chosen.

    Pinned rules the link holds but that cannot be read are explained and not offered.
    """
    pinned = frame.param("pinned")
    choices = reference_choices(pinned)
    slug = frame.param("reference")
    pick, pin = st.columns([3, 2], vertical_alignment="bottom")
    pick.selectbox("Compare with", choices, key=frame.key("reference"), format_func=lambda s: SLUGS.get(s, PINNED_NAME),
                   help="The reference: the what-if rules are compared with its grading. Pin a set of rules to "
                        "compare two rule sets of your own.")
    pin.button("Pin these rules as the reference", on_click=_pin, args=(frame, frame.rules), width="stretch",
               key="whatif.pin", help="Keep the rules as they are now as the reference (the link keeps them), then "
                                      "change the controls to see what moves against them.")
    reference = resolve_reference(slug, pinned)
    if reference.problem:
        st.warning(f"The pinned rules in the link are not used: {plain(reference.problem)}")
    if reference.slug == PINNED:
        st.caption(f"**{PINNED_NAME}**: {plain(reference.description)}.")
    return reference
