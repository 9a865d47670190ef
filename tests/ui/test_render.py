"""How a page's table columns are configured for ``st.dataframe``."""

from __future__ import annotations

from thaldash.ui.render import column_config
from thaldash.views.blocks import Col


def test_counts_show_thousands_separators_and_formats_are_kept():
    config = column_config({"n": Col("Patients", count=True), "p": Col("P", "%.3f"), "g": Col("Genotype")})
    # Streamlit's own preset: the reader's locale groups the digits (653,348 in English)
    assert config["n"]["type_config"]["format"] == "localized" and config["n"]["label"] == "Patients"
    assert config["p"]["type_config"]["format"] == "%.3f"
    assert "format" not in config["g"].get("type_config", {})
