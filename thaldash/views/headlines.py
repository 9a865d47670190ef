"""Headline rates as page blocks, each with its population and analysis: shared by Home and Response.

The rows come from ``analyses.headlines.response_headlines`` (TDT and NTDT apart, per protocol and
intention to treat) and ``reduction_summary`` (the paper's 31.3 % beside the pooled reduction); this
module only words them.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import pandas as pd

from thaldash.analyses.headlines import POOLED, UNWEIGHTED_MEAN
from thaldash.data.coded_text import equals
from thaldash.views.blocks import Col, Stat, Table
from thaldash.views.context import ViewContext
from thaldash.views.wording import BASIS_NOTE, assumed_notes, basis_marks

ITT = "intention-to-treat"
ANALYSIS_LABELS: dict[str, str] = {"per-protocol": "per protocol", ITT: "intention to treat"}
ENDPOINT_LABELS: dict[str, str] = {"ORR": "overall response (MaR + MiR + SLR)", "MaR": "major response (MaR)",
                                   "transfusion-free": "transfusion-free"}


def headline(key: str, label: str, row: pd.Series, what: str) -> Stat:
    """A rate with its n, count and interval (a ``tier_table`` / ``ti_timing`` / ``response_headlines``
    row), or why not."""
    if not row["computed"]:
        return Stat(key, label, reason=str(row["reason"]))
    return Stat(key, label, f"{row['pct']:.1f} %", n=int(row["total"]),
                detail=f"{int(row['n'])} {what} · 95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f} % "
                       f"({str(row['ci_method']).removesuffix(' 95%')})")


_LEFT_OUT: WeakKeyDictionary[ViewContext, pd.DataFrame] = WeakKeyDictionary()


def _left_out(ctx: ViewContext) -> pd.DataFrame:
    # Once per view: a page asks for each of its rates, and at 1M each ask filtered a million patients (2 s).
    gone = _LEFT_OUT.get(ctx)
    if gone is None:
        gone = _LEFT_OUT[ctx] = ctx.withdrawn_left_out()
    return gone


def itt_left_out(ctx: ViewContext, population: str = "all") -> str:
    """Why intention to treat is not computed for ``population`` ("TDT", "NTDT" or "all") in this view
    ("" when it is): the sidebar filter leaves out patients of it who withdrew, whom it would count as
    failures."""
    gone = _left_out(ctx)
    n = len(gone) if population == "all" else int(equals(gone["thal_type"], population).sum())
    if not n:
        return ""
    who = "patient who withdrew" if n == 1 else f"{n} patients who withdrew"
    return (f"not computed: the sidebar leaves out the {who}; tick “Include withdrawn patients” to count "
            f"{'them' if n > 1 else 'the patient'} as failures")


def headline_stat(ctx: ViewContext, rows: pd.DataFrame, population: str, endpoint: str, analysis: str) -> Stat:
    """One ``response_headlines`` row as a ``Stat``: label, rate, n, interval, and the row's note."""
    found = rows[(rows["population"] == population) & (rows["endpoint"] == endpoint) & (rows["analysis"] == analysis)]
    who = "TDT" if population == "TDT" else "NTDT" if population == "NTDT" else "All"
    label = f"{who}: {ENDPOINT_LABELS[endpoint]}, {ANALYSIS_LABELS[analysis]}"
    key = f"{population.lower()}_{endpoint.lower().replace('-', '_')}_{'itt' if analysis == ITT else 'pp'}"
    if not len(found):
        return Stat(key, label, reason=f"not computed: no {who} patient in this view")
    row = found.iloc[0]
    left_out = itt_left_out(ctx, population) if analysis == ITT else ""
    if left_out:
        return Stat(key, label, reason=left_out)
    stat = headline(key, label, row, "patients")
    extra = [t for t in (("withdrawn counted as failures" if analysis == ITT and row["computed"] else ""),
                         str(row["note"])) if t]
    return Stat(stat.key, stat.label, stat.value, n=stat.n, reason=stat.reason,
                detail="; ".join([stat.detail, *extra]) if stat.detail else "; ".join(extra))


