"""Newsroom moderation seen by readers in headless Chromium: reports, staff, pins, bans."""

from __future__ import annotations

import pytest

from .moderating import auth
from .test_widget import fill, open_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server, actions):
    """The demo site (its origins include the live server's); a moderator with a display name."""
    runner = actions.app.test_cli_runner()
    assert runner.invoke(args=["demo", "--origin", live_server.url]).exit_code == 0
    result = runner.invoke(args=["moderator", "add", "ana", "--site", "demo",
                                 "--display-name", "Ana, Newsdesk"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def test_a_reader_reports_a_comment_and_sees_staff_and_picks(context, live_server, actions,
                                                             demo):
    first = actions.post(name="Bo", body="Rude words here").get_json()["id"]
    actions.moderate(demo, first, status="approved", pinned=True)
    actions.client.post(f"/api/v1/moderation/comments/{first}/reply",
                        json={"body": "Please keep it civil."}, headers=auth(demo))
    page = open_demo(context, live_server)
    top = page.locator(f"#comment-{first}")
    top.locator(".commentsvc-pick").get_by_text("Editors' pick").wait_for()
    staff = top.locator(".commentsvc-children .commentsvc-comment")
    assert staff.locator(".commentsvc-staff").inner_text() == "Staff"
    assert "Ana, Newsdesk" in staff.locator(".commentsvc-author").inner_text()
    assert top.locator(":scope > article .commentsvc-staff").count() == 0

    top.get_by_role("button", name="Report the comment by Bo").click()
    assert page.evaluate("document.activeElement.name") == "reason"
    page.get_by_label("Reason").select_option("offensive")
    page.get_by_label("Note for the moderators (optional)").fill("Insults")
    page.get_by_role("button", name="Send report").click()
    page.get_by_role("status").get_by_text("A moderator will look at this comment").wait_for()
    flagged = actions.queue(demo, flagged="1").get_json()["items"]
    assert [(i["id"], i["flags"]) for i in flagged] == [
        (first, {"count": 1, "reasons": {"offensive": 1}, "notes": ["Insults"]})]


def test_ban_and_shadow_as_a_reader_sees_them(context, live_server, actions, demo):
    page = open_demo(context, live_server)
    fill(page, body="First words", name="Troll", email="troll@spam.example")
    page.get_by_role("button", name="Post Comment").click()
    page.get_by_text("Your comment is awaiting moderation.").wait_for()
    troll = actions.queue(demo).get_json()["items"][0]
    assert troll["article_title"] == "Harbour lights return to the old town"
    assert troll["article_url"] == f"{live_server.url}/demo/"
    bans = "/api/v1/moderation/sites/demo/bans"
    shadow = actions.client.post(bans, json={"kind": "email", "comment_id": troll["id"],
                                             "mode": "shadow"}, headers=auth(demo))
    assert shadow.status_code == 201

    page.reload()
    page.locator("#commentsvc form").wait_for()
    fill(page, body="Second words", name="Troll", email="troll@spam.example")
    page.get_by_role("button", name="Post Comment").click()
    page.locator(".commentsvc-pending").get_by_text("Second words").wait_for()  # as if held
    assert [i["status"] for i in actions.queue(demo, status="spam").get_json()["items"]] == ["spam"]

    actions.client.delete(f"/api/v1/moderation/bans/{shadow.get_json()['id']}",
                          headers=auth(demo))
    actions.client.post(bans, json={"kind": "email", "comment_id": troll["id"]},
                        headers=auth(demo))
    fill(page, body="Third words", name="Troll", email="troll@spam.example")
    page.get_by_role("button", name="Post Comment").click()
    page.get_by_text("You may not comment on this site.").wait_for()


def test_a_page_the_site_does_not_list_still_posts_without_its_url(context, live_server,
                                                                  actions, demo):
    # The service's own page on another host name: allowed to post, not one of the site's origins.
    page = context.new_page()
    page.goto(live_server.url.replace("127.0.0.1", "localhost") + "/demo/")
    page.locator("#commentsvc form").wait_for()
    fill(page, body="Posted from an unlisted page")
    page.get_by_role("button", name="Post Comment").click()
    page.get_by_text("Your comment is awaiting moderation.").wait_for()
    item = actions.queue(demo).get_json()["items"][0]
    assert item["body"] == "Posted from an unlisted page"
    assert item["article_url"] is None and item["article_title"] is None
