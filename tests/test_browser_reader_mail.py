"""In Chromium: a reader ticks the box in the widget, confirms from the mail, hears of a reply."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from .notify_servers import Inbox, smtp_server
from .reader_helpers import Readers, link, local

pytestmark = pytest.mark.browser


@pytest.fixture
def inbox_port() -> t.Iterator[tuple[Inbox, int]]:
    with smtp_server() as (inbox, port):
        yield inbox, port


@pytest.fixture
def app(app_factory: t.Any, inbox_port: tuple[Inbox, int]) -> Flask:
    """The live server's app: mail goes to the loopback inbox; no form-token wait."""
    return app_factory(SMTP_URL=f"smtp://127.0.0.1:{inbox_port[1]}", FORM_TOKEN_MIN_SECONDS=0)


def test_tick_the_box_confirm_from_the_mail_and_hear_of_a_reply(browser, live_server,
                                                              inbox_port):
    app = live_server.app
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "--origin", live_server.url])
    for args in (["--moderation", "none"], ["--reader-notifications", "on"]):
        assert runner.invoke(args=["site", "set", "demo", *args]).exit_code == 0
    readers = Readers(app, app.test_client(), inbox_port[0])
    page = browser.new_page()
    page.goto(f"{live_server.url}/demo/")
    box = page.get_by_label("Notify me of follow-up comments by email.")
    box.wait_for()
    page.get_by_label("Comment", exact=True).fill("Who else reads the footnotes first?")
    page.get_by_label("Name *").fill("Ana")
    page.get_by_label("Email *").fill("ana@example.org")
    box.check()
    page.get_by_role("button", name="Post Comment").click()
    page.get_by_text("Your comment has been published.").wait_for()
    readers.work()
    [confirmation] = readers.mails_to("ana@example.org")
    page.goto(live_server.url + local(link(confirmation, "/subscriptions/confirm/")))
    assert page.get_by_role("heading", name="Confirm your subscription").is_visible()
    page.get_by_role("button", name="Yes, send me follow-up comments by email").click()
    page.get_by_role("heading", name="Your subscription is confirmed").wait_for()

    ana = readers.client.get("/api/v1/sites/demo/articles/hello-world/comments").get_json()
    [first] = ana["comments"]
    readers.post("bob@example.org", parent_id=first["id"], name="Bob")
    readers.work()
    notice = readers.mails_to("ana@example.org")[-1]
    # The widget sent the page's title and URL with Ana's comment: the mail names and links them.
    title = "Harbour lights return to the old town"
    assert notice.message["Subject"] == f"New comment by Bob on {title}"
    target = link(notice, "#comment-")
    assert target.startswith(f"{live_server.url}/demo/#comment-")
    page.goto(target)
    page.locator(f"#{target.rsplit('#', 1)[1]}").wait_for()
    page.close()
