"""The review page's audit fixes and new controls (issue 17 item 7), in headless Chromium:
the current card follows focus, shortcuts only in the list and switchable, announcements,
bulk in place, title counts, landmarks, narrow screens, the settings panel and the chart."""

from __future__ import annotations

import pytest

from tests.test_review_page import browser_login, login, page_for  # noqa: F401 - a fixture


def posts(actions, n):
    return [actions.post(body=f"text {i}", email=f"p{i}@example.org").json["id"]
            for i in range(n)]


@pytest.mark.browser
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


@pytest.mark.browser
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


@pytest.mark.browser
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


@pytest.mark.browser
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


@pytest.mark.browser
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
        "Saved. Read-only on; quiet hours 22:00–07:00 Europe/Berlin (close comments).")
    settings = actions.client.get("/api/v1/moderation/sites/demo",
                                  headers={"Authorization": f"Bearer {mod}"}).json
    assert settings["read_only"] is True and settings["quiet_hours"]["action"] == "close"
    assert actions.post(body="closed?").json["error"] == "comments_closed"
    page.reload()
    expect(page.locator("#settings summary")).to_contain_text("read-only")
    assert page.errors == []


# --- The settings panel and the figures over HTTP (no JavaScript) -----------------------------

def settings_form(csrf, **fields):
    base = {"csrf_token": csrf, "flag_threshold": "3", "max_depth": "5",
            "spam_hold_budget": "0.1", "default_lang": "", "quiet_from": "22:00",
            "quiet_to": "07:00", "quiet_tz": "Europe/Berlin", "quiet_action": "hold"}
    return {**base, **fields}


def test_the_settings_form_saves_and_returns_to_the_panel(actions, client, mod):
    csrf = login(client, mod)
    page = client.get("/moderate/").data.decode()
    assert 'id="settings"' in page and "Site settings · demo" in page
    response = client.post("/moderate/sites/demo/settings",
                           data=settings_form(csrf, read_only="on", quiet="on",
                                              flag_threshold="4"))
    assert response.status_code == 303
    assert response.location.endswith("/moderate/?site=demo#settings")
    settings = actions.client.get("/api/v1/moderation/sites/demo",
                                  headers={"Authorization": f"Bearer {mod}"}).json
    assert settings["read_only"] is True and settings["flag_threshold"] == 4
    assert settings["quiet_hours"] == {"from": "22:00", "to": "07:00", "tz": "Europe/Berlin",
                                       "action": "hold"}
    assert "read-only" in client.get("/moderate/?site=demo").data.decode()
    answer = client.post("/moderate/sites/demo/settings", data=settings_form(csrf),
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json["read_only"] is False
    assert answer.json["quiet_hours"] is None  # the box unticked: no quiet hours


@pytest.mark.parametrize("fields, says", [
    ({"quiet": "on", "quiet_tz": "Mars/Olympus"}, b"not a known time zone"),
    ({"quiet": "on", "quiet_from": "7pm"}, b"HH:MM"),
    ({"max_depth": "51"}, b"--max-depth must be a whole number, 1-50"),
    ({"flag_threshold": "many"}, b"not numbers"),
])
def test_bad_settings_are_a_422_page_and_change_nothing(actions, client, mod, fields, says):
    csrf = login(client, mod)
    response = client.post("/moderate/sites/demo/settings", data=settings_form(csrf, **fields))
    assert response.status_code == 422 and says in response.data
    as_json = client.post("/moderate/sites/demo/settings", data=settings_form(csrf, **fields),
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 422 and as_json.json["fields"]
    settings = actions.client.get("/api/v1/moderation/sites/demo",
                                  headers={"Authorization": f"Bearer {mod}"}).json
    assert settings["quiet_hours"] is None and settings["max_depth"] == 5


def test_the_settings_form_is_for_the_sites_one_moderates(actions, client, mod):
    csrf = login(client, mod)
    assert client.post("/moderate/sites/other/settings",
                       data=settings_form(csrf, read_only="on")).status_code == 403
    assert client.post("/moderate/sites/demo/settings",
                       data=settings_form("forged", read_only="on")).status_code == 403
    client.post("/moderate/logout", data={"csrf_token": csrf})
    assert client.post("/moderate/sites/demo/settings",
                       data=settings_form(csrf, read_only="on")).status_code in (401, 403)
    assert actions.post(site="other").status_code == 202 and actions.post().status_code == 202


def test_an_admin_sees_settings_once_a_site_is_chosen(actions, client, mod):
    admin = actions.moderator("boss", admin=True)
    login(client, admin)
    assert 'id="settings"' not in client.get("/moderate/").data.decode()
    page = client.get("/moderate/?site=other").data.decode()
    assert "Site settings · other" in page and '<svg class="chart"' in page
