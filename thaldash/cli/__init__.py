"""Command-line entry point: ``python -m thaldash COMMAND ...``.

Each command lives in ``thaldash/cli/<name>.py`` and exposes ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Only the command being run is
imported, so a slow or broken command cannot affect the others. No traceback
reaches the user: an unexpected error prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, str] = {
    "validate": "check a cohort file against the data contract",
    "reproduce": "the paper's published numbers beside the same numbers computed from a cohort",
    "grade": "grade response tiers under the paper's rule or a what-if scenario",
    "report": "the whole analysis of a cohort (tiers, comparisons, paired changes, correlation)",
    "contract": "print the data contract (data dictionary)",
    "deck": "dashboard pages as a slide deck (PPTX) or a printable HTML handout",
}


def _parser(selected: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m thaldash",
                                     description="Validate, grade and report on a thalidomide β-thalassaemia cohort.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if name != selected:
            sub.add_parser(name, help=summary, description=summary)
            continue
        module = importlib.import_module(f"thaldash.cli.{name}")
        cmd = sub.add_parser(name, help=summary, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in argv if a in COMMANDS), None)
    try:
        args = _parser(selected).parse_args(argv)
        return int(args._run(args))
    except SystemExit as exc:  # argparse: --help or a usage error
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last line of defence: one sentence, never a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
