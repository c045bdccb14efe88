"""The plain form in Chromium with JavaScript off: a refused field, the error page, a retry."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_refused_form_keeps_the_text_and_the_retry_lands_on_the_article(browser, live_server,
                                                                         actions):
    actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/embed/demo/hello-world")
    page.get_by_label("Comment", exact=True).fill("Three winters in the dark.\nWorth the wait.")
    page.get_by_label("Name").fill("Ana")
    page.get_by_label("Email").fill("ana@harbour.test")  # a special-use domain: refused
    page.get_by_label("Website").fill("https://ana.example")
    page.get_by_role("button", name="Post Comment").click()

    assert page.get_by_role("heading", name="Leave a Reply").is_visible()
    error = page.locator("#email-error")
    assert "special-use" in error.inner_text()
    comment = page.get_by_label("Comment", exact=True).input_value()
    assert comment == "Three winters in the dark.\nWorth the wait."
    assert page.get_by_label("Name").input_value() == "Ana"
    assert page.get_by_label("Website").input_value() == "https://ana.example"
    assert page.get_by_text("Your email address will not be published.").is_visible()

    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**/embed/demo/hello-world?posted=1#comment-pending")
    assert page.get_by_text("Your comment is awaiting moderation.").is_visible()
    context.close()
