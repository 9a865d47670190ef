"""The optional adverse-events table: its contract (as data), its validation and its loading.

A second contract beside the cohort's (``thaldash.data.schema``): one row per adverse event of a
patient of the cohort. It is written with the same ``Column`` type and checked with the same cell
checks (``thaldash.data.checks``), so its errors read like the cohort's. Events are free text;
the spellings in ``EVENT_TERMS`` are read as the paper's terms, so a cohort can be set beside the
paper's counts, and anything else is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from thaldash.data.checks import (
    UNSAFE_CHARACTERS,
    Collector,
    as_text,
    coerce_bool,
    coerce_number,
    coerce_string,
    empty_problems,
    expand,
    factorize_text,
)
from thaldash.data.io import UnreadableFile, read_table
from thaldash.data.schema import Column

ENV = "THALDASH_ADVERSE_EVENTS"
"""Environment variable naming an adverse-events file for the app (like ``THALDASH_DATA``)."""

ADVERSE_EVENTS: tuple[Column, ...] = (
    Column("patient_id", "string", "patient", True,
           "The patient, as in the cohort file (every id must be one of its patients)."),
    Column("event", "string", "visit", True,
           "What happened, e.g. `rash`, `eyelid/facial oedema`, `thrombosis`. Common spellings are read as the "
           "paper's terms (`facial swelling` → `eyelid/facial oedema`); anything else is kept as written."),
    Column("month", "float", "visit", False, "Month of treatment at onset (0 = baseline).", unit="months",
           nullable=True, minimum=0, maximum=240),
    Column("grade", "int", "visit", False, "Severity, CTCAE grade 1 (mild) to 5 (death).", nullable=True,
           minimum=1, maximum=5),
    Column("led_to_withdrawal", "bool", "visit", False,
           "The patient stopped thalidomide because of this event. Missing means false.", nullable=True),
)
AE_COLUMNS: dict[str, Column] = {c.name: c for c in ADVERSE_EVENTS}
AE_REQUIRED: tuple[str, ...] = tuple(c.name for c in ADVERSE_EVENTS if c.required)

EVENT_TERMS: dict[str, tuple[str, ...]] = {
    "eyelid/facial oedema": ("eyelid/facial edema", "eyelid oedema", "eyelid edema", "facial oedema",
                             "facial edema", "facial swelling", "eyelid swelling", "oedema", "edema"),
    "rash": ("severe rash",),
    "skin rash": (),
    "joint swelling or pain": ("joint swelling", "joint pain", "arthralgia", "joint swelling and pain"),
    "drowsiness": ("somnolence", "sleepiness"),
    "constipation": (),
    "fatigue": ("tiredness",),
    "thrombosis": ("venous thrombosis", "deep vein thrombosis", "dvt", "thromboembolism", "arterial thrombosis"),
    "peripheral neuropathy": ("neuropathy", "polyneuropathy"),
}
"""The paper's terms (Methods: the side effects monitored; Results: those reported) and accepted spellings."""
_TERM_OF = {alias: term for term, aliases in EVENT_TERMS.items() for alias in (term, *aliases)}


def normalise_event(text: str) -> str:
    """The paper's term for ``text`` when it is one of its spellings, else ``text`` tidied (spaces, case kept)."""
    tidy = " ".join(str(text).split())
    return _TERM_OF.get(tidy.lower(), tidy)


