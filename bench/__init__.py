"""Benchmarks and load tests of the dashboard (``python -m bench``); not part of the app."""
