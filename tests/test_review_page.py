"""The review page /moderate/ over HTTP: login, session cookie, CSRF, actions, headers."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import ModerationEvent
from commentsvc.views.review import age


def csrf_of(html: bytes) -> str:
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1).decode()


def login(client, token: str) -> str:
    """Log in through the form and return the CSRF token of the logged-in page."""
    csrf = csrf_of(client.get("/moderate/").data)
    response = client.post("/moderate/login", data={"token": token, "csrf_token": csrf})
    assert response.status_code == 303, response.data
    return csrf_of(client.get("/moderate/").data)


@pytest.fixture
def mod(actions):
    actions.site("demo")
    actions.site("other")
    return actions.moderator("mod", "demo")


def test_the_login_form_is_shown_first(client, mod):
    response = client.get("/moderate/")
    assert response.status_code == 200
    assert b'name="token"' in response.data and b"Log in" in response.data
    assert client.get("/moderate/login").location.endswith("/moderate/")


def test_a_wrong_token_gets_a_message(client, mod):
    csrf = csrf_of(client.get("/moderate/").data)
    response = client.post("/moderate/login", data={"token": "not-a-token", "csrf_token": csrf})
    assert response.status_code == 401
    assert b"That token is not valid" in response.data
    assert b"Log out" not in client.get("/moderate/").data


@pytest.mark.parametrize("csrf", [None, "", "forged-value"])
def test_login_without_the_csrf_token_is_refused(client, mod, csrf):
    client.get("/moderate/")
    data = {"token": mod, **({"csrf_token": csrf} if csrf is not None else {})}
    response = client.post("/moderate/login", data=data)
    assert response.status_code == 403
    assert b"Reload the page" in response.data
    assert b"Log out" not in client.get("/moderate/").data


def test_actions_without_the_csrf_token_change_nothing(actions, client, mod):
    cid = actions.post().json["id"]
    login(client, mod)
    for url, data in [(f"/moderate/comments/{cid}/status", {"status": "approved"}),
                      ("/moderate/bulk", {"ids": str(cid), "status": "approved"}),
                      (f"/moderate/comments/{cid}/reveal", {}),
                      ("/moderate/logout", {})]:
        assert client.post(url, data=data).status_code == 403
        assert client.post(url, data=data, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert actions.queue(mod).json["items"][0]["status"] == "pending"
    assert b"Log out" in client.get("/moderate/").data


def test_cards_show_what_a_moderator_needs(actions, client, mod):
    actions.post(name="Ana Lima", email="ana.lima@example.org", url="https://ana.example",
                 body="Hello *world*", fax="bot")
    actions.post(site="other", body="not mine")
    login(client, mod)
    page = client.get("/moderate/?status=spam").data.decode()
    assert "Ana Lima" in page and "https://ana.example" in page and "a•••@example.org" in page
    assert "ana.lima@example.org" not in page
    assert "<p>Hello <em>world</em></p>" in page
    assert "honeypot field filled" in page and "1.00" in page
    assert re.search(r'<time datetime="[^"]+Z" title="[^"]+ UTC">\d+ seconds? ago</time>', page)
    assert "demo · hello-world" in page and "not mine" not in page
    assert re.search(r'data-count="spam">1<', page) and re.search(r'data-count="pending">0<', page)


def test_review_pages_carry_a_strict_content_security_policy(client, mod):
    for response in (client.get("/moderate/"), client.post("/moderate/login", data={})):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["Cache-Control"] == "no-store"


def test_a_form_action_moves_the_comment_and_returns_to_the_tab(actions, client, mod):
    cid = actions.post().json["id"]
    csrf = login(client, mod)
    response = client.post(f"/moderate/comments/{cid}/status",
                           data={"status": "approved", "tab": "pending", "csrf_token": csrf})
    assert response.status_code == 303 and response.location.endswith("/moderate/?status=pending")
    assert actions.thread().json["count"] == 1


def test_fetch_actions_answer_json_with_counts(actions, client, mod):
    cid = actions.post().json["id"]
    csrf = login(client, mod)
    response = client.post(f"/moderate/comments/{cid}/status", data={"status": "spam"},
                           headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert response.status_code == 200
    assert response.json["status"] == "spam" and response.json["counts"]["spam"] == 1
    bad = client.post(f"/moderate/comments/{cid}/status", data={"status": "deleted"},
                      headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert bad.status_code == 409 and bad.json["error"] == "invalid_transition"


def test_reveal_shows_the_address_and_is_audited(app, actions, client, mod):
    cid = actions.post(email="ana@example.org").json["id"]
    csrf = login(client, mod)
    response = client.post(f"/moderate/comments/{cid}/reveal", data={"csrf_token": csrf})
    assert response.status_code == 200 and b"ana@example.org" in response.data
    json_answer = client.post(f"/moderate/comments/{cid}/reveal",
                              headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert json_answer.json == {"email": "ana@example.org"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModerationEvent)
                                 .where(ModerationEvent.action == "reveal")) == 2


def test_bulk_selection_by_form(actions, client, mod):
    ids = [actions.post(body=f"text {i}", email=f"p{i}@example.org").json["id"] for i in range(3)]
    csrf = login(client, mod)
    response = client.post("/moderate/bulk", data={"ids": [str(i) for i in ids[:2]],
                                                   "status": "approved", "tab": "pending",
                                                   "csrf_token": csrf})
    assert response.status_code == 303
    assert actions.thread().json["count"] == 2
    for data in ({"ids": ["x"], "status": "approved"}, {"ids": [str(ids[2])], "status": "bogus"}):
        assert client.post("/moderate/bulk", data={**data, "csrf_token": csrf}).status_code == 400


def test_bulk_with_nothing_ticked_answers_in_place(actions, client, mod):
    cid = actions.post().json["id"]
    csrf = login(client, mod)
    response = client.post("/moderate/bulk", data={"status": "approved", "tab": "pending",
                                                   "csrf_token": csrf})
    page = response.data.decode()
    assert response.status_code == 422 and "Tick at least one comment first" in page
    assert f'data-id="{cid}"' in page and "Log out" in page  # the queue itself, not an error page


def test_other_sites_are_out_of_reach(actions, client, mod):
    theirs = actions.post(site="other").json["id"]
    csrf = login(client, mod)
    for url in (f"/moderate/comments/{theirs}/status", f"/moderate/comments/{theirs}/reveal"):
        response = client.post(url, data={"status": "approved", "csrf_token": csrf})
        assert response.status_code == 403 and b"You may not act on this comment" in response.data
    assert client.get("/moderate/?site=other").status_code == 403


NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("created, lang, shown", [
    ("2026-11-28T11:59:30Z", "en", "30 seconds ago"),
    ("2026-11-28T11:55:00Z", "en", "5 minutes ago"),
    ("2026-11-28T09:00:00Z", "en", "3 hours ago"),
    ("2026-11-20T12:00:00Z", "en", "1 week ago"),
    ("2026-11-28T12:05:00Z", "en", "1 second ago"),  # a clock a little ahead: not the future
    ("2026-11-28T11:55:00Z", "fr", "il y a 5 minutes"),
    ("2026-11-28T09:00:00Z", "ar", "قبل 3 ساعات"),
    (None, "en", ""),
])
def test_cards_say_how_old_a_comment_is_in_the_page_language(app, created, lang, shown):
    """Without JavaScript; review.js then keeps it current with Intl.RelativeTimeFormat."""
    with app.test_request_context("/moderate/", headers={"Accept-Language": lang}):
        assert age(created, now=NOW) == shown


def test_a_bad_tab_is_a_400_page(client, mod):
    login(client, mod)
    response = client.get("/moderate/?status=everything")
    assert response.status_code == 400 and response.mimetype == "text/html"


def test_older_comments_are_a_link_away(actions, client, mod):
    ids = [actions.post(body=f"text {i}", email=f"p{i}@example.org").json["id"] for i in range(27)]
    login(client, mod)
    first = client.get("/moderate/").data.decode()
    link = re.search(r'href="(/moderate/\?status=pending&amp;cursor=[^"]+)"', first)
    assert link and f'data-id="{ids[-1]}"' in first and f'data-id="{ids[0]}"' not in first
    second = client.get(link.group(1).replace("&amp;", "&")).data.decode()
    assert f'data-id="{ids[0]}"' in second and f'data-id="{ids[-1]}"' not in second


# --- In a real browser (headless Chromium) ------------------------------------------------

@pytest.fixture
def page_for(browser, live_server):
    """Open pages in a fresh browser context; collect dialogs, page errors and console errors."""
    contexts = []

    def open_page(**context_args):
        context = browser.new_context(**context_args)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.dialogs, page.errors = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        # Refused scripts or styles (CSP) show here; a 401 page or missing icon is no error.
        page.on("console", lambda m: m.type == "error" and not m.text.startswith(
            "Failed to load resource") and page.errors.append(m.text))
        return page

    yield open_page
    for context in contexts:
        context.close()


def browser_login(page, live_server, token: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/moderate/")
    page.get_by_label("Moderator token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html.js-ready")).to_have_count(1)  # the keys are listened for


@pytest.mark.browser
def test_browser_a_link_from_another_site_arrives_logged_in(live_server, page_for, actions, mod):
    """The "Open the review page" link in a notification mail, followed from webmail on
    another site: with SameSite=Strict the cookie stayed behind and the page asked to log in."""
    from playwright.sync_api import expect

    actions.post(body="waiting for review")
    page = page_for()
    browser_login(page, live_server, mod)
    elsewhere = live_server.url.replace("127.0.0.1", "localhost")  # another site
    page.goto(f"{elsewhere}/healthz")
    page.evaluate("""url => { const a = document.createElement('a'); a.href = url;
                             a.textContent = 'Open the review page'; document.body.append(a); }""",
                  f"{live_server.url}/moderate/")
    page.get_by_role("link", name="Open the review page").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator(".card")).to_have_count(1)


@pytest.mark.browser
def test_browser_wrong_token_then_approve_with_the_keyboard(live_server, page_for, actions, mod):
    from playwright.sync_api import expect

    older = actions.post(body="first comment", email="a@example.org").json["id"]
    newer = actions.post(body="second comment", email="b@example.org").json["id"]
    page = page_for()
    page.goto(f"{live_server.url}/moderate/")
    page.get_by_label("Moderator token").fill("not-the-token")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("That token is not valid")
    browser_login(page, live_server, mod)
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(newer))
    page.keyboard.press("j")
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(older))
    page.keyboard.press("a")
    expect(page.locator(f"#comment-{older}")).to_have_count(0)
    expect(page.locator('[data-count="pending"]')).to_have_text("1")
    expect(page.locator('[data-count="approved"]')).to_have_text("1")
    thread = actions.thread().json
    assert [c["id"] for c in thread["comments"]] == [older] and thread["count"] == 1
    assert page.errors == [] and page.dialogs == []


@pytest.mark.browser
def test_browser_spam_reject_reveal_and_move(live_server, page_for, actions, mod):
    from playwright.sync_api import expect

    ids = [actions.post(body=f"text {i}", email=f"person{i}@example.org").json["id"]
           for i in range(3)]
    page = page_for()
    browser_login(page, live_server, mod)
    page.keyboard.press("e")
    expect(page.locator(f"#comment-{ids[2]} .email")).to_have_text("person2@example.org")
    page.keyboard.press("s")
    expect(page.locator(f"#comment-{ids[2]}")).to_have_count(0)
    expect(page.locator(".card.current")).to_have_attribute("data-id", str(ids[1]))
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("r")
    expect(page.locator(f"#comment-{ids[1]}")).to_have_count(0)
    expect(page.locator('[data-count="spam"]')).to_have_text("1")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    statuses = {i["id"]: i["status"] for i in actions.queue(mod, status="").json["items"]}
    assert statuses == {ids[0]: "pending", ids[1]: "rejected", ids[2]: "spam"}
    history = actions.client.get(f"/api/v1/moderation/comments/{ids[2]}",
                                 headers={"Authorization": f"Bearer {mod}"}).json["history"]
    assert [e["action"] for e in history] == ["submit", "reveal", "status"]
    assert page.errors == []


@pytest.mark.browser
def test_browser_bulk_selection(live_server, page_for, actions, mod):
    from playwright.sync_api import expect

    ids = [actions.post(body=f"text {i}", email=f"p{i}@example.org").json["id"] for i in range(3)]
    page = page_for()
    browser_login(page, live_server, mod)
    page.keyboard.press("x")  # the current (newest) card
    expect(page.get_by_label(f"Select comment {ids[2]}")).to_be_checked()
    page.get_by_label(f"Select comment {ids[0]}").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator('[data-count="approved"]')).to_have_text("2")
    assert {c["id"] for c in actions.thread().json["comments"]} == {ids[0], ids[2]}
    expect(page.locator("html.js-ready")).to_have_count(1)
    page.get_by_label("All", exact=True).check()
    expect(page.get_by_label(f"Select comment {ids[1]}")).to_be_checked()
    page.get_by_role("button", name="Spam selected").click()
    expect(page.locator('[data-count="spam"]')).to_have_text("1")
    expect(page.locator(".card")).to_have_count(0)
    assert page.errors == []


@pytest.mark.browser
def test_browser_on_a_phone(live_server, page_for, actions, mod):
    from playwright.sync_api import expect

    cid = actions.post(body="word " * 400, email="p@example.org",
                       url="https://example.org/" + "x" * 150).json["id"]
    page = page_for(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    browser_login(page, live_server, mod)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    button = page.locator(f"#comment-{cid}").get_by_role("button", name="Approve")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 32
    button.tap()
    expect(page.locator(f"#comment-{cid}")).to_have_count(0)
    assert actions.thread().json["count"] == 1
    assert page.errors == []


XSS_NAME = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
XSS_URL = 'https://evil.example/"><script>alert(3)</script>?q=\'onmouseover=alert(4)'
XSS_BODY = ('<script>alert(5)</script> <img src=x onerror=alert(6)> '
            '[click me](javascript:alert(7)) <svg onload=alert(8)> '
            '"><iframe src=javascript:alert(9)>'
            ' <a href="javascript:alert(10)">x</a>')
XSS_ARTICLE = '"><img src=x onerror=alert(11)>'


@pytest.mark.browser
def test_browser_xss_payloads_in_every_field_execute_nothing(live_server, page_for, actions, mod):
    from urllib.parse import quote

    from playwright.sync_api import expect

    refused = actions.post(url="javascript:alert(1)", body="a javascript: website")
    assert refused.status_code == 422 and "url" in refused.json["fields"]
    response = actions.post(article=quote(XSS_ARTICLE, safe=""), name=XSS_NAME, url=XSS_URL,
                            body=XSS_BODY, email="x@example.org")
    assert response.status_code == 202, response.json
    cid = response.json["id"]
    page = page_for()
    browser_login(page, live_server, mod)
    card = page.locator(f"#comment-{cid}")
    expect(card.locator(".name")).to_have_text(XSS_NAME)
    expect(card.locator(".url")).to_have_attribute("href", XSS_URL)
    expect(card.locator(".article")).to_contain_text(XSS_ARTICLE)
    card.locator(".url").hover()
    card.locator(".body").hover()
    page.keyboard.press("e")
    expect(card.locator(".email")).to_have_text("x@example.org")
    card.locator(".body").get_by_text("click me").click()  # the javascript: link is gone
    page.wait_for_timeout(300)
    assert page.dialogs == []
    found = page.evaluate("""() => ({
        // the page's texts travel in a JSON data block, which no browser runs
        scripts: [...document.scripts].filter(s => s.type !== 'application/json').map(s => s.src),
        data: [...document.scripts].filter(s => s.type === 'application/json').map(
            s => typeof JSON.parse(s.textContent)),
        handlers: [...document.querySelectorAll('*')].flatMap(
            el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => a.name)),
        js_links: [...document.querySelectorAll('[href], [src]')].filter(
            el => /^\\s*javascript:/i.test(el.getAttribute('href') || el.getAttribute('src') || ''))
            .length,
        frames: document.querySelectorAll('iframe, svg:not(.chart), img').length,
    })""")
    assert found == {"scripts": [f"{live_server.url}/static/review.js"], "handlers": [],
                     "js_links": 0, "frames": 0, "data": ["object"]}
    page.keyboard.press("a")
    expect(card).to_have_count(0)
    assert page.dialogs == []


def test_the_review_page_speaks_the_moderators_language(actions, client, mod):
    """Accept-Language first; the page's lang/dir, its texts, its script's texts and errors."""
    actions.post(body="Bonjour")
    csrf = login(client, mod)
    html = client.get("/moderate/", headers={"Accept-Language": "fr-CH, fr;q=0.9"}).data.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "<h1>Modération</h1>" in html and ">Se déconnecter</button>" in html
    assert ">Approuver</button>" in html and ">Approuver la sélection</button>" in html
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">il y a \d+ secondes?</time>', html)
    strings = json.loads(re.search(
        r'<script type="application/json" id="review-strings">(.*?)</script>', html).group(1))
    assert strings["Nothing left here."] == "Il ne reste rien ici."
    assert set(strings["%(num)s comment: %(status)s."]) == {"one", "many", "other"}
    assert "Leave a Reply" not in strings  # the widget's texts stay with the widget
    refused = client.post("/moderate/bulk", data={"status": "approved", "csrf_token": "wrong"},
                          headers={"Accept-Language": "ar"})
    page = refused.data.decode()
    assert refused.status_code == 403 and '<html lang="ar" dir="rtl">' in page
    assert "انتهت صلاحية هذا النموذج" in page and "العودة إلى قائمة الانتظار" in page
    english = client.get("/moderate/", headers={"Accept-Language": "tlh"}).data.decode()
    assert '<html lang="en" dir="ltr">' in english and "<h1>Moderation</h1>" in english
    assert 'id="review-strings">{}</script>' in english
    assert csrf


def test_without_a_shipped_language_the_page_takes_the_sites_default(actions, client, mod):
    csrf = login(client, mod)
    client.post("/moderate/sites/demo/settings",
                data={"csrf_token": csrf, "default_lang": "de", "flag_threshold": "3",
                      "spam_hold_budget": "0.1", "max_depth": "5"})
    german = client.get("/moderate/", headers={"Accept-Language": "tlh"}).data.decode()
    assert '<html lang="de" dir="ltr">' in german and "<h1>Moderation</h1>" in german
    assert ">Abmelden</button>" in german
    asked = client.get("/moderate/", headers={"Accept-Language": "ja"}).data.decode()
    assert '<html lang="ja" dir="ltr">' in asked  # the moderator's browser comes first
    login_page = client.get("/moderate/", headers={"Accept-Language": "sv"}).data.decode()
    assert "Logga ut" in login_page
