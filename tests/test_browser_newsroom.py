"""Newsroom moderation seen by readers in headless Chromium: reports, staff, pins, bans."""

from __future__ import annotations

import pytest

from .moderating import auth
from .test_review_page import browser_login
from .test_widget import fill, open_demo
from .widget_host import axe

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


# --- The moderator's side: the review page's newsroom controls, by keyboard -----------------

def published(actions, token, **fields):
    cid = actions.post(**fields).get_json()["id"]
    assert actions.moderate(token, cid, status="approved").status_code == 200
    return cid


def reported(actions, cid, times, reason="offensive", note=None):
    for n in range(times):
        body = {"reason": reason, **({"note": note} if note and n == 0 else {})}
        answer = actions.client.post(f"/api/v1/comments/{cid}/flags", json=body,
                                     environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert answer.status_code == 202


def logged_in(context, live_server, token):
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    browser_login(page, live_server, token)
    return page


def open_tab(page, name):
    from playwright.sync_api import expect

    with page.expect_navigation():
        page.get_by_role("link", name=name).click()
    expect(page.locator("html.js-ready")).to_have_count(1)  # the keys are listened for


def test_a_moderator_works_the_reported_tab_by_keyboard(context, live_server, actions, demo):
    from playwright.sync_api import expect

    mild = published(actions, demo, name="Cy", body="Mildly off topic", email="cy@example.org")
    rude = published(actions, demo, name="Bo", body="Rude words", email="bo@example.org")
    reported(actions, mild, 1, reason="off_topic", note="About another story")
    reported(actions, rude, 3, note="Insults the author")  # the threshold: back to pending
    page = logged_in(context, live_server, demo)
    expect(page.locator('[data-count="reported"]')).to_have_text("2")
    page.get_by_role("link", name="Reported").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html.js-ready")).to_have_count(1)
    expect(page).to_have_title("Reported (2) · commentsvc")
    card = page.locator(f"#comment-{rude}")
    expect(card.locator(".reports")).to_contain_text("Reported by 3 readers: Offensive (3)")
    expect(card.locator(".notes")).to_have_text("Insults the author")
    expect(page.locator(f"#comment-{mild} .reports")).to_contain_text("Off topic (1)")
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(rude))
    page.keyboard.press("r")  # the rude one: rejected
    expect(card).to_have_count(0)
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(mild))
    page.keyboard.press("a")  # still published: kept, its report settled
    expect(page.locator(f"#comment-{mild}")).to_have_count(0)
    expect(page.locator('[data-count="reported"]')).to_have_text("0")
    assert actions.queue(demo, flagged="1").get_json()["items"] == []
    statuses = {i["id"]: i["status"] for i in actions.queue(demo, status="").get_json()["items"]}
    assert statuses == {mild: "approved", rude: "rejected"}
    assert page.errors == []


def test_ban_the_author_from_a_card_by_keyboard_then_shadow_and_reject(context, live_server,
                                                                      actions, demo):
    from playwright.sync_api import expect

    troll = published(actions, demo, name="Troll", body="Buy now", email="troll@spam.example")
    page = logged_in(context, live_server, demo)
    open_tab(page, "Approved")
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(troll))
    page.keyboard.press("b")
    expect(page.get_by_label("Ban by")).to_be_focused()
    assert "troll@spam.example" not in page.content()  # the address is never on the page
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the radio group: shadow
    expect(page.get_by_label("go to spam unseen (shadow)")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Spams every article")
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text(f"The author of comment {troll} is banned.")
    shadowed = actions.post(name="Troll", body="Buy more", email="troll@spam.example")
    assert shadowed.status_code == 202
    assert [i["body"] for i in actions.queue(demo, status="spam").get_json()["items"]] == [
        "Buy more"]

    open_tab(page, "Bans")
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("t•••@spam.example")
    expect(row).to_contain_text("Spams every article")
    row.get_by_role("button", name="Lift ban").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text("The ban is lifted.")
    expect(page.get_by_text("No bans in force.")).to_be_visible()

    open_tab(page, "Queue")
    open_tab(page, "Approved")
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(troll))
    # The defaults (email address, 30 days, refused) and "Also reject all their comments".
    for key in ("b", "Tab", "Tab", "Tab", "Tab", "Space", "Tab", "Enter"):
        page.keyboard.press(key)
    expect(page.locator("#notice")).to_have_text(
        f"The author of comment {troll} is banned; 2 of their comments are now rejected.")
    expect(page.locator(f'.card[data-id="{troll}"]')).to_have_count(0)  # off the Approved tab
    assert [i["body"] for i in actions.queue(demo, status="rejected").get_json()["items"]] == [
        "Buy more", "Buy now"]
    refused = actions.post(name="Troll", body="Once more", email="troll@spam.example")
    assert refused.status_code == 403 and refused.get_json()["error"] == "banned"
    open_tab(page, "Bans")
    expect(page.locator("tbody tr")).to_contain_text("are refused")
    expect(page.locator("tbody tr time")).to_have_count(1)  # 30 days, not for good
    assert page.errors == []


