"""The review page's audit fixes and new controls (issue 17 item 7), in headless Chromium:
the current card follows focus, shortcuts only in the list and switchable, announcements,
bulk in place, title counts, landmarks, narrow screens, the settings panel and the chart."""

from __future__ import annotations

import pytest

from tests.test_review_page import browser_login, page_for  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def posts(actions, n):
    return [actions.post(body=f"text {i}", email=f"p{i}@example.org").json["id"]
            for i in range(n)]


def test_browser_keys_act_on_the_card_that_has_focus(live_server, page_for, actions, mod):  # noqa: F811
    from playwright.sync_api import expect

    ids = posts(actions, 3)
    page = page_for()
    browser_login(page, live_server, mod)
    assert page.evaluate("document.activeElement === document.body")  # no jump past the header
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(ids[2]))
    # The audit's case: the newest card is highlighted, focus is on another card's button.
    page.locator(f"#comment-{ids[0]}").get_by_role("button", name="Reject").focus()
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(ids[0]))
    page.keyboard.press("r")
    expect(page.locator(f"#comment-{ids[0]}")).to_have_count(0)
    expect(page.locator("#notice")).to_have_text(f"Comment {ids[0]}: rejected.")
    statuses = {i["id"]: i["status"] for i in actions.queue(mod, status="").json["items"]}
    assert statuses == {ids[0]: "rejected", ids[1]: "pending", ids[2]: "pending"}
    page.keyboard.press("Shift+Tab")  # back into the previous card: it becomes current
    focused = page.evaluate("document.activeElement.closest('.card')?.dataset.id")
    expect(page.locator(".card.current")).to_have_attribute("data-id", focused)
    assert page.errors == []


def test_browser_shortcuts_only_in_the_list_and_can_be_turned_off(live_server, page_for,  # noqa: F811
                                                                 actions, mod):
    from playwright.sync_api import expect

    ids = posts(actions, 2)
    page = page_for()
    browser_login(page, live_server, mod)
    page.get_by_role("button", name="Log out").focus()
    page.keyboard.press("a")  # focus in the header: no shortcut
    page.get_by_role("link", name="Spam").focus()
    page.keyboard.press("s")
    page.wait_for_timeout(300)
    expect(page.locator(".card")).to_have_count(2)
    page.get_by_label("Single-key shortcuts").uncheck()
    expect(page.locator("#notice")).to_have_text("Single-key shortcuts off.")
    page.locator(f"#comment-{ids[1]} .body").click()
    page.keyboard.press("a")
    page.wait_for_timeout(300)
    expect(page.locator(".card")).to_have_count(2)
    page.reload()
    expect(page.get_by_label("Single-key shortcuts")).not_to_be_checked()  # remembered
    page.get_by_label("Single-key shortcuts").check()
    page.locator(f"#comment-{ids[1]} .body").click()
    page.keyboard.press("a")
    expect(page.locator(f"#comment-{ids[1]}")).to_have_count(0)
    assert actions.thread().json["count"] == 1 and page.errors == []


def test_browser_announcements_bulk_in_place_and_title(live_server, page_for, actions, mod):  # noqa: F811
    from playwright.sync_api import expect

    ids = posts(actions, 3)
    page = page_for()
    browser_login(page, live_server, mod)
    expect(page).to_have_title("Pending (3) · commentsvc")
    url = page.url
    page.get_by_role("button", name="Reject selected").click()  # nothing ticked
    expect(page.locator("#notice")).to_have_text(
        "Tick at least one comment first, then choose the action.")
    assert page.url == url
    expect(page.locator(".card")).to_have_count(3)
    page.locator(f"#comment-{ids[2]} .body").click()  # back into the list: keys work there
    page.keyboard.press("x")
    expect(page.locator("#notice")).to_have_text(f"Comment {ids[2]} selected; 1 selected.")
    page.keyboard.press("e")
    expect(page.locator("#notice")).to_have_text(
        f"Address of comment {ids[2]} revealed: p2@example.org.")
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#notice")).to_have_text("1 comment: approved.")
    expect(page).to_have_title("Pending (2) · commentsvc")
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator(".card.current")).to_have_count(1)
    expect(page.locator('[data-figure="pending"]')).to_have_text("2")
    page.locator(".card.current .body").click()
    page.keyboard.press("a")
    expect(page).to_have_title("Pending (1) · commentsvc")
    assert page.url == url and page.errors == []


def test_browser_narrow_screen_keeps_words_whole_and_targets_large(live_server, page_for,  # noqa: F811
                                                                  actions, mod):
    cid = actions.post(body="word " * 200, url="https://example.org/" + "x" * 150).json["id"]
    page = page_for(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    browser_login(page, live_server, mod)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    lines = page.locator(f"#comment-{cid}").get_by_role("button", name="Approve").evaluate(
        """b => { const r = document.createRange(); r.selectNodeContents(b);
                  return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }""")
    assert lines == 1
    small = page.evaluate("""() => [...document.querySelectorAll(
            'main button, main input, main select, main summary, .tabs a, header button')]
        .filter(el => el.checkVisibility())
        .map(el => [el.outerHTML.slice(0, 60), el.getBoundingClientRect()])
        .filter(([_, r]) => r.width < 24 || r.height < 24).map(([html]) => html)""")
    assert small == []
    assert page.errors == []


def test_browser_settings_panel_and_chart(live_server, page_for, actions, mod):  # noqa: F811
    from playwright.sync_api import expect

    posts(actions, 2)
    page = page_for()
    browser_login(page, live_server, mod)
    expect(page.locator("svg.chart rect.bar")).to_have_count(14)
    expect(page.locator("svg.chart title").first).to_contain_text("Comments submitted per day")
    expect(page.locator(".figures .now")).to_contain_text("2 waiting")
    page.get_by_text("Site settings · demo").click()
    page.get_by_label("Read-only: refuse every new comment").check()
    page.locator("fieldset").get_by_label("On", exact=True).check()
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".settings-status")).to_contain_text("Not saved: quiet_hours:")
    expect(page.locator(".settings-status")).to_contain_text("not a known time zone")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Then").select_option("close")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".settings-status")).to_contain_text(
        "Saved. Read-only on; quiet hours 22:00–07:00 Europe/Berlin (close).")
    settings = actions.client.get("/api/v1/moderation/sites/demo",
                                  headers={"Authorization": f"Bearer {mod}"}).json
    assert settings["read_only"] is True and settings["quiet_hours"]["action"] == "close"
    assert actions.post(body="closed?").json["error"] == "comments_closed"
    page.reload()
    expect(page.locator("#settings summary")).to_contain_text("read-only")
    assert page.errors == []
