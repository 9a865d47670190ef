"""How far the paper constrains each result on the bundled reconstruction: published, constrained, assumed.

The bundled cohort was fitted to the paper's printed numbers (``data/COHORT.md``). A result
computed from it is one of three things:

- **published**: the paper prints this statistic (``data/published.csv``), and the cohort
  reproduces it;
- **constrained**: the paper does not print it, but printed numbers fix it (a Welch t from the
  printed n, means and SDs; a count that is a difference of printed counts; a mean that is the
  weighted mean of printed group means);
- **assumed**: it depends on what the generator assumed where the paper is silent (sexes, ages,
  splenectomies, months 1/3/18, the shape of distributions, so every rank test and median), and
  would differ in another cohort equally consistent with the paper.

Two sources, both data: ``data/published.csv`` decides "published" (and the constrained cases that
follow arithmetically from printed cells, computed below), and the rules of
``data/constraints.csv`` (first match wins; ``*`` and ``|`` as in a file pattern) give every other
row its label and a short note. ``published.attributes`` (rules in ``data/attribute_provenance.csv``)
does the same for a patient's attributes that the file has no ``<column>_provenance`` for.

Apply these labels only to the bundled reconstruction (``thaldash.data.bundled.is_reconstruction``):
on any other file the values are the file's own.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import pandas as pd

from thaldash import DATA_DIR
from thaldash.published.numbers import published_numbers
from thaldash.published.printed import contradiction_note, kept, matches, printings, where

Kind = Literal["comparison", "paired", "correlation", "tiers", "trajectory", "genotype", "reduction"]
CONSTRAINTS: tuple[str, ...] = ("published", "constrained", "assumed")
CONSTRAINTS_CSV = DATA_DIR / "constraints.csv"

OFF_RULES = "graded under rules the paper does not report: the tiers depend on reconstructed individual values"
SUBGROUP = "a subgroup the paper does not report"
_SUBSET_KEYS = {"analysed": "analysed", "all": "analysed", "TDT": "tdt", "NTDT": "ntdt"}
_GENOTYPE_GROUPS = {"MaR", "SLR/NR"}
# Results that depend on the grading (tiers, genotype groups, rises and reductions over the window).
_GRADING_GROUPINGS = {"genotype_group", "tier"}
_GRADING_MEASURES = {"hb_rise", "reduction_pct"}


@lru_cache(maxsize=1)
def constraint_rules() -> pd.DataFrame:
    """``data/constraints.csv``: kind, measure, month, grouping, subset, test, constraint, note (in order)."""
    rules = pd.read_csv(CONSTRAINTS_CSV, dtype=str, keep_default_na=False)
    bad = sorted(set(rules["constraint"]) - set(CONSTRAINTS))
    if bad:
        raise ValueError(f"{CONSTRAINTS_CSV.name}: constraint must be one of {', '.join(CONSTRAINTS)}; got {bad[0]!r}.")
    return rules


def _rule(kind: str, key: dict[str, str]) -> tuple[str, str]:
    rules = constraint_rules()
    for rule in rules[rules["kind"] == kind].itertuples(index=False):
        if all(matches(key.get(field, ""), getattr(rule, field))
               for field in ("measure", "month", "grouping", "subset", "test")):
            return rule.constraint, rule.note
    return "assumed", "no published number fixes it"


def _month(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return f"{int(value)}" if float(value).is_integer() else str(value)


def _group(value: object) -> str:
    return str(value).removesuffix(" group")


def _comparison(key: dict[str, str], groups: set[str]) -> tuple[str, str] | None:
    subset = _SUBSET_KEYS.get(key["subset"])
    if key["grouping"] != "genotype_group" or groups != _GENOTYPE_GROUPS or subset is None or not key["month"]:
        return None
    measure, month = key["measure"], key["month"]
    base = f"cmp.{subset}.{measure}.m{month}"
    means = [_printed_mean(subset, measure, month, g) for g in sorted(_GENOTYPE_GROUPS)]
    sds = [f"{base}.{g}.{f}" for g in sorted(_GENOTYPE_GROUPS) for f in ("n", "sd")]
    kept_means = [f for m in means if m for f in m]
    if key["test"].startswith("Student") and f"{base}.p" in printings():
        if kept(f"{base}.p"):
            cells = [f"{base}.{g}.{f}" for g in sorted(_GENOTYPE_GROUPS) for f in ("mean", "sd")]
            return "published", f"P printed in {where([base + '.p'])}" + contradiction_note([*cells, base + ".diff"])
        if all(means) and (kept(f"{base}.se") or kept(*sds)):
            return "constrained", (f"fixed by the means printed in {where(kept_means)} and the spread printed in "
                                   f"{where([base + '.se'] if kept(base + '.se') else sds)}"
                                   + contradiction_note([base + ".p"], "the printed P is"))
    if key["test"].startswith("Welch") and all(means) and kept(*sds):
        return "constrained", f"fixed by the n, means and SDs printed in {where([*kept_means, *sds])}"
    return None


def _paired(key: dict[str, str]) -> tuple[str, str] | None:
    subset = _SUBSET_KEYS.get(key["subset"])
    if subset is None or key["test"] != "paired t":
        return None
    i, j = key["month"].split("-")
    for a, b in ((i, j), (j, i)):
        base = f"paired.{subset}.{key['measure']}.m{a}-m{b}"
        if f"{base}.p" not in printings():
            continue
        if kept(f"{base}.p"):
            return "published", f"printed in {where([base + '.p'])}"
        if kept(f"{base}.diff", f"{base}.se"):
            return "constrained", (f"the P follows from the difference and SE printed in {where([base + '.diff'])}"
                                   + contradiction_note([base + ".p"], "the printed P is"))
    return None


def _correlation(key: dict[str, str]) -> tuple[str, str] | None:
    if key["measure"] != "hbf_baseline~hb_rise" or not key["test"].startswith("Pearson"):
        return None
    fact = "corr.analysed.hbf_pct.m0.hb_rise.m6.pearson.p"
    if key["subset"] in ("analysed", "all") and kept(fact):
        return "published", f"P printed in {where([fact])} (r follows from it and n)"
    return None


_TIER_FACTS = {("all", "MaR"): "tier.MaR.n", ("all", "NR"): "tier.NR.n", ("all", "ORR"): "orr.n",
               ("TDT", "transfusion-free"): "tdt.transfusion_free.n",
               ("NTDT", "transfusion-free"): "ntdt.transfusion_free.n"}


def _tiers(key: dict[str, str]) -> tuple[str, str] | None:
    fact = _TIER_FACTS.get((key["subset"], key["measure"]))
    if key["test"] == "per-protocol" and fact and kept(fact):
        return "published", f"printed in {where([fact])}"
    return None


@lru_cache(maxsize=4)
def _group_genotypes(group: str) -> tuple[str, ...]:
    """The genotype combinations the paper puts in ``group`` ("MaR" or "SLR/NR"), from the printed facts."""
    numbers = published_numbers()
    rows = numbers[numbers["fact"].str.match(r"^genotype\[[^\]]+\]\.group$") & (numbers["value"] == group)]
    return tuple(dict.fromkeys(rows["fact"].str.extract(r"^genotype\[([^\]]+)\]")[0]))


def _printed_mean(subset: str, measure: str, month: str, group: str) -> list[str] | None:
    """The printed fact (kept, not contradicted) giving ``group``'s mean, or None."""
    facts = [f"cmp.{subset}.{measure}.m{month}.{group}.mean"]
    if subset == "analysed":
        facts.append(f"genotype_group[{group}].{measure}.m{month}.mean")
    return next(([f] for f in facts if kept(f)), None)


