"""The transparency report in a browser: the staff report with its period picker and download, and the public page
reached from the appellant pages' footer. Both draw their SVG charts under the CSP, with no violation."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from appeals.transparency_views import published_half_years
from tests.appeals.test_transparency import MARCH, seed
from tests.browser.conftest import staff_login

# One chart per section; the staff report leaves out the one on misuse, where there is nothing to show.
SECTIONS = 12


def assert_charts_drawn(page: Page, count: int) -> None:
    charts = page.locator("svg.bar-chart")
    expect(charts).to_have_count(count)
    for index in range(count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 10
        assert chart.locator("rect.bar").count() > 0


def test_a_reviewer_picks_a_period_sees_the_charts_and_downloads_the_csv(
    page: Page,
    live_server: LiveServer,
    rita: User,
    csp_violations: list[str],
    screenshot: Callable[[str], Path],
) -> None:
    seed(MARCH, rita)
    staff_login(page, live_server, rita, next_path="/review/transparency/")
    expect(page.get_by_role("heading", name="Transparency report", level=1)).to_be_visible()
    page.get_by_label("First day").fill("2026-03-01")
    page.get_by_label("Last day").fill("2026-03-31")
    page.get_by_role("button", name="Show the period").click()
    expect(page.get_by_role("row", name="Suspensions and terminations 9")).to_be_visible()
    expect(page.get_by_role("img", name="Chart: reversal rate by category")).to_be_visible()
    assert_charts_drawn(page, SECTIONS - 1)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    saved = Path(download.value.path()).read_text()
    assert "suspensions.total,9\n" in saved
    assert download.value.suggested_filename == "transparency-2026-03-01-2026-04-01.csv"
    screenshot("review-transparency")
    assert csp_violations == []


def test_anyone_opens_the_public_page_from_the_footer_and_sees_only_safe_figures(
    page: Page,
    live_server: LiveServer,
    rita: User,
    settings: Any,
    csp_violations: list[str],
    screenshot: Callable[[str], Path],
) -> None:
    settings.TRANSPARENCY_MIN_COUNT = 3
    latest = published_half_years(timezone.localdate())[0]
    seed(latest.since, rita)
    page.goto(f"{live_server.url}/appeal/")
    page.get_by_role("link", name="Transparency report").click()
    expect(page.get_by_role("heading", name="Transparency report", level=1)).to_be_visible()
    expect(page.get_by_text(latest.label).first).to_be_visible()
    expect(page.get_by_role("row", name="Suspensions and terminations 9")).to_be_visible()
    expect(page.get_by_role("row", name="Scams and fraud fewer than 3", exact=True)).to_be_visible()
    assert_charts_drawn(page, SECTIONS)
    screenshot("public-transparency")
    assert csp_violations == []
