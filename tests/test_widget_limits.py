"""The widget shows the service's refusals (429 flood) as notices, in headless Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def app(app_factory):
    return app_factory(FLOOD_SECONDS=60)


def test_posting_too_fast_is_shown_as_a_notice_with_the_wait(browser, live_server, actions):
    actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/demo/")
    page.locator("#commentsvc form").wait_for()
    for body in ("First thought", "Second thought"):
        page.get_by_label("Comment", exact=True).fill(body)
        page.get_by_label("Name *", exact=True).fill("Ana")
        page.get_by_label("Email *", exact=True).fill("ana@example.org")
        page.get_by_role("button", name="Post Comment").click()
        page.locator(".commentsvc-notice:not(:empty)").wait_for()
    notice = page.locator(".commentsvc-notice")
    assert notice.get_attribute("role") == "alert"
    assert notice.inner_text().startswith("Please wait a little before posting again.")
    assert "Please try again in" in notice.inner_text()
    assert page.get_by_label("Comment", exact=True).input_value() == "Second thought"  # kept
    context.close()
