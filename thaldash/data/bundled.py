"""Whether a cohort is the bundled reconstruction: one rule, here, for every label that says so.

The rule: **the sha256 of the cohort's source bytes is a digest recorded in ``data/cohort.sha256``**,
which the generator (``python -m tools.reconstruct``) writes beside ``data/cohort.parquet``. So a
renamed copy of the bundled file, or its bytes uploaded, is still the reconstruction; a copy with
any value edited (or the same values written again by another program) is not, because its bytes
differ. A filtered cohort follows the whole cohort it was selected from.

The digest is recorded rather than computed from ``data/cohort.parquet`` at run time: a server
whose ``data/cohort.parquet`` was replaced by real patient data must not call that data
reconstructed. Mislabelling the other way (a CSV export of the reconstruction called "your
cohort") is the safer mistake here, and the provenance columns it carries still say what each
value is.
"""

from __future__ import annotations

from functools import lru_cache

from thaldash import DATA_DIR
from thaldash.data.cohort import Cohort

DIGEST_FILE = DATA_DIR / "cohort.sha256"
"""``sha256sum`` format (``<hex>  cohort.parquet``): the bundled file's digest, written by the generator."""

RECONSTRUCTION_NOTE = "reconstructed from published aggregates, not patient data"
"""What every export footer, report and slide of the bundled cohort says about its data."""


@lru_cache(maxsize=1)
def bundled_digests() -> frozenset[str]:
    """The digests recorded in ``DIGEST_FILE`` (lower-case hex); empty when the file is absent."""
    try:
        text = DIGEST_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset()
    return frozenset(line.split()[0].lower() for line in text.splitlines() if line.strip())


def digest_is_reconstruction(sha256: str) -> bool:
    """Whether ``sha256`` (a source digest; a filtered cohort's ``digest:tag`` counts by its digest)
    is the bundled reconstruction's."""
    return sha256.split(":", 1)[0].strip().lower() in bundled_digests()


def is_reconstruction(cohort: Cohort) -> bool:
    """Whether ``cohort`` (or the whole cohort it was filtered from) is the bundled reconstruction."""
    return digest_is_reconstruction((cohort.parent or cohort).sha256)
