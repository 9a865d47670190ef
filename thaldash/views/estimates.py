"""Words shared by the clinical page views (Genotype look-up, Independence, Safety, Dose and NTDT): a k/n
rate or a median as a headline, a test row as a sentence, and the columns of a percentage with its interval."""

from __future__ import annotations

import pandas as pd

from thaldash.views.blocks import Col, Stat

PCT_COLUMNS: dict[str, Col] = {"pct": Col("%", "%.1f", from_counts=True), "ci_low": Col("95% CI low", "%.1f", from_counts=True),
                               "ci_high": Col("95% CI high", "%.1f", from_counts=True), "reason": Col("Note"),
                               "basis": Col("Basis")}
"""A percentage (0–100) with its interval, why it is not computed, and whether it rests on the reconstruction."""
RATE_COLUMNS: dict[str, Col] = {k: v for k, v in PCT_COLUMNS.items() if k != "basis"}
"""``PCT_COLUMNS`` of a table without a ``basis`` column."""


def proportion_stat(key: str, label: str, row: pd.Series) -> Stat:
    """A k/n headline with its interval (a ``stats.proportions`` row in percent), or why not."""
    k, n = int(row["k"]), int(row["n"])
    if pd.isna(row["pct"]):
        return Stat(key, label, reason=f"{row['reason']} ({k}/{n})" if n else str(row["reason"]))
    method = str(row["ci_method"]).removesuffix(" 95%")
    detail = (f"{k} of {n} · 95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f} % ({method})" if pd.notna(row["ci_low"])
              else f"{k} of {n} · {str(row['reason']).removeprefix('not computed: ')}")
    return Stat(key, label, f"{row['pct']:.1f} %", n=n, detail=detail)


def distribution_stat(key: str, label: str, row: pd.Series, unit: str) -> Stat:
    """A median with its quartiles (a ``stats.summary.group_summary`` row), or why not."""
    if pd.isna(row["median"]):
        return Stat(key, label, reason=str(row["reason"]))
    return Stat(key, label, f"{row['median']:.1f} {unit}", n=int(row["n"]),
                detail=f"median · IQR {row['q1']:.1f} to {row['q3']:.1f} {unit}")


def result_sentence(row: pd.Series) -> str:
    """One line for a test row (claim or dose): the counts, the estimate with its interval, the P value."""
    if row["reason"]:
        return f"{row['comparison']}: {str(row['reason']).removeprefix('not computed: ')}."
    p = f"P = {row['p']:.2g}" if row["p"] >= 0.001 else f"P = {row['p']:.1e}"
    estimate = (f", odds ratio {row['odds_ratio']:.2f} (95% CI {row['ci_low']:.2f}–{row['ci_high']:.2f})"
                if pd.notna(row.get("odds_ratio")) else "")
    mc = f" ± {row['mc_se']:.1e} (Monte Carlo error)" if pd.notna(row.get("mc_se")) else ""
    return f"{row['comparison']}: {p}{mc}{estimate}; {row['test']}, n = {int(row['n'])}."


def rate_lines(frame: pd.DataFrame, label: str, count: str = "k") -> str:
    """Speaker-notes lines, one per row: "<label>: k/n = pct % (95% CI low–high, method)" or why not."""
    lines = []
    for row in frame.to_dict(orient="records"):
        if pd.isna(row[count]):  # no number at all (e.g. an adverse event the paper does not report)
            lines.append(f"{row[label]}: {row['reason'] or 'not computed'}")
            continue
        total = row["n"] if count == "k" else row["total"]
        head = f"{row[label]}: {int(row[count])}" + ("" if pd.isna(total) else f"/{int(total)}")
        if pd.isna(row["pct"]):
            lines.append(f"{head}, {str(row['reason']).removeprefix('not computed: ') or 'not computed'}")
        elif pd.isna(row["ci_low"]):
            lines.append(f"{head} = {row['pct']:.1f} %")
        else:
            lines.append(f"{head} = {row['pct']:.1f} % (95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f}, "
                         f"{str(row['ci_method']).removesuffix(' 95%')})")
    return "\n".join(lines)
