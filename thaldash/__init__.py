"""thaldash core: the cohort contract, analyses and chart builders, without Streamlit."""

from __future__ import annotations

__version__ = "0.1.0"
