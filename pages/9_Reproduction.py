"""Reproduction: each number the paper prints beside the same number computed from the loaded cohort."""

from __future__ import annotations

import streamlit as st

from thaldash.published.numbers import contradictions
from thaldash.reports.reproduction import report_counts
from thaldash.ui import page_frame, plain, stat
from thaldash.ui.caching import reproduction

frame = page_frame("Reproduction", icon="📑")


report = reproduction(frame.cohort)  # the paper's own rules: the published numbers were graded so
counts = report_counts(report).set_index("status")["n"]
bundled = frame.source.kind == "bundled"
st.markdown(
    ("The bundled cohort is a reconstruction from the paper's published aggregates; this page checks it "
     "against every number the paper prints." if bundled else
     "**Your cohort beside the published study**: the paper's numbers next to the same quantities computed "
     "from your file. Differences are expected — it is another cohort."))
st.caption("All patients of the loaded file and the paper's grading rules, whatever the sidebar says: the "
           "published numbers describe the whole cohort. A number matches when the computed value prints as the "
           "published one at the paper's precision (half-up rounding; \"< 0.001\" means below 0.001).")

cols = st.columns(4)
with cols[0]:
    stat("Reproduced", f"{counts['match']} of {counts['total']}", n=None, detail="published numbers")
with cols[1]:
    stat("Documented contradictions", f"{counts['documented contradiction']}", n=None,
         detail="the paper contradicts itself: no cohort can match both sides")
with cols[2]:
    stat("Other misses", f"{counts['miss']}", n=None)
with cols[3]:
    stat("Not computable", f"{counts['not in this cohort']}", n=None, detail="e.g. the paper's named patients")

SHOW = {"all": "Every number", "misses": "Only what does not match", "contradictions": "Documented contradictions"}
show = frame.param("show", "all", tuple(SHOW))
sources = tuple(dict.fromkeys(report["source"]))
chosen = frame.param("sources", (), sources)
left, right = st.columns([1, 2])
left.radio("Show", tuple(SHOW), key=frame.key("show"), format_func=SHOW.get)
right.multiselect("Where printed", sources, key=frame.key("sources"), placeholder="Anywhere in the paper")
rows = report
if show == "misses":
    rows = rows[rows["status"] != "match"]
elif show == "contradictions":
    rows = rows[rows["contradiction"] != ""]
if chosen:
    rows = rows[rows["source"].isin(chosen)]
st.caption(f"{len(rows)} of {len(report)} published numbers shown.")
frame.table(rows[["source", "location", "printed", "computed", "status", "contradiction"]], "reproduction",
            column_config={
                "source": "Printed in", "location": "Row and column", "printed": "Published",
                "computed": "Computed", "status": "Status", "contradiction": "Contradiction"})

st.subheader("Where the paper contradicts itself")
st.caption("Each pair of published numbers that no cohort can match together, the side kept and why "
           "(data/contradictions.csv).")
for row in contradictions().itertuples(index=False):
    with st.expander(plain(f"{row.id} · {row.title}")):
        st.markdown(f"**Evidence.** {plain(row.evidence)}")
        st.markdown(f"**Decision.** {plain(row.decision)}")
        st.markdown(f"**Why.** {plain(row.reason)}")
frame.footer_caption()
