"""``python -m thaldash contract``: print the cohort data contract (Markdown or JSON)."""

from __future__ import annotations

import argparse
import dataclasses
import json

from thaldash.data.schema import CONTRACT, CONTRACT_VERSION, STUDY_MONTHS, data_dictionary_markdown

HELP = "Print the cohort data contract: the data dictionary (md) or the column rules (json)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="md: the data dictionary of data/README.md (default); json: one object per column")


def contract_json() -> str:
    """The contract as JSON: ``contract_version``, ``study_months`` and ``columns``.

    Each column carries every ``Column`` field (``unit_check`` as an object or null) plus ``rule``.
    """
    columns = [dataclasses.asdict(c) | {"rule": c.rule} for c in CONTRACT]
    return json.dumps({"contract_version": CONTRACT_VERSION, "study_months": list(STUDY_MONTHS),
                       "columns": columns}, ensure_ascii=False, indent=1)


def run(args: argparse.Namespace) -> int:
    print(data_dictionary_markdown() if args.format == "md" else contract_json())
    return 0
