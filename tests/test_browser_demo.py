"""The demo article page in a real browser with JavaScript off: the <noscript> embed page works."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_demo_page_form_posts_with_javascript_off(browser, live_server, actions):
    actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/demo/")
    frame = page.frame_locator("noscript iframe, iframe[title=Comments]")
    assert frame.get_by_role("heading", name="Leave a Reply").is_visible()
    frame.get_by_label("Comment *", exact=True).fill("Lovely to see the lights back.")
    frame.get_by_label("Name *", exact=True).fill("Ana")
    frame.get_by_label("Email *", exact=True).fill("ana@example.org")
    frame.get_by_role("button", name="Post Comment").click()
    inner = next(f for f in page.frames if "/embed/demo/hello-world" in f.url)
    inner.wait_for_url("**/embed/demo/hello-world?posted=1#comment-pending")
    assert frame.get_by_text("Your comment is awaiting moderation.").is_visible()
    context.close()
