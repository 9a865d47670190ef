"""Which patients a view shows: a frozen filter on patient-level attributes, and its URL form.

``CohortFilter`` is a setting like ``GradingRules``: hashable, comparable, and written to and
read from a URL query string (``to_params`` / ``from_params``). Reading is tolerant: a value the
cohort does not have, or a malformed one, is dropped with a warning sentence, never an exception,
because a shared link must open even after the data changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from thaldash.data.cohort import Cohort
from thaldash.data.schema import THAL_TYPES
from thaldash.text import list_items, number_text, parse_number

Splenectomy = Literal["any", "yes", "no"]
SPLENECTOMY_CHOICES: tuple[str, ...] = ("any", "yes", "no")
_BETA = ("β0", "β+", "unknown")
BETA_CLASSES: tuple[str, ...] = tuple(f"{a}/{b}" for i, a in enumerate(_BETA) for b in _BETA[i:])
SEXES: tuple[str, ...] = ("F", "M")

# URL parameter of each multi-valued field; values are joined with SEPARATOR.
_LIST_PARAMS: dict[str, str] = {
    "genotypes": "genotype", "alleles": "allele", "beta_classes": "beta_class",
    "thal_types": "thal_type", "sexes": "sex", "centres": "centre",
}
PARAM_NAMES: tuple[str, ...] = (*_LIST_PARAMS.values(), "splenectomy", "age_min", "age_max", "withdrawn")
SEPARATOR = ","


@dataclass(frozen=True)
class FilterOptions:
    """The choices a cohort offers for each filter (sorted, each value once).

    ``age_range`` is (youngest, oldest) or None when no patient has an age, and ``ages_whole``
    says whether every recorded age is a whole number of years; ``sexes`` is empty when the
    cohort has no ``sex`` column.
    """

    genotypes: tuple[str, ...]
    alleles: tuple[str, ...]
    beta_classes: tuple[str, ...]
    thal_types: tuple[str, ...]
    sexes: tuple[str, ...]
    age_range: tuple[float, float] | None
    ages_whole: bool = True
    centres: tuple[str, ...] = ()


@dataclass(frozen=True)
class CohortFilter:
    """A restriction of the cohort by patient-level attributes; the defaults keep every analysed patient.

    An empty tuple means "no restriction" for that attribute. ``alleles`` keeps patients who carry
    any of the listed alleles (on either chromosome). ``age_min``/``age_max`` are inclusive; when
    either is set, patients without a recorded age are left out. Withdrawn patients are left out
    unless ``include_withdrawn``. ``centres`` keeps the patients of those centres (a cohort of
    several centres, ``thaldash.data.centres``).
    """

    genotypes: tuple[str, ...] = ()
    alleles: tuple[str, ...] = ()
    beta_classes: tuple[str, ...] = ()
    thal_types: tuple[str, ...] = ()
    splenectomy: Splenectomy = "any"
    sexes: tuple[str, ...] = ()
    age_min: float | None = None
    age_max: float | None = None
    include_withdrawn: bool = False
    centres: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in _LIST_PARAMS:  # tuples sorted and unique, so equal filters compare and hash equal
            object.__setattr__(self, name, tuple(sorted({str(v) for v in getattr(self, name)})))
        if self.splenectomy not in SPLENECTOMY_CHOICES:
            raise ValueError(f"splenectomy must be one of {', '.join(SPLENECTOMY_CHOICES)}; "
                             f"got {self.splenectomy!r}.")
        for name in ("age_min", "age_max"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, bool) or not math.isfinite(float(value)):
                    raise ValueError(f"{name} must be a finite number of years; got {value!r}.")
                object.__setattr__(self, name, float(value))
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min:g}) must not exceed age_max ({self.age_max:g}).")

    @property
    def is_default(self) -> bool:
        """True when the filter keeps every analysed patient."""
        return self == CohortFilter()

    def mask(self, patients: pd.DataFrame) -> np.ndarray:
        """Boolean array over ``patients`` rows (a ``Cohort.patients``-like frame): kept or not."""
        keep = np.ones(len(patients), dtype=bool)
        for name, column in (("genotypes", "genotype"), ("beta_classes", "beta_class"),
                             ("thal_types", "thal_type"), ("sexes", "sex"), ("centres", "centre")):
            wanted = getattr(self, name)
            if wanted:
                keep &= _isin(patients, column, wanted)
        if self.alleles:
            keep &= _isin(patients, "allele_1", self.alleles) | _isin(patients, "allele_2", self.alleles)
        if self.splenectomy != "any":
            spleen = patients["splenectomy"].fillna(False).astype(bool).to_numpy()
            keep &= spleen if self.splenectomy == "yes" else ~spleen
        if self.age_min is not None or self.age_max is not None:
            age = (pd.to_numeric(patients["age_years"]).to_numpy(dtype=float, na_value=np.nan)
                   if "age_years" in patients else np.full(len(patients), np.nan))
            with np.errstate(invalid="ignore"):  # NaN ages compare false: excluded
                keep &= (age >= (-np.inf if self.age_min is None else self.age_min)) & \
                        (age <= (np.inf if self.age_max is None else self.age_max))
        if not self.include_withdrawn and "withdrawn" in patients:
            keep &= ~patients["withdrawn"].fillna(False).astype(bool).to_numpy()
        return keep

    def apply(self, cohort: Cohort) -> Cohort:
        """The cohort restricted to the patients this filter keeps (visits and patients alike).

        The mask is computed on the patients table and carried to their visits by position
        (``Cohort.take``), never by matching a million patient ids. The default filter keeps the
        analysed patients, who come first in a cohort: a slice that shares the cohort's memory.
        """
        return cohort.take(self.mask(cohort.patients), self.tag())

    def tag(self) -> str:
        """A short text that differs between filters (the cache key suffix of ``apply``)."""
        params = self.to_params()
        return "filter:" + (urlencode(sorted(params.items())) if params else "none")

    def to_params(self) -> dict[str, str]:
        """The non-default settings as URL query parameters; ``from_params`` reads them back."""
        out: dict[str, str] = {}
        for name, param in _LIST_PARAMS.items():
            values = getattr(self, name)
            if values:
                out[param] = SEPARATOR.join(_escaped(v) for v in values)
        if self.splenectomy != "any":
            out["splenectomy"] = self.splenectomy
        if self.age_min is not None:
            out["age_min"] = number_text(self.age_min)
        if self.age_max is not None:
            out["age_max"] = number_text(self.age_max)
        if self.include_withdrawn:
            out["withdrawn"] = "include"
        return out

    @classmethod
    def from_params(cls, params: dict[str, str], options: FilterOptions | None = None
                    ) -> tuple[CohortFilter, list[str]]:
        """A filter from URL query parameters, and a sentence for each value that was dropped.

        Parameters not named in ``PARAM_NAMES`` are ignored (the URL also carries other state).
        With ``options``, values the cohort does not have are dropped too. Never raises.
        """
        warnings: list[str] = []
        values: dict[str, object] = {}
        for name, param in _LIST_PARAMS.items():
            if param not in params:
                continue
            raw = [_unescaped(v) for v in list_items(params[param], SEPARATOR)]
            allowed = _allowed(name, options)
            kept = []
            for value in raw:
                found = _match(value, allowed, name)
                if found is None:
                    warnings.append(f"Filter {param}: {value.strip()!r} is not among this cohort's values; "
                                    "ignored.")
                else:
                    kept.append(found)
            values[name] = tuple(kept)
        if "splenectomy" in params:
            text = str(params["splenectomy"]).strip().lower()
            if text in SPLENECTOMY_CHOICES:
                values["splenectomy"] = text
            else:
                warnings.append(f"Filter splenectomy: {params['splenectomy']!r} is not any, yes or no; ignored.")
        for name in ("age_min", "age_max"):
            if name in params:
                number = parse_number(params[name])
                if number is None:
                    warnings.append(f"Filter {name}: {params[name]!r} is not a number of years; ignored.")
                else:
                    values[name] = number
        if options is not None and options.age_range is not None:
            # A bound that every recorded age satisfies is no bound (as on the sidebar's slider);
            # dropping it says so instead of silently leaving out the patients without an age.
            low, high = options.age_range
            for name in ("age_min", "age_max"):  # a link's 1e308 is the oldest recorded age, not an overflow
                if name in values and not low <= values[name] <= high:
                    clamped = min(max(values[name], low), high)
                    warnings.append(f"Filter {name}: {values[name]:g} is outside the recorded ages ({low:g}–{high:g}); "
                                    f"{clamped:g} used.")
                    values[name] = clamped
            for name, unbounded in (("age_min", values.get("age_min", np.inf) <= low),
                                    ("age_max", values.get("age_max", -np.inf) >= high)):
                if unbounded:
                    warnings.append(f"Filter {name}: {values.pop(name):g} includes every recorded age "
                                    f"({low:g}–{high:g}); no age restriction applied.")
        if values.get("age_min") is not None and values.get("age_max") is not None \
                and values["age_min"] > values["age_max"]:
            warnings.append(f"Filter age: the minimum {values['age_min']:g} is above the maximum "
                            f"{values['age_max']:g}; the age range is ignored.")
            values.pop("age_min"), values.pop("age_max")
        if "withdrawn" in params:
            text = str(params["withdrawn"]).strip().lower()
            if text in ("include", "1", "true", "yes"):
                values["include_withdrawn"] = True
            elif text not in ("exclude", "0", "false", "no", ""):
                warnings.append(f"Filter withdrawn: {params['withdrawn']!r} is not include or exclude; ignored.")
        return cls(**values), warnings

    def describe(self) -> str:
        """Short human text for captions and export footers, e.g. "TDT · splenectomy: yes · age 12–18"."""
        parts: list[str] = []
        if self.centres:
            parts.append(("centre " if len(self.centres) == 1 else "centres ") + ", ".join(self.centres))
        if self.thal_types:
            parts.append(" or ".join(self.thal_types))
        if self.genotypes:
            parts.append(("genotype " if len(self.genotypes) == 1 else "genotypes ") + ", ".join(self.genotypes))
        if self.alleles:
            parts.append("carrying " + " or ".join(self.alleles))
        if self.beta_classes:
            parts.append(" or ".join(self.beta_classes))
        if self.splenectomy != "any":
            parts.append(f"splenectomy: {self.splenectomy}")
        if self.sexes:
            parts.append("sex: " + " or ".join(self.sexes))
        if self.age_min is not None or self.age_max is not None:
            low = "" if self.age_min is None else number_text(self.age_min)
            high = "" if self.age_max is None else number_text(self.age_max)
            parts.append(f"age {low}–{high}" if low and high else (f"age ≥ {low}" if low else f"age ≤ {high}"))
        if self.include_withdrawn:
            parts.append("withdrawn patients included")
        return " · ".join(parts) if parts else "all analysed patients"


def options(cohort: Cohort) -> FilterOptions:
    """The values present in ``cohort`` for each filter (withdrawn patients included)."""
    p = cohort.patients

    def distinct(column: str, order: tuple[str, ...] = ()) -> tuple[str, ...]:
        if column not in p:
            return ()
        present = {str(v) for v in p[column].dropna().unique()}
        return tuple(v for v in order if v in present) + tuple(sorted(present - set(order)))

    alleles = tuple(sorted(set(distinct("allele_1")) | set(distinct("allele_2"))))
    age_range, whole = None, True
    if "age_years" in p:
        ages = pd.to_numeric(p["age_years"]).dropna()
        if len(ages):
            age_range = (float(ages.min()), float(ages.max()))
            whole = bool((ages == np.floor(ages)).all())
    return FilterOptions(
        genotypes=distinct("genotype"), alleles=alleles, beta_classes=distinct("beta_class", BETA_CLASSES),
        thal_types=distinct("thal_type", THAL_TYPES), sexes=distinct("sex", SEXES), age_range=age_range,
        ages_whole=whole, centres=cohort.centres)


def _escaped(value: str) -> str:
    """A list item as URL text: a centre may be named "Nanning, 2nd hospital", and "," separates items."""
    return value.replace("%", "%25").replace(SEPARATOR, "%2C")


def _unescaped(text: str) -> str:
    return text.replace("%2C", SEPARATOR).replace("%2c", SEPARATOR).replace("%25", "%")


def _isin(patients: pd.DataFrame, column: str, wanted: tuple[str, ...]) -> np.ndarray:
    if column not in patients:
        return np.zeros(len(patients), dtype=bool)
    return patients[column].isin(wanted).to_numpy(dtype=bool, na_value=False)


def _allowed(name: str, options: FilterOptions | None) -> tuple[str, ...] | None:
    """Accepted values of a list field: the cohort's when known, else the fixed vocabulary (or any)."""
    if options is not None:
        return getattr(options, name)
    return {"beta_classes": BETA_CLASSES, "thal_types": THAL_TYPES, "sexes": SEXES}.get(name)


def _match(value: str, allowed: tuple[str, ...] | None, name: str) -> str | None:
    """``value`` as spelled in ``allowed``, forgiving what URLs and keyboards do to it."""
    # "+" becomes a space when a URL is typed by hand; "b0/b+" is how people type "β0/β+".
    candidates = [value.strip(), value.replace(" ", "+").strip()]
    if name == "beta_classes":
        candidates += [c.replace("b", "β").replace("B", "β") for c in list(candidates)]
    if name in ("thal_types", "sexes"):
        candidates += [c.upper() for c in list(candidates)]
    if allowed is None:
        return candidates[0]
    return next((c for c in candidates if c in allowed), None)
