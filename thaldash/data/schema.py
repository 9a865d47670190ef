"""The cohort data contract (v1.1), written once as data.

Validation (``thaldash.data.validation``), the data dictionary in ``data/README.md``
and the help text next to an upload are all generated from ``CONTRACT``; change
a rule here and every one of them follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CONTRACT_VERSION = "1.1"
"""v1.1 adds the optional ``centre`` column; a v1 file (without it) is a v1.1 file of one centre."""

Kind = Literal["string", "bool", "float", "int"]
Level = Literal["patient", "visit"]

STUDY_MONTHS: tuple[int, ...] = (0, 1, 3, 6, 12, 18, 24)
THAL_TYPES: tuple[str, ...] = ("TDT", "NTDT")
TIERS: tuple[str, ...] = ("MaR", "MiR", "SLR", "NR")
RESPONDING_TIERS: tuple[str, ...] = ("MaR", "MiR", "SLR")
"""The tiers that count as a response: the paper's overall response rate is MaR + MiR + SLR."""
NOT_EVALUABLE = "not evaluable"
"""The grade of a patient whose deciding value is missing (never NR)."""
TIER_ORDER: tuple[str, ...] = (*TIERS, NOT_EVALUABLE)
MAR_GROUP = "MaR group"
"""A genotype combination all of whose evaluable patients are MaR (the paper's "MaR group")."""
OTHER_GROUP = "SLR/NR group"
PROVENANCE_VALUES: tuple[str, ...] = ("published", "derived", "assumed")
CENTRE_SEPARATOR = "/"
"""Joins a centre and its own patient id into the cohort's key when there are several centres
("Guangzhou/P0001"); so a centre name may not contain it."""
CENTRE_ID = "centre_patient_id"
"""The patient-level column that keeps a patient's id as its file gives it, beside ``CENTRE/ID`` (several centres)."""
# A label (an identifier, an allele, a reason for withdrawal) is short: a longer cell in a text
# column is an error, and is not processed further (trimmed, normalised, compared).
MAX_TEXT_CHARS = 1_000


@dataclass(frozen=True)
class UnitCheck:
    """A heuristic that recognises a whole column recorded in the wrong unit.

    The column is flagged when its median (over non-missing values) lies in
    ``[median_low, median_high]``; the message names the likely unit.
    """

    median_low: float
    median_high: float
    looks_like: str
    fix: str


@dataclass(frozen=True)
class Column:
    """One column of the contract."""

    name: str
    kind: Kind
    level: Level
    required: bool
    description: str
    unit: str = ""
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None  # below: impossible, an error
    maximum: float | None = None  # above: impossible, an error
    plausible: tuple[float, float] | None = None  # outside: a warning
    unit_check: UnitCheck | None = None

    @property
    def rule(self) -> str:
        """A one-line statement of the accepted values, for docs and help."""
        parts: list[str] = []
        if self.allowed:
            parts.append("one of " + ", ".join(f"`{a}`" for a in self.allowed))
        if self.minimum is not None and self.maximum is not None:
            parts.append(f"{_fmt(self.minimum)} to {_fmt(self.maximum)}")
        elif self.minimum is not None:
            parts.append(f"≥ {_fmt(self.minimum)}")
        if self.plausible:
            parts.append(f"plausible {_fmt(self.plausible[0])}–{_fmt(self.plausible[1])}")
        parts.append("may be empty" if self.nullable else "never empty")
        return "; ".join(parts)


def _fmt(x: float) -> str:
    return f"{x:g}"


def provenance_column(measure: str) -> str:
    """Name of the optional provenance column that belongs to ``measure``."""
    return f"{measure}_provenance"


_MEASURES = ("hb_g_l", "hbf_pct", "sf_ng_ml", "rbc_units")
# Patient-level facts whose provenance a reconstruction records (the bundled cohort does).
_PATIENT_FACTS_WITH_PROVENANCE = ("sex", "age_years", "splenectomy", "pre_rbc_units_24m")

