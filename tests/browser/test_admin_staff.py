from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.browser.conftest import staff_login

NEW_EMAIL = "rosa@recourse.test"
NEW_PASSWORD = "tidal-quartz-harbour-91"


def audit_trail(user: User) -> list[tuple[str, str, str]]:
    return [(event.action, event.actor_kind, event.actor_id) for event in AuditEvent.objects.for_target(user)]


def test_administrator_adds_a_reviewer_changes_role_and_deactivates(
    page: Page,
    live_server: LiveServer,
    ada: User,
    csp_violations: list[str],
    screenshot: Callable[[str], Path],
) -> None:
    by_ada = ("staff", str(ada.pk))
    staff_login(page, live_server, ada, next_path="/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.locator("#accounts-user").get_by_role("link", name="Staff accounts").click()
    expect(page.get_by_role("heading", name="Select staff account to change")).to_be_visible()

    page.get_by_role("link", name="Add staff account").click()
    page.get_by_label("Email:", exact=True).fill(NEW_EMAIL)
    page.get_by_label("Full name:", exact=True).fill("Rosa Reviewer")
    page.get_by_role("radio", name="Enabled").check()  # usable_password: sign in with a password
    page.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)  # password1
    page.get_by_label("Password confirmation:", exact=True).fill(NEW_PASSWORD)  # password2
    page.get_by_label("Reviewer", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("“Rosa Reviewer” was added successfully")
    rosa = User.objects.get(email=NEW_EMAIL)
    assert rosa.role_names == ["Reviewer"]
    assert rosa.is_active
    assert not rosa.is_staff
    assert rosa.check_password(NEW_PASSWORD)
    assert audit_trail(rosa) == [("staff.created", *by_ada)]

    page.get_by_label("Reviewer", exact=True).uncheck()
    page.get_by_label("Senior reviewer", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("“Rosa Reviewer” was changed successfully")
    rosa_row = page.get_by_role("row").filter(has_text=NEW_EMAIL)
    expect(rosa_row.locator("td.field-roles")).to_have_text("Senior reviewer")
    assert User.objects.get(pk=rosa.pk).role_names == ["Senior reviewer"]
    assert audit_trail(rosa) == [("staff.created", *by_ada), ("staff.role_changed", *by_ada)]
    role_change = AuditEvent.objects.for_target(rosa).get(action="staff.role_changed")
    assert role_change.data == {"added": ["Senior reviewer"], "removed": ["Reviewer"]}

    page.get_by_role("checkbox", name="Select this object for an action - Rosa Reviewer").check()
    page.get_by_role("combobox", name="Action").select_option(label="Deactivate selected staff")
    page.get_by_role("button", name="Run").click()

    expect(page.locator(".messagelist")).to_contain_text("Deactivated 1 staff account(s).")
    expect(rosa_row.locator("td.field-is_active img")).to_have_attribute("alt", "False")
    expect(rosa_row.locator("td.field-roles")).to_have_text("Senior reviewer")
    screenshot("admin-staff-list")
    rosa.refresh_from_db()
    assert not rosa.is_active
    assert rosa.role_names == ["Senior reviewer"]
    assert audit_trail(rosa) == [
        ("staff.created", *by_ada),
        ("staff.role_changed", *by_ada),
        ("staff.deactivated", *by_ada),
    ]
    assert csp_violations == []


def test_reviewer_signs_in_to_the_dashboard_but_not_the_admin_site(
    page: Page, live_server: LiveServer, rita: User, csp_violations: list[str]
) -> None:
    assert rita.has_role(Role.REVIEWER)
    assert not rita.has_role(Role.ADMINISTRATOR)
    staff_login(page, live_server, rita)
    expect(page.get_by_role("heading", name="Appeals to review")).to_be_visible()

    response = page.goto("/admin/")
    assert response is not None and response.status == 403
    assert csp_violations == []
