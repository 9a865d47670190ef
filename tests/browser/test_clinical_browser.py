"""The Genotype look-up in a real browser: a genotype typed in another spelling and order is found, its
charts draw, and the address keeps the look-up so a copied link reopens it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import wait_rendered


def test_a_typed_genotype_in_any_spelling_is_looked_up_and_kept_in_the_link(contexts, app_url, screenshot):
    page = contexts.new_page()
    page.goto(f"{app_url}/Genotype_look-up")
    wait_rendered(page)
    box = page.get_by_role("textbox", name="Genotype: two alleles with a slash, either order, any usual spelling")
    box.fill("βIVS-2-654/βCD41-42")  # Table 1, ⑥ as the paper spells it, alleles swapped
    box.press("Enter")
    # Table 1, ⑥ βCD41-42/βIVS-II-654: 4 TDT, no NTDT.
    expect(page.get_by_role("heading", name="CD41-42/IVS-II-654: 4 TDT and 0 NTDT patients")).to_be_visible()
    wait_rendered(page)
    expect(page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first
           ).to_be_visible()
    assert "lookup=" in page.url
    screenshot(page, "genotype_lookup_typed")
    again = contexts.new_page()
    again.goto(page.url)
    expect(again.get_by_role("heading", name="CD41-42/IVS-II-654: 4 TDT and 0 NTDT patients")).to_be_visible()
    assert contexts.foreign_requests() == []