def _trajectory(key: dict[str, str], group: str) -> tuple[str, str] | None:
    subset, measure, month, grouping = _SUBSET_KEYS.get(key["subset"]), key["measure"], key["month"], key["grouping"]
    if subset is None or not month:
        return None

    if grouping == "genotype_group" and _group(group) in _GENOTYPE_GROUPS:
        fact = _printed_mean(subset, measure, month, _group(group))
        if fact:
            return "published", f"printed in {where(fact)}"
        members = [f"genotype[{g}].{measure}.m{month}.mean" for g in _group_genotypes(_group(group))]
        if subset == "analysed" and members and kept(*members):
            return "constrained", f"a weighted mean of the genotype means printed in {where(members)}"
        return None
    if grouping == "genotype":
        fact = f"genotype[{group}].{measure}.m{month}.mean"
        return ("published", f"printed in {where([fact])}") if kept(fact) else None
    if grouping in ("", "thal_type"):
        wanted = {"": [subset], "thal_type": {"TDT": ["tdt"], "NTDT": ["analysed", "tdt"]}.get(group, [])}[grouping]
        if subset != "analysed" and grouping == "thal_type":
            return None
        parts = [_printed_mean(s, measure, month, g) for s in wanted for g in sorted(_GENOTYPE_GROUPS)]
        if wanted and all(parts):
            facts = [f for p in parts for f in p]
            return "constrained", f"a weighted mean of the group means printed in {where(facts)}"
    return None


def _genotype(key: dict[str, str]) -> tuple[str, str] | None:
    facts = [f"genotype[{key['measure']}].n", f"genotype[{key['measure']}].group"]
    if kept(facts[0]):
        return "published", f"printed in {where(facts[:1] + [f for f in facts[1:] if f in printings()])}"
    return None


def _reduction(key: dict[str, str]) -> tuple[str, str] | None:
    fact = "tdt.still_transfused.reduction_mean"
    if key["measure"].startswith("mean of the per-patient reductions") and kept(fact):
        return "published", f"printed in {where([fact])} (Table 3's 13 reductions, averaged)"
    return None


