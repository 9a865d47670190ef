"""thaldash core: the cohort contract, analyses and chart builders, without Streamlit.

Layers, lowest first; a module imports only from its own layer or lower ones
(tests/test_layers.py checks it): ``data`` (contract, reading, validation, the cohort) →
``stats`` → ``published`` (the paper's numbers) → ``grading`` → ``analyses`` → ``reports`` →
``charts`` → ``export`` → ``views`` (what each page shows, as data) → ``cli`` and ``ui`` (Streamlit, the only layer that imports it).
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.2.0"

REPO_DIR = Path(__file__).resolve().parent.parent
"""The checkout: ``data/`` (bundled cohort, published numbers) and ``pages/`` live here."""
DATA_DIR = REPO_DIR / "data"