@dataclass(frozen=True, eq=False)
class AdverseEvents:
    """The outcome of reading an adverse-events file (``load_adverse_events``).

    Attributes
    ----------
    events
        One row per event (``None`` when unreadable or with errors): ``patient_id``, ``event``
        (the paper's term where recognised), ``month`` (float, NaN unknown), ``grade`` (Int64,
        ``<NA>`` unknown), ``led_to_withdrawal`` (bool; missing read as False).
    problems
        ``severity``, ``column``, ``patient_id``, ``value``, ``problem``, errors first.
    source_name, sha256
        The file's display name and the hex digest of its bytes ("" when unreadable).
    n_errors, n_warnings, unreadable
        As for the cohort's ``LoadResult``.
    """

    events: pd.DataFrame | None
    problems: pd.DataFrame
    source_name: str
    sha256: str
    n_errors: int = 0
    n_warnings: int = 0
    unreadable: bool = False

    @property
    def ok(self) -> bool:
        return self.events is not None

    def __hash__(self) -> int:  # cached analyses key on the file's content
        return hash(self.sha256)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AdverseEvents) and other.sha256 == self.sha256 and other.ok == self.ok


def validate_adverse_events(frame: pd.DataFrame, patients: pd.DataFrame | None = None
                            ) -> tuple[pd.DataFrame | None, Collector]:
    """Check a raw adverse-events table against ``ADVERSE_EVENTS`` (and the cohort's ``patients``).

    Returns the typed table (``None`` when there is an error) and the problems collected. Never
    raises for bad data. A ``patient_id`` that is not a patient of ``patients`` is an error (its
    events would have no denominator); an event leading to withdrawal for a patient the cohort does
    not mark as withdrawn is a warning.
    """
    frame = frame.reset_index(drop=True)
    pids = as_text(frame["patient_id"]).str.strip() if "patient_id" in frame else pd.Series("", index=frame.index)
    # One slice (an adverse-events table is small); each row names its patient by a code into the texts.
    codes, texts = pd.factorize(pids.fillna(""))
    out = Collector(codes.astype(np.int64), pd.Series(texts, dtype="str"), [slice(0, len(frame))])
    for name in AE_REQUIRED:
        if name not in frame.columns:
            out.one("error", name, "required column of the adverse-events table is missing "
                                   f"(columns: {', '.join(AE_COLUMNS)})")
    if len(frame) == 0:
        out.one("error", "", "the adverse-events file has no data rows")
    typed: dict[str, object] = {}
    for col in ADVERSE_EVENTS:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        if col.kind == "string":
            codes, uniq = factorize_text(raw)
            unsafe = uniq.str.contains(UNSAFE_CHARACTERS.pattern, regex=True).to_numpy(dtype=bool)
            out.cells("error", col.name, expand(unsafe, codes, False), raw,
                      "contains control or bidirectional-override characters, which can disguise text")
            normalise = normalise_event if col.name == "event" else None
            typed[col.name] = coerce_string(col, raw, out, factorized=(codes, uniq), normalise=normalise).text
        elif col.kind == "bool":
            values, _ = coerce_bool(col, raw, out)
            typed[col.name] = np.where(np.isnan(values), False, values == 1)
        else:
            values, _ = coerce_number(col, raw, out)
            typed[col.name] = values
    if "event" in typed:
        _note_respellings(frame["event"], typed["event"], out)
    if patients is not None and "patient_id" in typed:
        _check_patients(typed, frame, patients, out)
    if out.n_errors:
        return None, out
    n = len(frame)
    grade = typed.get("grade", np.full(n, np.nan))
    events = pd.DataFrame({
        "patient_id": typed["patient_id"].astype("str"),
        "event": typed["event"].astype("str"),
        "month": pd.Series(typed.get("month", np.full(n, np.nan)), dtype="float64"),
        "grade": pd.array(np.where(np.isnan(grade), None, grade), dtype="Int64"),
        "led_to_withdrawal": pd.Series(typed.get("led_to_withdrawal", np.zeros(n, bool)), dtype="bool"),
    })
    return events, out


def _note_respellings(raw: pd.Series, typed: pd.Series, out: Collector) -> None:
    """One warning per spelling read as one of the paper's terms ("'facial swelling' read as …")."""
    before = as_text(raw).map(lambda v: " ".join(str(v).split()) if isinstance(v, str) else v)
    changed = (before.notna() & (before.astype("str") != typed.astype("str"))).to_numpy()
    for text in pd.unique(before[changed]):
        rows = (before == text).to_numpy()
        first = int(np.flatnonzero(rows)[0])
        out.one("warning", "event", f"{text!r} read as the paper's term {normalise_event(text)!r} on "
                f"{int(rows.sum())} row(s)", patient_id=out.patient_at(first), value=str(text))