def _label(kind: Kind, key: dict[str, str], row: pd.Series) -> tuple[str, str]:
    if kind == "comparison":
        found = _comparison(key, {_group(row.get("group_a", "")), _group(row.get("group_b", ""))})
    elif kind == "paired":
        found = _paired(key)
    elif kind == "correlation":
        found = _correlation(key)
    elif kind == "tiers":
        found = _tiers(key)
    elif kind == "trajectory":
        found = _trajectory(key, str(row.get(key["grouping"], "")) if key["grouping"] else "")
    elif kind == "reduction":
        found = _reduction(key)
    else:
        found = _genotype(key)
    return found or _rule(kind, key)


def label_constraints(rows: pd.DataFrame, kind: Kind, *, measure: str | None = None, grouping: str | None = None,
                      subset: str | None = None, x: str | None = None, y: str | None = None,
                      paper_rules: bool = True, paper_ti_rule: bool = True, whole_cohort: bool = True
                      ) -> pd.DataFrame:
    """``rows`` plus ``constraint`` (published / constrained / assumed) and ``constraint_note``.

    Parameters
    ----------
    rows
        Results of one kind, not modified: "comparison" (``stats.compare_groups`` rows, e.g.
        ``analyses.patients.compare_measure``), "paired" (``stats.paired_change``), "correlation"
        (``stats.correlation``), "tiers" (``grading.summary.tier_table`` or
        ``analyses.response.response_headlines`` rows), "trajectory"
        (``analyses.trajectories.trajectory_means``), "genotype" (``grading.summary.genotype_groups``)
        or "reduction" (``analyses.headlines.reduction_summary``).
    measure, grouping, subset
        The values of the rows' ``measure``, ``grouping``, ``subset`` columns when they have none
        (subset: "analysed", "TDT" or "NTDT"; "all" for tiers). For tiers the measure is each
        row's ``tier`` (or ``endpoint``), the subset its ``population`` and the test its
        ``analysis`` when present; for a trajectory the grouping is the ``by`` column.
    x, y
        The correlation's two variables (``analyses.change.CORRELATES`` names).
    paper_rules
        False when the grading rules are not the paper's: every result that depends on the tiers
        (tier counts, genotype groups or tiers as groups, Hb rise and reduction) is then assumed.
    paper_ti_rule
        False when the transfusion-independence rule (``GradingRules.ti_min_free_visits``) is not the
        paper's; the "transfusion-free" rows depend on it alone, not on the tier thresholds.
    whole_cohort
        False under a filter that is not one of the paper's populations (all analysed, TDT,
        NTDT): everything is then assumed ("a subgroup the paper does not report").

    Returns
    -------
    ``rows`` with ``constraint`` and ``constraint_note`` (a short sentence: where it is printed,
    what fixes it, or what it rests on).
    """
    constraints, notes = [], []
    for _, row in rows.iterrows():  # result tables have tens of rows, not patients
        key = _key(kind, row, measure=measure, grouping=grouping, subset=subset, x=x, y=y)
        rules_apply = paper_ti_rule if kind == "tiers" and key["measure"] == "transfusion-free" else paper_rules
        if not whole_cohort:
            label = ("assumed", SUBGROUP)
        elif not rules_apply and (kind in ("tiers", "genotype", "reduction") or key["grouping"] in _GRADING_GROUPINGS
                                  or key["measure"] in _GRADING_MEASURES or "hb_rise" in key["measure"]
                                  or "reduction_pct" in key["measure"]):
            label = ("assumed", OFF_RULES)
        else:
            label = _label(kind, key, row)
        constraints.append(label[0])
        notes.append(label[1])
    return rows.assign(constraint=pd.Series(constraints, index=rows.index, dtype="str"),
                       constraint_note=pd.Series(notes, index=rows.index, dtype="str"))


def _key(kind: Kind, row: pd.Series, **given: str | None) -> dict[str, str]:
    """The fields the rules match on, from the row or, failing that, the caller."""
    def pick(column: str, fallback: str | None) -> str:
        value = row.get(column) if column in row.index else None
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return fallback or ""
        return str(value)

    if kind == "paired":
        month = f"{_month(row.get('time_i'))}-{_month(row.get('time_j'))}"
        test = pick("test", None)
    elif kind == "tiers":
        return {"measure": pick("endpoint", pick("tier", given["measure"])), "month": "", "grouping": "",
                "subset": pick("population", given["subset"] or "all"), "test": pick("analysis", "per-protocol")}
    elif kind == "correlation":
        return {"measure": f"{given['x']}~{given['y']}", "month": "", "grouping": "",
                "subset": given["subset"] or "analysed", "test": pick("method", None)}
    elif kind == "genotype":
        return {"measure": pick("genotype", None), "month": "", "grouping": "", "subset": "analysed", "test": ""}
    elif kind == "reduction":
        return {"measure": pick("estimate", None), "month": "", "grouping": "", "subset": "TDT", "test": ""}
    else:
        month, test = _month(row.get("month")), pick("test", None)
    return {"measure": pick("measure", given["measure"]), "month": month,
            "grouping": pick("grouping", given["grouping"]), "subset": pick("subset", given["subset"] or "analysed"),
            "test": test}
