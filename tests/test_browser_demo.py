"""The demo article page in a real browser, with JavaScript off: the form posts and says so."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_demo_page_form_posts_with_javascript_off(browser, live_server, actions):
    actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/demo/")
    assert page.get_by_role("heading", name="Leave a Reply").is_visible()
    page.get_by_label("Comment").fill("Lovely to see the lights back.")
    page.get_by_label("Name").fill("Ana")
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**#comment-pending")
    assert page.get_by_text("Your comment is awaiting moderation.").is_visible()
    context.close()
