"""``python -m tools.reconstruct [--check] [--out PATH]``"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

from tools.reconstruct.build import cohort_frame, reconstruct

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "cohort.parquet"


def digest_line(path: Path) -> str:
    """``sha256sum``'s line for ``path``: what ``thaldash.data.bundled`` recognises as the reconstruction."""
    return f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.reconstruct", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="rebuild in memory and compare with --out")
    args = parser.parse_args(argv)
    frame = cohort_frame(reconstruct())
    if args.check:
        on_disk = pd.read_parquet(args.out)
        try:
            pd.testing.assert_frame_equal(on_disk, frame)
        except AssertionError as exc:
            print(f"{args.out} differs from a fresh reconstruction:\n{exc}", file=sys.stderr)
            return 1
        digest = args.out.with_suffix(".sha256")
        if not digest.exists() or digest.read_text(encoding="utf-8") != digest_line(args.out):
            print(f"{digest} does not record {args.out}'s sha256: the dashboard would not label it as the "
                  "reconstruction; rerun without --check", file=sys.stderr)
            return 1
        print(f"{args.out}: identical to a fresh reconstruction ({len(frame)} rows)")
        return 0
    frame.to_parquet(args.out, index=False, engine="pyarrow", compression="zstd")
    # The digest is how the dashboard knows this file is the reconstruction (thaldash.data.bundled).
    args.out.with_suffix(".sha256").write_text(digest_line(args.out), encoding="utf-8")
    print(f"wrote {args.out} and its sha256: {frame['patient_id'].nunique()} patients, {len(frame)} visits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