CONTRACT: tuple[Column, ...] = (
    Column("patient_id", "string", "patient", True,
           "Patient identifier, unique within its centre (the same id at two centres is two patients)."),
    Column("allele_1", "string", "patient", True,
           "First β-globin variant (canonical spelling such as `CD41-42`, `-28`, `IVS-II-654`, `HbE`; "
           "common variants such as `βCD41-42` or `IVS-2-654` are normalised on load; unknown variants are a warning)."),
    Column("allele_2", "string", "patient", True,
           "Second β-globin variant; the genotype is the unordered pair of the two alleles."),
    Column("thal_type", "string", "patient", True,
           "Transfusion-dependent (`TDT`) or non-transfusion-dependent (`NTDT`) thalassaemia at enrolment.",
           allowed=THAL_TYPES),
    Column("splenectomy", "bool", "patient", True, "Spleen removed before enrolment."),
    Column("pre_rbc_units_24m", "float", "patient", True,
           "Red-cell units transfused in the 24 months before enrolment (0 for NTDT).",
           unit="units", minimum=0, plausible=(0, 200)),
    Column("month", "int", "visit", True,
           "Visit month; 0 is baseline. Study schedule: " + ", ".join(map(str, STUDY_MONTHS)) + ".",
           unit="months", minimum=0, maximum=240, plausible=(0, 24)),
    Column("hb_g_l", "float", "visit", True, "Haemoglobin (pre-transfusion where transfused).",
           unit="g/L", nullable=True, minimum=0, maximum=250, plausible=(30, 200),
           unit_check=UnitCheck(2, 25, "g/dL", "multiply by 10")),
    Column("hbf_pct", "float", "visit", True, "Fetal haemoglobin as a percentage of total Hb.",
           unit="%", nullable=True, minimum=0, maximum=100, plausible=(0, 100),
           unit_check=UnitCheck(0, 1, "a fraction (0–1)", "multiply by 100")),
    Column("sf_ng_ml", "float", "visit", True, "Serum ferritin.",
           unit="ng/mL", nullable=True, minimum=0, maximum=100_000, plausible=(5, 30_000),
           unit_check=UnitCheck(0.01, 15, "µg/mL", "multiply by 1000")),
    Column("rbc_units", "float", "visit", True,
           "Red-cell units transfused since the previous visit (0 at month 0).",
           unit="units", nullable=True, minimum=0, maximum=100, plausible=(0, 30)),
    Column("centre", "string", "patient", False,
           "Centre that enrolled the patient (added in contract v1.1; files without it are accepted). In a folder "
           "of files the file's name without its extension is the centre, or its `centre=NAME` folder in a "
           "partitioned dataset, unless the file has this column. Must not contain `/`."),
    Column("sex", "string", "patient", False, "Sex.", allowed=("F", "M"), nullable=True),
    Column("age_years", "float", "patient", False, "Age at enrolment.", unit="years",
           nullable=True, minimum=0, maximum=120, plausible=(1, 90)),
    Column("dose_mg_day", "float", "patient", False, "Thalidomide dose.", unit="mg/day",
           nullable=True, minimum=0, maximum=400, plausible=(12.5, 200)),
    Column("withdrawn", "bool", "patient", False,
           "Withdrew before the end of follow-up; kept for the study flow and demographics, "
           "excluded from efficacy analyses by default. Missing means false."),
    Column("withdrawal_month", "float", "patient", False, "Month of withdrawal (withdrawn patients only).",
           unit="months", nullable=True, minimum=0, maximum=240),
    Column("withdrawal_reason", "string", "patient", False, "Why the patient withdrew.", nullable=True),
    Column("chelator", "string", "patient", False, "Iron chelator (e.g. deferasirox, deferoxamine).",
           nullable=True),
    Column("chelation_stop_month", "float", "patient", False,
           "Month at which iron chelation was suspended for low ferritin, if it was.",
           unit="months", nullable=True, minimum=0, maximum=240),
    Column("published_tier", "string", "patient", False,
           "Response tier as recorded by the investigators.", allowed=TIERS, nullable=True),
    *(Column(provenance_column(m), "string", level, False,
             f"Where each `{m}` value comes from: printed in the paper for this patient (`published`), "
             "one of many values consistent with the published aggregates, which fix their sums and spreads but not "
             "this value (`derived`), or not constrained by any published number (`assumed`).",
             allowed=PROVENANCE_VALUES, nullable=True)
      for m, level in (*((m, "visit") for m in _MEASURES), *((m, "patient") for m in _PATIENT_FACTS_WITH_PROVENANCE))),
)

COLUMNS: dict[str, Column] = {c.name: c for c in CONTRACT}
REQUIRED: tuple[str, ...] = tuple(c.name for c in CONTRACT if c.required)
PATIENT_LEVEL: tuple[str, ...] = tuple(c.name for c in CONTRACT if c.level == "patient")
MEASURES: tuple[str, ...] = _MEASURES
LABEL_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in CONTRACT if c.kind == "string" and not c.allowed
)

MEASURE_LABELS: dict[str, str] = {
    "hb_g_l": "Hb (g/L)",
    "hbf_pct": "HbF (%)",
    "sf_ng_ml": "Serum ferritin (ng/mL)",
    "rbc_units": "RBC units since previous visit",
}


@dataclass(frozen=True)
class Definition:
    """A derived quantity the contract defines, with its default parameters."""

    name: str
    text: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("Transfusion-independence month",
               "The smallest visit month m ≥ 1 after which `rbc_units` is 0 at every later visit. It needs at "
               "least one later visit; a missing later value makes it not evaluable, never 0. A patient "
               "transfused before enrolment but not after baseline has month 1; a patient never transfused "
               "(pre_rbc_units_24m = 0 and no transfusion after baseline) was never dependent: no month, "
               "\"never transfused\"."),
    Definition("Transfusion reduction over a window of W months (default 6)",
               "100 × (1 − Σ rbc_units at visits 0 < month ≤ W ÷ (pre_rbc_units_24m × W / 24))."),
    Definition("Hb rise", "hb_g_l at month W minus hb_g_l at month 0."),
    Definition("Default tiers",
               "No transfusion in the last 3 months of the window → MaR (so NTDT are MaR); still-transfused "
               "patients by reduction: ≥ 50% MiR, 25–50% SLR, < 25% NR. The transfusion-free span is checked "
               "on whole visit intervals (with the 6-month window: the month-6 visit, which covers months 3–6). "
               "A patient never transfused in the 24 months before enrolment (pre_rbc_units_24m = 0) but "
               "transfused in those last months is NR: the need rose, though a reduction is undefined. "
               "A patient whose deciding value is missing is \"not evaluable\", never NR."),
    Definition("Genotype group",
               "A genotype combination is in the \"MaR group\" when every evaluable analysed patient with it is "
               "MaR; otherwise in the \"SLR/NR group\"."),
)