def _check_patients(typed: dict[str, object], frame: pd.DataFrame, patients: pd.DataFrame, out: Collector) -> None:
    ids = typed["patient_id"].astype("str")
    known = pd.Index(patients["patient_id"].astype("str"))
    unknown = (known.get_indexer(ids) < 0) & ids.notna().to_numpy()
    out.cells("error", "patient_id", unknown, frame["patient_id"],
              lambda v: f"patient {v.strip()} is not in the cohort file; every event needs one of its patients",
              label="patient not in the cohort")
    if "led_to_withdrawal" in typed and "withdrawn" in patients:
        withdrawn = set(patients.loc[patients["withdrawn"].fillna(False).astype(bool), "patient_id"].astype("str"))
        odd = np.asarray(typed["led_to_withdrawal"]) & ~ids.isin(withdrawn).to_numpy() & ~unknown
        out.cells("warning", "led_to_withdrawal", odd, frame["led_to_withdrawal"],
                  "the event led to withdrawal, but the cohort file does not mark this patient as withdrawn")


def load_adverse_events(source: str | Path | bytes, name: str | None = None, *,
                        patients: pd.DataFrame | None = None) -> AdverseEvents:
    """Read (``thaldash.data.io.read_table``) and check an adverse-events file; never raises for bad input.

    Parameters
    ----------
    source
        Path to a CSV or Parquet file, or its bytes (an upload).
    name
        Display name; defaults to the file name.
    patients
        ``Cohort.patients`` of the cohort the events belong to (ids are checked against it).
    """
    fallback = name or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    try:
        raw = read_table(source, name, max_rows=1_000_000, contract={c.name: c for c in ADVERSE_EVENTS})
    except UnreadableFile as exc:
        problems = pd.DataFrame([{"severity": "error", "file": "", "column": "", "patient_id": "", "value": "",
                                  "problem": str(exc)}])
        return AdverseEvents(None, problems, exc.name or fallback, exc.sha256, n_errors=1, unreadable=True)
    frame = raw.frame.loc[:, [c for c in raw.frame.columns if c in AE_COLUMNS]]
    events, out = validate_adverse_events(frame, patients)
    problems = out.frame() if (out.n_errors or out.n_warnings) else empty_problems()
    return AdverseEvents(events, problems, raw.name, raw.sha256, out.n_errors, out.n_warnings)


def adverse_events_markdown() -> str:
    """The adverse-events contract as Markdown (Data page, ``data/README.md`` style)."""
    lines = [
        f"Optional. One CSV or Parquet file, one row per adverse event; give it with `--adverse-events PATH` "
        f"(`python -m thaldash report` and `validate`), the `{ENV}` environment variable, or the upload below. "
        "Patients with no row had no event recorded; the share of patients with an event is counted "
        "per patient (a patient with two rashes counts once), of every enrolled patient of the cohort.",
        "",
        "| column | required | type | unit | accepted values | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in ADVERSE_EVENTS:
        lines.append(f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.kind} | {c.unit or '–'} | {c.rule} "
                     f"| {c.description} |")
    terms = "; ".join(f"`{t}`" + (f" ({', '.join(a)})" if a else "") for t, a in EVENT_TERMS.items())
    lines += ["", f"The paper's terms and the spellings read as them: {terms}."]
    return "\n".join(lines)


_SAFE_NAME = re.compile(r"[^\w.\-]")


def source_label(result: AdverseEvents) -> str:
    """"ae.csv (sha256 1a5a044a5b55)": the file as captions and export footers name it."""
    return f"{_SAFE_NAME.sub('_', result.source_name)} (sha256 {result.sha256[:12] or 'unreadable'})"
