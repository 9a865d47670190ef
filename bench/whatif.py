"""Server script time of a what-if rerun: move a threshold slider, ``at.run()``, time it.

    .venv/bin/python -m bench.whatif [--runs 21] [--sizes 48,100000] [--field mir_reduction_pct]

Each run moves the slider to a value not used before (a drag across its range), so no grading is
served from the cache: only the reference's grading, which a slider never changes. Sizes are
interleaved run by run (48, 100k, 48, 100k …) so that a slower moment of the machine hits both
alike. 48 patients is the bundled cohort; larger sizes are ``tools.synthetic.synthetic_cohort``
written to a temporary Parquet file and passed through ``THALDASH_DATA``. ``AppTest`` runs the
whole script (frame and sidebar included), an upper bound of the browser's fragment rerun.
Targets: < 100 ms at 48 patients, < 1 s at 100,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streamlit.testing.v1 import AppTest  # noqa: E402

from thaldash.data.loading import DATA_ENV  # noqa: E402
from thaldash.grading.rules import FIELDS_BY_NAME, GradingRules  # noqa: E402
from thaldash.ui.state import rule_widget_key  # noqa: E402
from tools.synthetic import synthetic_cohort  # noqa: E402

PAGE = REPO / "pages" / "6_What-if.py"
TARGETS = {48: 0.100, 100_000: 1.0}
VIEWS = {"moves": "Patients who change tier", "groups": "Genotype groups", "sweep": "Where the conclusions tip"}


def values(field: str, runs: int) -> list[float]:
    """``runs`` distinct slider positions (on the slider's step) across the field's clinical range,
    the default left out: there the what-if rules are the reference's, whose grading is cached."""
    low, high = {"mir_reduction_pct": (30, 70), "slr_reduction_pct": (5, 45), "mar_hb_rise_g_l": (10, 40)}[field]
    step, default = FIELDS_BY_NAME[field].step, float(getattr(GradingRules(), field))
    grid = [v for v in np.arange(low, high + step / 2, step) if v != default]
    picks = np.linspace(0, len(grid) - 1, min(runs, len(grid))).round().astype(int)
    return [float(grid[i]) for i in picks]


def data_path(n: int, folder: Path) -> str | None:
    if n == 48:
        return None  # the bundled cohort
    path = folder / f"synthetic-{n}.parquet"
    synthetic_cohort(n).to_parquet(path, index=False)
    return str(path)


def use(path: str | None) -> None:
    if path is None:
        os.environ.pop(DATA_ENV, None)
    else:
        os.environ[DATA_ENV] = path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed reruns per size (default 21)")
    parser.add_argument("--sizes", default="48,100000", help="patients, comma-separated (48 = bundled)")
    parser.add_argument("--field", default="mir_reduction_pct",
                        choices=("mir_reduction_pct", "slr_reduction_pct", "mar_hb_rise_g_l"))
    parser.add_argument("--view", default="moves", choices=tuple(VIEWS), help="the open tab")
    parser.add_argument("--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    key = rule_widget_key(args.field)
    query = {"view": VIEWS[args.view]} | ({"hb_criterion": "everyone"} if args.field == "mar_hb_rise_g_l" else {})
    load_before = os.getloadavg()[0]  # other work on the machine slows every run: say how busy it was
    with tempfile.TemporaryDirectory() as folder:
        paths = {n: data_path(n, Path(folder)) for n in sizes}
        tests, first = {}, {}
        for n in sizes:  # first run: loading, checking and the reference's grading (not timed below)
            use(paths[n])
            at = AppTest.from_file(str(PAGE), default_timeout=600)
            for name, value in query.items():
                at.query_params[name] = value
            started = time.perf_counter()
            at.run()
            first[n] = time.perf_counter() - started
            if at.exception:
                raise SystemExit(f"{n} patients: the page failed: {at.exception[0].value}")
            tests[n] = at
        times: dict[int, list[float]] = {n: [] for n in sizes}
        changed: dict[int, int] = {n: 0 for n in sizes}
        last: dict[int, str] = {n: "" for n in sizes}
        for value in values(args.field, args.runs):
            for n in sizes:  # interleaved
                use(paths[n])
                at = tests[n]
                at.slider(key=key).set_value(float(value))
                started = time.perf_counter()
                at.run()
                times[n].append(time.perf_counter() - started)
                if at.exception or at.error:
                    raise SystemExit(f"{n} patients, {args.field} = {value}: {(at.exception or at.error)[0].value}")
                summary = next(c.value for c in at.main.caption if c.value.startswith("**What-if**"))
                changed[n] += summary != last[n]
                if args.verbose:
                    print(f"{n:>10,} {args.field} = {value:<6} {1000 * times[n][-1]:7.0f} ms"
                          f"{'  tiers moved' if summary != last[n] else ''}", flush=True)
                last[n] = summary
    print(f"What-if rerun, {args.field} moved over {len(times[sizes[0]])} distinct values, tab '{VIEWS[args.view]}' "
          f"(AppTest: whole script, ms; load average {load_before:.1f} → {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    print(f"{'patients':>10} {'first run':>10} {'median':>8} {'min':>8} {'max':>8} {'target':>8} "
          f"{'tiers moved':>12}  verdict")
    for n in sizes:
        ms = [1000 * t for t in times[n]]
        target = TARGETS.get(n)
        verdict = "" if target is None else ("met" if statistics.median(ms) < 1000 * target else "MISSED")
        print(f"{n:>10,} {1000 * first[n]:>10.0f} {statistics.median(ms):>8.0f} {min(ms):>8.0f} {max(ms):>8.0f} "
              f"{'' if target is None else f'{1000 * target:.0f}':>8} {changed[n]:>5} of {len(ms):<4}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
