"""Many people at once: an upload stays in its own session, and 20 sessions × 10 reruns run clean.

The load test speaks Streamlit's WebSocket protocol to the test server on 127.0.0.1
(``bench/load.py``), bounded to 20 sessions × 10 reruns; ``python -m bench.load`` runs the
same test on its own and reports latencies.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bench.load import load_test
from tests.browser.conftest import wait_rendered
from tests.browser.test_navigation import open_page, sidebar_n
from tests.pages.conftest import parquet_bytes, tiny_cohort_frame


def test_an_upload_is_never_visible_in_another_session(contexts, app_url, tmp_path):
    upload = tmp_path / "only-mine.parquet"
    upload.write_bytes(parquet_bytes(tiny_cohort_frame()))

    mine = contexts.new_page()
    open_page(mine, f"{app_url}/Data")
    # A file set while a run is still replacing the page's elements can be lost with its element (the upload
    # then never reaches the session): wait for the run to finish, as a person sees the page settle first.
    wait_rendered(mine)
    # The cohort uploader (the Data page also has one for an adverse-events table).
    cohort_uploader = mine.get_by_role("region", name=re.compile(r"^Upload a cohort file"))
    cohort_uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    expect(sidebar_n(mine)).to_have_text("n = 3 of 3 analysed patients")
    expect(mine.get_by_text("In use for this session")).to_be_visible()

    other = contexts.new_page()  # another browser: another session on the same server
    for path in ("Data", "Overview", ""):
        open_page(other, f"{app_url}/{path}")
        expect(sidebar_n(other)).to_have_text("n = 48 of 48 analysed patients")
        wait_rendered(other)
        assert "only-mine" not in other.get_by_test_id("stApp").inner_text()
    expect(other.get_by_test_id("stSidebar").get_by_text(re.compile("bundled cohort"))).to_have_count(1)

    # Meanwhile the first session still has its own data, on every page (a page switch keeps the
    # session; a reload would start a new one, which is the end of an upload by design).
    mine.get_by_test_id("stSidebar").get_by_role("link", name="Overview", exact=True).click()
    expect(mine.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(sidebar_n(mine)).to_have_text("n = 3 of 3 analysed patients")
    assert contexts.foreign_requests() == []


def test_twenty_sessions_of_ten_reruns_run_without_errors(app_url):
    summary = load_test(app_url, sessions=20, reruns=10)
    print(f"\n20 sessions × 10 reruns: p50 {summary['p50_s'] * 1000:.0f} ms, p95 {summary['p95_s'] * 1000:.0f} ms, "
          f"max {summary['max_s'] * 1000:.0f} ms, {summary['wall_s']:.1f} s in all")
    assert summary["runs"] == 200
    assert summary["errors"] == [], "\n".join(summary["errors"][:10])
