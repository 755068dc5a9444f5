"""Misuse in a real browser: a senior reviewer finds a proposal on the Misuse page and warns the account holder, who
sees the warning on their case; after one more manifestly unfounded appeal the senior blocks new appeals for a
while, and the holder sees the block, its reasons and its end date instead of the way to appeal."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from appeals.models import MisuseKind, MisuseMeasure
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.appeals.test_misuse import BLOCK, HANDLE, WARNING, unfounded
from tests.browser.conftest import staff_login
from tests.browser.test_appellant_journey import heading, shown_date, sign_in
from tests.factories import make_suspension


def misuse_page_row(senior: Page) -> None:
    senior.get_by_role("link", name="Misuse", exact=True).click()
    expect(heading(senior, "Misuse of the appeals")).to_be_visible()
    senior.get_by_role("region", name="Proposals").get_by_role("link", name=f"@{HANDLE}").click()
    expect(heading(senior, f"Misuse: @{HANDLE}")).to_be_visible()


def test_a_senior_warns_then_blocks_and_the_holder_sees_both(
    page: Page,
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    outbox_link: Callable[[str, str], str],
    sam: User,
    rita: User,
    csp_violations: list[str],
) -> None:
    unfounded(3, rita)
    case = make_suspension(HANDLE)  # a decision the holder has not appealed yet
    senior = new_context().new_page()
    staff_login(senior, live_server, sam)

    misuse_page_row(senior)
    expect(senior.get_by_text("3 manifestly unfounded appeals of 3 decided")).to_be_visible()
    senior.get_by_label("Reasons (the person reads these)").fill(WARNING)
    senior.get_by_role("button", name="Issue warning").click()
    expect(senior.get_by_text("Warning issued. The person is told now.")).to_be_visible()
    assert MisuseMeasure.objects.get().kind == MisuseKind.WARNING

    sign_in(page, outbox_link, case)
    expect(page.get_by_role("region", name="A warning about your appeals")).to_be_visible()
    expect(page.get_by_text(WARNING)).to_be_visible()
    expect(page.get_by_role("link", name="Appeal this decision")).to_be_visible()

    unfounded(1, rita)
    misuse_page_row(senior)
    senior.get_by_label("Reasons (the person reads these)").fill(BLOCK)
    expect(senior.get_by_label("Days")).to_have_value("30")
    senior.get_by_label("Days").fill("400")
    senior.get_by_role("button", name="Impose block").click()
    expect(senior.get_by_text("Ensure this value is less than or equal to 180.")).to_be_visible()
    expect(senior.get_by_label("Reasons (the person reads these)")).to_have_value(BLOCK)
    senior.get_by_label("Days").fill("60")
    senior.get_by_role("button", name="Impose block").click()
    expect(senior.get_by_text("Block imposed. The person is told now.")).to_be_visible()
    block = MisuseMeasure.objects.get(kind=MisuseKind.BLOCK)
    assert block.ends_at is not None and block.ends_at - block.decided_at == timedelta(days=60)

    page.reload()
    expect(page.get_by_role("region", name="You cannot file new appeals for now")).to_be_visible()
    expect(page.get_by_text(BLOCK)).to_be_visible()
    end = shown_date(timezone.localtime(block.ends_at))
    expect(page.get_by_text(f"You can appeal again from {end}.")).to_be_visible()
    expect(page.get_by_role("link", name="Appeal this decision")).to_have_count(0)
    page.goto("/appeal/case/appeal/")
    expect(page.get_by_text(BLOCK)).to_be_visible()
    expect(page.get_by_label("Your explanation")).to_have_count(0)

    assert list(AuditEvent.objects.filter(action__startswith="misuse.").values_list("action", flat=True)) == [
        "misuse.warning_issued",
        "misuse.block_imposed",
    ]
    assert set(Notification.objects.filter(template__startswith="misuse").values_list("template", flat=True)) == {
        "misuse_warning",
        "misuse_block",
    }
    assert csp_violations == []
