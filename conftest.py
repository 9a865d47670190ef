"""How pytest-xdist splits the suite between its two workers (pytest.ini: ``-n 2 --dist loadscope``).

A scope is a unit of work one worker runs whole; xdist hands out the scopes with the most tests first. The
tests that share an expensive fixture must be one scope, so that it is set up once:

- each module by default (its module fixtures);
- every browser test of the session's bundled-cohort server (``app_url``), whichever module it is in; the
  modules of ``OWN_SERVER`` start a server (or none) of their own;
- the cases of each awkward cohort of issue 14 (variant and size; the 20,000-patient ones are loaded,
  validated and graded on their first page, and the app's load cache keeps two files);
- ``SPREAD``: modules whose tests share nothing expensive are spread test by test.

The scheduler is xdist's own ``LoadScopeScheduling`` with this scope. (xdist's ``loadgroup`` marks do not
group under pytest 9.2: xdist 3.8.0 appends the group to ``item._nodeid``, which pytest 9.2 no longer reads.)
This file is at the root so that the controller process, which collects nothing, loads it.
"""

from __future__ import annotations

import pytest

SPREAD: frozenset[str] = frozenset({"tests/pages/test_frame.py"})  # AppTest runs sharing per-process caches only
BROWSER = "tests/browser/"
OWN_SERVER: frozenset[str] = frozenset({"tests/browser/test_markup.py", "tests/browser/test_centres_browser.py",
                                        "tests/browser/test_deck_handout.py"})
AWKWARD = "tests/pages/test_awkward_cohorts.py::test_page_runs_and_charts_get_data_within_limits["


def scope_of(nodeid: str) -> str:
    """The unit of work ``nodeid`` belongs to (see the module docstring)."""
    module = nodeid.split("::", 1)[0]
    if module in SPREAD:
        return nodeid
    if nodeid.startswith(AWKWARD):
        variant, size = nodeid[len(AWKWARD):].split("-")[:2]  # tests.pages.test_awkward_cohorts.case_id
        return f"awkward-{variant}-{size}"
    if module.startswith(BROWSER) and module not in OWN_SERVER:
        return "browser-bundled-server"
    return module


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown without it (e.g. ``-p no:xdist``)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") != "loadscope":
        return None  # another --dist asked for on the command line: xdist's own
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return SharedFixtureScheduling(config, log)
