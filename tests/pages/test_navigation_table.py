"""The pages are known in one table (thaldash.ui.navigation): every page file is listed, every listed file exists."""

from __future__ import annotations

from tests.pages.conftest import REPO
from thaldash.ui.navigation import PAGES, page_slug


def test_every_page_file_is_in_the_table_and_every_entry_has_a_file():
    files = {"app.py", *(f"pages/{p.name}" for p in (REPO / "pages").glob("*.py"))}
    listed = [p.path for p in PAGES]
    assert sorted(listed) == sorted(files)
    assert len(set(listed)) == len(listed)


def test_slugs_and_addresses_are_unique():
    assert len({p.slug for p in PAGES}) == len(PAGES)
    assert len({p.url_path for p in PAGES}) == len(PAGES)
    assert page_slug("Change and correlation") == "change-and-correlation"
    assert {p.label: p.url_path for p in PAGES}["Patient"] == "Patient"
