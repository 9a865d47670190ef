"""Shared by the commands that analyse a cohort: load it, or explain why not and pick the exit code."""

from __future__ import annotations

import sys

from thaldash.data.cohort import Cohort
from thaldash.grading.rules import GradingRules


def load_for_command(path: str | None, verb: str) -> tuple[Cohort | None, int]:
    """``(cohort, 0)``; or ``(None, 1)`` after printing the contract errors; ``(None, 2)`` if unreadable.

    ``path`` None means the default data (``THALDASH_DATA`` or the bundled cohort).
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
    print(escape_unsafe(f"{result.source_name}: not {verb}, the file {reason}"), file=sys.stderr)
    return None, 2 if result.unreadable else 1


def rules_and_cohort(args, verb: str) -> tuple[GradingRules | None, Cohort | None, int]:
    """``--scenario``/``--set`` read into rules, then the cohort: ``(rules, cohort, 0)`` or the exit code.

    A bad rule prints one ``error:`` line and gives status 2 before any file is read.
    """
    from thaldash.cli.grade import rules_from_args

    try:
        rules = rules_from_args(args.scenario, args.settings)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None, None, 2
    cohort, status = load_for_command(args.path, verb)
    return rules, cohort, status
