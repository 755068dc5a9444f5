from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from appeals.choices import AutomatedDecision, Category
from appeals.models import Outcome
from tests.appeals.test_stats import decided_appeal, open_appeal
from tests.browser.conftest import staff_login

CHARTS = [
    "Chart of open appeals, due soon and overdue",
    "Chart of the time to a decision: median and 90th percentile",
    "Chart of the overturn rate by category",
    "Chart of the overturn rate by how the content was detected",
    "Chart of final decisions per reviewer",
]


def test_a_reviewer_sees_each_figure_as_a_table_and_a_chart(
    page: Page,
    live_server: LiveServer,
    rita: User,
    rex: User,
    csp_violations: list[str],
    screenshot: Callable[[str], Path],
) -> None:
    now = timezone.now()
    human: dict[str, Any] = {"automated_detection": False, "automated_decision": AutomatedDecision.NOT_AUTOMATED}
    for hours, by, outcome, category, detection in [
        (20, rita, Outcome.UPHELD, Category.ILLEGAL_OR_HARMFUL_SPEECH, {}),
        (44, rita, Outcome.OVERTURNED, Category.ILLEGAL_OR_HARMFUL_SPEECH, {}),
        (70, rex, Outcome.MODIFIED, Category.SCAMS_AND_FRAUD, human),
        (130, rex, Outcome.UPHELD, Category.CIVIC_DISCOURSE, human),
    ]:
        decided_appeal(
            by=by,
            outcome=outcome,
            took=timedelta(hours=hours),
            decided_at=now - timedelta(days=2),
            category=category,
            **detection,
        )
    open_appeal(due_at=now - timedelta(hours=3))
    open_appeal(due_at=now + timedelta(days=1))

    staff_login(page, live_server, rita, next_path="/review/stats/")
    expect(page.get_by_role("heading", name="Statistics", level=1)).to_be_visible()
    for name in CHARTS:
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.locator("svg.bar-chart rect.bar")).to_have_count(3 + 2 + 3 + 2 + 2)
    expect(page.get_by_role("row", name="Rita 2")).to_be_visible()
    expect(page.get_by_role("navigation", name="Review").get_by_role("link", name="Statistics")).to_be_visible()
    screenshot("review-stats")
    assert csp_violations == []