CENTRE_RULES: tuple[str, ...] = (
    "A folder of Parquet and CSV files is one cohort, one file per centre: the file's name without its extension "
    "is the centre (`guangzhou.parquet` → `guangzhou`), unless the file has a `centre` column, whose values win. "
    "Files whose names start with `.` or `_` are skipped; other files are named in a warning and not read.",
    "A partitioned Parquet dataset (folders `centre=NAME/`, each with one or more Parquet files, as written by "
    "`pyarrow.dataset.write_dataset` or Spark) is read the same way: the folder names the centre.",
    "Patient ids are unique within a centre, not across centres: `P0001` at two centres is two patients. With "
    f"more than one centre the cohort's patient id is `CENTRE{CENTRE_SEPARATOR}ID` (`guangzhou/P0001`) everywhere "
    "(tables, links, exports); the centre and the file's own id stay in `centre` and `centre_patient_id`.",
    "Every file is checked against this contract and every problem names its file; one file with an error "
    "refuses the whole folder (nothing is half-loaded). A patient's rows must all be in one file. The size limits "
    "(rows, memory once decoded, bytes) hold for the folder as a whole.",
)
"""How a folder of centres becomes one cohort (the data dictionary's *Several centres*)."""


def data_dictionary_markdown() -> str:
    """The contract as a Markdown data dictionary (the body of ``data/README.md``)."""
    lines = [
        f"# Cohort data contract v{CONTRACT_VERSION}",
        "",
        "<!-- Generated by `python -m thaldash contract --format md`; edit thaldash/schema.py, not this file. -->",
        "",
        "One Parquet file (CSV accepted too) in long layout: one row per patient per visit, or a folder of such "
        "files, one per centre (see *Several centres*). "
        "Patient-level columns repeat on every row of that patient and must be constant within it. "
        "Columns outside the contract are not read (each is named in a warning). Check a file or a folder with "
        "`python -m thaldash validate PATH`.",
        "",
        "| column | required | level | type | unit | accepted values | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in CONTRACT:
        lines.append(
            f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.level} | {c.kind} | {c.unit or '–'} "
            f"| {c.rule} | {c.description} |"
        )
    lines += ["", "## Several centres", ""]
    lines += [f"- {text}" for text in CENTRE_RULES]
    lines += ["", "## Definitions", ""]
    lines += [f"- **{d.name}**: {d.text}" for d in DEFINITIONS]
    lines += [
        "",
        "## Checks",
        "",
        "Errors (the file is refused): unreadable or non-Parquet/CSV files; files beyond the size limits "
        "(rows, columns, memory once decoded; the refusal states them); missing or duplicated columns; a column "
        "stored as a type the contract does not accept (e.g. binary data in a text column); "
        "non-numeric values in numeric columns (`9,5`, `<5`, `n/a`, `inf`); values outside the impossible "
        "bounds above; a whole column in the wrong unit (Hb in g/dL, HbF as a fraction, ferritin in µg/mL); "
        "duplicate (centre, patient_id, month); a patient's rows in two files; a centre name containing `/`; "
        "a `centre` column that disagrees with its `centre=NAME` folder; a patient-level value that varies within a patient; values outside "
        "the accepted sets; control or bidirectional-override characters in labels; text of more than "
        f"{MAX_TEXT_CHARS:,} characters in a text column.",
        "",
        "Warnings (the file loads): unknown β-globin variants; values outside the plausible range; visit months "
        "off the study schedule; no month-0 visit; transfusion recorded at month 0; NTDT with pre-enrolment "
        "transfusions; spellings normalised (e.g. `βCD41-42` → `CD41-42`, `male` → `M`) and spaces trimmed; "
        "spreadsheet-formula prefixes, HTML or Markdown in labels (always shown as plain text); columns "
        "outside the contract (named, never read).",
        "",
    ]
    return "\n".join(lines)


def upload_help_text() -> str:
    """Short help shown next to the upload widget."""
    required = ", ".join(f"`{c}`" for c in REQUIRED)
    return (
        "Parquet or CSV, one row per patient per visit; several files are one cohort, one file per centre "
        "(the file's name is the centre unless it has a `centre` column). Required columns: "
        f"{required}. Hb in g/L, HbF in %, ferritin in ng/mL. "
        "The file stays in this browser session and is never written to disk."
    )
