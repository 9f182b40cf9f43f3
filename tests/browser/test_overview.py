"""The trust overview heat map in the browser: schools by domain, words and colour, no axe violations."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import DemoServer, check_page
from tests.browser.test_pages import sign_in


def test_trust_overview_shows_every_school_by_domain_and_links_to_reports(page: Page, server: DemoServer) -> None:
    sign_in(page, server.keys["trust"])
    page.get_by_role("link", name="Trust overview").click()
    expect(page).to_have_url(re.compile(r"/trusts/DEMO$"))
    table = page.get_by_role("table", name="Schools by domain")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    headers = table.locator("thead th")
    expect(headers).to_have_count(2 + 8)  # school, overall, and the eight domains of national@2026.1
    first_cell = rows.first.locator("td").first
    expect(first_cell).to_have_text(re.compile(r"^(Emerging|Developing|Established|Enhanced) \d+(\.\d)?$"))
    check_page(page, "20-trust-overview")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download CSV")).click()
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("urn,school,audit_date,band,score,SENCO band")
    assert len(lines) == 1 + 3
    rows.first.get_by_role("link").click()
    expect(page).to_have_title(re.compile(r"^Gap report"))