def headline_table(ctx: ViewContext, rows: pd.DataFrame, *, key: str = "headlines") -> Table:
    """Every ``response_headlines`` row: TDT, NTDT and all, each endpoint per protocol and intention to treat."""
    left_out = pd.Series([itt_left_out(ctx, p) for p in rows["population"]], index=rows.index, dtype="str")
    # Without the withdrawn, an intention-to-treat row would repeat the per-protocol one under another name.
    blank = ((rows["analysis"] == ITT).to_numpy() & rows["computed"].to_numpy(dtype=bool)
             & (left_out != "").to_numpy())
    shown = rows.assign(
        population=rows["population"].replace({"all": "all (pooled)"}),
        endpoint=rows["endpoint"].map(ENDPOINT_LABELS).fillna(rows["endpoint"]),
        analysis=rows["analysis"].map(ANALYSIS_LABELS).fillna(rows["analysis"]),
        reason=rows["reason"].mask(blank, left_out), computed=rows["computed"] & ~blank,
        **{c: rows[c].mask(blank) for c in ("n", "total", "pct", "ci_low", "ci_high")})
    # On the reconstruction each computed rate says whether the paper prints it, fixes it or leaves it assumed.
    labelled = ctx.labelled(rows, "tiers")[shown["computed"].to_numpy(dtype=bool)]
    shown = shown.assign(basis=pd.Series(basis_marks(labelled["constraint"]), index=labelled.index, dtype="str")
                         .reindex(shown.index, fill_value=""))
    notes = "\n".join(
        f"{r.population} {r.endpoint}, {r.analysis}: " + (f"{r.pct:.1f} % ({r.n}/{r.total})" if r.computed
                                                          else str(r.reason).removeprefix("not computed: "))
        for r in shown.itertuples())
    return Table(key, "Response rates by type, per protocol and intention to treat", shown, {
        "population": Col("Patients"), "endpoint": Col("Endpoint"), "analysis": Col("Analysis"), "n": Col("n"),
        "total": Col("of"), "pct": Col("%", "%.1f"), "ci_low": Col("95% CI low", "%.1f"),
        "ci_high": Col("95% CI high", "%.1f"), "note": Col("What it rests on", width="large"),
        "reason": Col("Not computed", width="medium"), **({"basis": Col("Basis")} if ctx.bundled else {})},
        caption="TDT and NTDT apart: every NTDT patient who was never transfused is MaR by the transfusion-free rule, "
                "so a pooled rate mixes that rule with the drug's effect. Per protocol: the evaluable patients who "
                "did not withdraw; intention to treat: every patient of the view, the withdrawn counted as failures. "
                "Clopper–Pearson exact 95% CI." + (f" {BASIS_NOTE}" if ctx.bundled else ""), notes=notes,
        footer_notes=assumed_notes(labelled))


def reduction_table(ctx: ViewContext, rows: pd.DataFrame) -> Table:
    """``reduction_summary``: the unweighted mean of per-patient reductions (the paper's 31.3 %) beside the
    pooled volume reduction; on the reconstruction with their Basis."""
    words = {UNWEIGHTED_MEAN: "Mean of the per-patient reductions (unweighted; the paper's figure)",
             POOLED: "Pooled volume reduction (1 − Σ units ÷ Σ expected units)"}
    labelled = ctx.labelled(rows, "reduction")
    shown = rows.assign(estimate=rows["estimate"].map(words).fillna(rows["estimate"]),
                        basis=basis_marks(labelled["constraint"]))
    notes = "\n".join(f"{r.estimate}: " + (f"{r.pct:.1f} % over {r.n} patients" if not r.reason
                                            else r.reason.removeprefix("not computed: "))
                      for r in shown.itertuples())
    return Table("transfusion_reduction", "Transfusion reduction of the TDT still transfused, two ways", shown, {
        "estimate": Col("Estimate", width="large"), "n": Col("Patients", "%d"), "pct": Col("Reduction %", "%.1f"),
        "units_in_window": Col("Units received", "%.0f"), "expected_units_in_window": Col("Units expected", "%.0f"),
        "reason": Col("Note"), **({"basis": Col("Basis")} if ctx.bundled else {})},
        caption="TDT patients without a transfusion-independence month whose reduction is defined. The paper's 31.3 % "
                "is the unweighted mean: a patient on few units weighs as much as one on many; the pooled reduction "
                "weighs each by their volume." + (f" {BASIS_NOTE}" if ctx.bundled else ""), notes=notes,
        footer_notes=assumed_notes(labelled))
