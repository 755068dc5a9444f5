"""The public pages for people on a phone, without JavaScript, or with only a keyboard."""

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, ViewportSize, expect

from portal.notifications.models import Notification
from tests.browser.conftest import SCREENSHOTS
from tests.factories import make_suspension

PHONE: ViewportSize = {"width": 390, "height": 844}
HANDLE = "mira_counterext"
EMAIL_ON_FILE = "mira.okafor@uni-example.org"
NOT_AN_EMAIL = "mira.okafor at uni-example.org"


def heading(page: Page, name: str) -> Locator:
    return page.get_by_role("heading", level=1, name=name)


def scroll_width(page: Page) -> int:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert isinstance(width, int)
    return width


def ask_for_a_link_with_a_bad_address(page: Page) -> None:
    page.get_by_label("Your account handle").fill(f"@{HANDLE}")
    page.get_by_label("Email address").fill(NOT_AN_EMAIL)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.locator(".errorlist")).to_be_visible()


def test_public_pages_fit_a_phone_and_work_without_javascript(
    new_context: Callable[..., BrowserContext], csp_violations: list[str]
) -> None:
    make_suspension(HANDLE, account_email=EMAIL_ON_FILE)
    phone = new_context(viewport=PHONE, java_script_enabled=False).new_page()

    phone.goto("/appeal/")
    expect(heading(phone, "Was your account suspended? You can appeal.")).to_be_visible()
    phone.get_by_role("link", name="Find my case").click()
    expect(heading(phone, "Find my case")).to_be_visible()
    ask_for_a_link_with_a_bad_address(phone)

    # Still the form, with the error beside the field it is about and everything typed kept.
    expect(heading(phone, "Find my case")).to_be_visible()
    email = phone.get_by_label("Email address")
    email_row = phone.locator("form.form > div").filter(has=email)
    expect(email_row.locator(".errorlist")).to_have_text("Enter a valid email address.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(email).to_have_value(NOT_AN_EMAIL)
    expect(phone.get_by_label("Your account handle")).to_have_value(f"@{HANDLE}")
    expect(phone.locator(".errorlist")).to_have_count(1)  # the handle was fine
    phone.screenshot(path=SCREENSHOTS / "phone-find-error.png", full_page=True)
    assert not Notification.objects.exists()

    # Measuring the layout needs scripts, so the same pages again in a phone-sized context that runs them.
    measuring = new_context(viewport=PHONE).new_page()
    for path, title in [
        ("/appeal/", "Was your account suspended? You can appeal."),
        ("/appeal/find/", "Find my case"),
        ("/appeal/lost-address/", "I never received an email, or I lost that address"),
        ("/appeal/find/sent/", "Check your email"),
    ]:
        measuring.goto(path)
        expect(heading(measuring, title)).to_be_visible()
        assert scroll_width(measuring) <= PHONE["width"], path
    measuring.goto("/appeal/find/")
    ask_for_a_link_with_a_bad_address(measuring)
    assert scroll_width(measuring) <= PHONE["width"]
    assert csp_violations == []


def test_find_page_works_from_the_keyboard(page: Page, csp_violations: list[str]) -> None:
    make_suspension(HANDLE, account_email=EMAIL_ON_FILE)
    page.goto("/appeal/find/")
    handle = page.get_by_label("Your account handle")
    email = page.get_by_label("Email address")
    expect(handle).to_have_accessible_description("The name of the suspended account, for example @jo_example.")
    expect(email).to_have_accessible_description(
        "The address the platform has for your account. We send the sign-in link there."
    )
    for field in page.locator("form.form").locator("input:not([type=hidden]), textarea, select").all():
        expect(field).to_have_accessible_name(re.compile(r"\w"))

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(handle).to_be_focused()
    page.keyboard.type(f"@{HANDLE}")
    page.keyboard.press("Tab")
    expect(email).to_be_focused()
    page.keyboard.type(EMAIL_ON_FILE)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send me a sign-in link")).to_be_focused()
    page.keyboard.press("Enter")

    expect(heading(page, "Check your email")).to_be_visible()
    assert Notification.objects.get().template == "sign_in_link"
    assert csp_violations == []