def test_reply_as_staff_and_pin_by_keyboard_seen_in_the_widget(context, live_server, actions,
                                                               demo):
    from playwright.sync_api import expect

    question = published(actions, demo, name="Bo", body="When is the vote?", email="bo@example.org")
    page = logged_in(context, live_server, demo)
    open_tab(page, "Approved")
    page.keyboard.press("w")
    expect(page.get_by_label("Reply as staff")).to_be_focused()
    page.keyboard.press("Enter")  # an empty reply is refused by the form itself
    page.keyboard.type("Thursday at 7 pm; we will cover it live.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text(
        f"Your staff reply to comment {question} is published.")
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(question))
    page.evaluate("window.stayed = true")
    page.keyboard.press("p")
    expect(page.locator("#notice")).to_have_text(
        f"Comment {question} is pinned as an editors' pick.")
    card = page.locator(f"#comment-{question}")
    expect(card.locator(".badge")).to_have_text("Editors' pick")
    expect(card.get_by_role("button", name="Unpin")).to_be_visible()
    assert page.evaluate("window.stayed") is True  # answered in place, no page load
    page.reload()  # the staff reply has a card of its own
    staff_card = page.locator(".card", has=page.locator(".badge", has_text="Staff"))
    expect(staff_card.locator(".name")).to_have_text("Ana, Newsdesk")
    expect(staff_card.get_by_role("button", name="Pin as editors' pick")).to_have_count(0)

    reader = open_demo(context, live_server)
    top = reader.locator(f"#comment-{question}")
    top.locator(".commentsvc-pick").get_by_text("Editors' pick").wait_for()
    staff = top.locator(".commentsvc-children .commentsvc-comment")
    expect(staff.locator(".commentsvc-staff")).to_have_text("Staff")
    expect(staff).to_contain_text("Thursday at 7 pm")
    assert page.errors == []


def test_a_sixth_pin_is_refused_in_place(context, live_server, actions, demo):
    from playwright.sync_api import expect

    ids = [published(actions, demo, body=f"pick {n}", email=f"p{n}@example.org")
           for n in range(6)]
    for cid in ids[:5]:
        assert actions.moderate(demo, cid, pinned=True).status_code == 200
    page = logged_in(context, live_server, demo)
    open_tab(page, "Approved")
    page.locator(f"#comment-{ids[5]} .body").click()
    page.keyboard.press("p")
    expect(page.locator("#notice")).to_contain_text(
        "Pin as editors' pick: at most 5 comments per article can be pinned")
    expect(page.locator(f"#comment-{ids[5]} .field-error")).to_be_visible()
    assert [c["id"] for c in actions.thread().get_json()["comments"] if c["pinned"]] == ids[:5]


def test_the_new_review_pages_pass_axe(browser, live_server, actions, demo):
    cid = published(actions, demo, name="Bo", body="Rude words", email="bo@example.org")
    reported(actions, cid, 2, note="Insults the author")
    actions.client.post("/api/v1/moderation/sites/demo/bans",
                        json={"kind": "email", "comment_id": cid, "days": 3, "reason": "abuse"},
                        headers=auth(demo))
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # to inject axe
        try:
            page = logged_in(context, live_server, demo)
            page.goto(f"{live_server.url}/moderate/?status=reported")
            page.locator(f'#comment-{cid} details[data-tool="ban"] summary').click()
            page.locator(f'#comment-{cid} details[data-tool="reply"] summary').click()
            assert axe(page) == [], "reported tab, tools open"
            page.locator(f'#comment-{cid} details[data-tool="ban"] input[name="days"]').fill("0")
            page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
            page.get_by_role("button", name="Ban author", exact=True).click()
            page.locator(".field-error").wait_for()
            assert axe(page) == [], "a refused ban, in place"
            page.goto(f"{live_server.url}/moderate/bans")
            page.get_by_role("button", name="Lift ban").wait_for()
            assert axe(page) == [], "bans page"
        finally:
            context.close()


def test_the_tools_work_with_javascript_off(browser, live_server, actions, demo):
    from playwright.sync_api import expect

    cid = published(actions, demo, name="Bo", body="Worth a pin", email="bo@example.org")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/moderate/")
        page.get_by_label("Moderator token").fill(demo)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Approved").click()
        card = page.locator(f"#comment-{cid}")
        card.get_by_role("button", name="Pin as editors' pick").click()
        expect(page.locator("#notice")).to_have_text(
            f"Comment {cid} is pinned as an editors' pick.")
        card.get_by_text("Reply as staff", exact=True).first.click()  # the summary
        card.get_by_role("button", name="Publish reply").click()  # empty: the browser refuses
        card.get_by_label("Reply as staff").fill("   ")  # blank: the server names the field
        card.get_by_role("button", name="Publish reply").click()
        expect(page.locator(f"#comment-{cid} .field-error")).to_have_text(
            "Reply as staff: is required")
        card.get_by_text("Ban author…").click()
        card.get_by_label("go to spam unseen (shadow)").check()
        card.get_by_role("button", name="Ban author", exact=True).click()
        expect(page.locator("#notice")).to_have_text(f"The author of comment {cid} is banned.")
        assert actions.thread().get_json()["comments"][0]["pinned"] is True
        page.get_by_role("link", name="Bans").click()
        page.get_by_role("button", name="Lift ban").click()
        expect(page.locator("#notice")).to_have_text("The ban is lifted.")
    finally:
        context.close()
