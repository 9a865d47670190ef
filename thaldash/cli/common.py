"""Shared by the commands that analyse a cohort: the rule arguments, and loading the cohort (or
explaining why not, with the exit code)."""

from __future__ import annotations

import argparse
import sys

from thaldash.data.cohort import Cohort
from thaldash.grading.rules import GradingRules
from thaldash.grading.scenarios import DEFAULT_SCENARIO, SCENARIOS, find_scenario, scenario_slug


def add_rule_arguments(parser: argparse.ArgumentParser) -> None:
    """``--scenario`` and ``--set``, shared by every command that grades."""
    scenarios = ", ".join(scenario_slug(name) for name in SCENARIOS)
    parser.add_argument("--scenario", default=scenario_slug(DEFAULT_SCENARIO),
                        help=f"named grading rules: {scenarios} (default: {scenario_slug(DEFAULT_SCENARIO)})")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="change one rule on top of the scenario, e.g. --set window_months=12; "
                             "repeatable. Rules: " + ", ".join(GradingRules().to_params()))


def add_min_cell_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--min-cell K``: show counts from 1 to K − 1 as "< K" (``data.disclosure``); off by default here."""
    parser.add_argument("--min-cell", type=min_cell_value, default=None, metavar="K",
                        help=f"small cells: show {what} from 1 to K−1 as '< K' (and leave out the percentages "
                             "of their rows), as the dashboard's downloads do for real patients' data; off by "
                             "default on the command line, where the analyst holds the data")


def min_cell_value(text: str) -> int:
    """``--min-cell``'s value: a whole number from 0 to 100, else an argparse error naming it."""
    from thaldash.data.disclosure import valid_min_cell

    value = valid_min_cell(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"--min-cell expects a whole number from 0 to 100; got {text!r}")
    return value


def rules_from_args(scenario: str, settings: list[str]) -> GradingRules:
    """The scenario's rules with each ``NAME=VALUE`` applied; ValueError sentences on bad input."""
    _, rules = find_scenario(scenario)
    params = rules.to_params()
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set expects NAME=VALUE (e.g. window_months=12); got {item!r}.")
        params[name.strip()] = value.strip()
    return GradingRules.from_params(params)


def load_for_command(path: str | None, verb: str) -> tuple[Cohort | None, int]:
    """``(cohort, 0)``; or ``(None, 1)`` after printing the contract errors; ``(None, 2)`` if unreadable.

    ``path`` None means the default data (``THALDASH_DATA`` or the bundled cohort); a folder is read as
    one cohort of centres (``thaldash.data.centres``).
    """
    from thaldash.cli.validate import problem_line
    from thaldash.data.loading import default_data_path, load_cohort
    from thaldash.data.validation import escape_unsafe

    result = load_cohort(path if path is not None else default_data_path())
    if result.ok:
        return result.cohort, 0
    problems = result.problems
    for _, row in problems[problems["severity"] == "error"].iterrows():
        print(problem_line(row), file=sys.stderr)
    reason = "could not be read" if result.unreadable else "breaks the data contract"
    what = "folder (one of its files)" if result.files else "file"
    print(escape_unsafe(f"{result.source_name}: not {verb}, the {what} {reason}"), file=sys.stderr)
    return None, 2 if result.unreadable else 1


def rules_and_cohort(args, verb: str) -> tuple[GradingRules | None, Cohort | None, int]:
    """``--scenario``/``--set`` read into rules, then the cohort: ``(rules, cohort, 0)`` or the exit code.

    A bad rule prints one ``error:`` line and gives status 2 before any file is read.
    """
    try:
        rules = rules_from_args(args.scenario, args.settings)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None, None, 2
    cohort, status = load_for_command(args.path, verb)
    return rules, cohort, status


def adverse_events_for_command(path: str | None, cohort: Cohort, verb: str):
    """``(AdverseEvents, 0)``; ``(None, 0)`` without a path; ``(None, 1 or 2)`` after printing why the
    adverse-events file cannot be used (1: it breaks its contract, 2: unreadable)."""
    from thaldash.cli.validate import problem_line
    from thaldash.data.adverse_events import load_adverse_events
    from thaldash.data.validation import escape_unsafe

    if path is None:
        return None, 0
    result = load_adverse_events(path, patients=cohort.patients)
    if result.ok:
        return result, 0
    problems = result.problems
    for _, row in problems[problems["severity"] == "error"].iterrows():
        print(problem_line(row), file=sys.stderr)
    reason = "could not be read" if result.unreadable else "breaks the adverse-events contract"
    print(escape_unsafe(f"{result.source_name}: not {verb}, the adverse-events file {reason}"), file=sys.stderr)
    return None, 2 if result.unreadable else 1


def load_adverse_events_for_command(path: str | None, cohort: Cohort, verb: str):
    """``(events, source label, 0)``; ``(None, "", 0)`` without a path; ``(None, "", 1 or 2)`` after
    printing why the adverse-events file cannot be used (1: it breaks its contract, 2: unreadable)."""
    from thaldash.data.adverse_events import source_label

    result, status = adverse_events_for_command(path, cohort, verb)
    if result is None:
        return None, "", status
    return result.events, source_label(result), 0
