"""The API's human pages: the OpenAPI documentation, and the browsable API that signed-in staff can read."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import staff_login


def test_the_api_documentation_renders_under_the_content_security_policy(
    page, live_server, csp_violations, readme_screenshot
):
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_role("heading", name="Recourse API")).to_be_visible()
    expect(page.get_by_text("/api/v1/suspensions/").first).to_be_visible()
    expect(page.get_by_text("/api/v1/appeals/").first).to_be_visible()
    readme_screenshot("api-docs")
    assert csp_violations == []


def test_a_reviewer_reads_the_browsable_api_with_their_session(
    page: Page, live_server, rita, alice_appeal, csp_violations
):
    staff_login(page, live_server, rita, next_path="/api/v1/appeals/")
    expect(page.get_by_text(alice_appeal.reference).first).to_be_visible()
    assert csp_violations == []
