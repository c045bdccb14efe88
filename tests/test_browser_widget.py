"""The widget on a third-party site (another origin) in Chromium: languages, themes, layout
stability, weight, counts and accessibility (axe-core, WCAG 2.1 A/AA)."""

from __future__ import annotations

import re
import threading
import typing as t
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# What these tests check happens in the browser; the database paths behind it run on both
# databases in the API tests, so these run once, on SQLite, to keep CI short.
pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""
PARAGRAPH = ("<p>The council met on Tuesday to discuss the harbour lights, the bake sale and the "
             "question of who, exactly, is responsible for the seagulls.</p>")


@dataclass
class Host:
    """A publisher's site on its own origin: path → HTML."""

    origin: str
    pages: dict[str, str] = field(default_factory=dict)

    def page(self, path: str, service: str, *, lang: str = "en", dark: bool = False,
             attrs: str = "", widget: bool = True, extra: str = "") -> str:
        back, text = ("#121212", "#e8e8e8") if dark else ("#ffffff", "#202020")
        snippet = (f'<div id="commentsvc" data-site="demo" data-article="story" '
                   f'style="min-height: 100vh" {attrs}></div>'
                   f'<script src="{service}/embed.js" async></script>') if widget else ""
        self.pages[path] = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>The Gazette</title>
<style>body {{ margin: 0; font: 18px/1.5 Georgia, serif; background: {back}; color: {text}; }}
main {{ max-width: 44rem; margin: 0 auto; padding: 0 1rem; }} a {{ color: inherit; }}</style>
</head><body><header><p>The Gazette</p></header><main><h1>Lights on the harbour</h1>
{PARAGRAPH}{extra}{snippet}
<section><h2>More from the Gazette</h2>{PARAGRAPH * 12}</section></main>
<footer><p>The Gazette, since 1890</p></footer></body></html>"""
        return self.origin + path


@pytest.fixture(scope="module")
def host() -> t.Iterator[Host]:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not here").encode())

        def log_message(self, *args: t.Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Host(f"http://127.0.0.1:{server.server_port}", pages)
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(live_server, actions, host):
    """The demo site allowing the host's origin; returns a moderator token."""
    actions.site("demo", host.origin, live_server.url, moderation="all")
    return actions.moderator("mod", "demo")


def thread(actions, token, n, article="story", **fields):
    ids = []
    for i in range(n):
        posted = actions.post(article=article, name=fields.get("name", f"Reader {i}"),
                              email=f"reader{i}@example.org",
                              body=fields.get("body", f"Comment number {i}")).get_json()
        actions.moderate(token, posted["id"], status="approved")
        ids.append(posted["id"])
    return ids


def open_widget(context, url, init: str | None = None):
    page = context.new_page()
    if init:
        page.add_init_script(init)
    page.goto(url)
    page.locator("#commentsvc form").wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    return page


def axe(page, selector: str | None = None) -> list[dict[str, t.Any]]:
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "([ctx, tags]) => axe.run(ctx || document, {runOnly: {type: 'tag', values: tags}})",
        [selector, WCAG])
    return [{"id": v["id"], "targets": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]]


def test_languages_follow_the_page_and_rtl_lays_out_right_to_left(browser, live_server, actions,
                                                                   site, host):
    thread(actions, site, 2, body="شكرًا على المقال")
    context = browser.new_context(locale="en-US")
    try:
        # French host page: <html lang="fr-CA"> falls back to fr.
        page = open_widget(context, host.page("/fr", live_server.url, lang="fr-CA"))
        root = page.locator("#commentsvc")
        assert root.get_attribute("lang") == "fr" and root.get_attribute("dir") == "ltr"
        assert page.get_by_role("heading", name="2 commentaires").is_visible()
        assert page.get_by_role("heading", name="Laisser un commentaire").is_visible()
        assert page.get_by_role("button", name="Publier le commentaire").is_visible()
        when = page.locator(".commentsvc-permalink time").first
        iso = when.get_attribute("datetime")
        expected = page.evaluate("iso => new Intl.DateTimeFormat('fr', {dateStyle: 'medium', "
                                 "timeStyle: 'short'}).format(new Date(iso))", iso)
        assert when.inner_text() == expected
        assert not re.search(r"\d:\d\d:\d\d", expected)  # no seconds

        # Arabic: right to left, Arabic plural (two → the dual), bodies dir=auto.
        page = open_widget(context, host.page("/ar", live_server.url, lang="ar"))
        root = page.locator("#commentsvc")
        assert root.get_attribute("dir") == "rtl" and root.get_attribute("lang") == "ar"
        assert page.get_by_role("heading", name="تعليقان").is_visible()
        assert page.locator(".commentsvc-content").first.get_attribute("dir") == "auto"
        body = page.locator(".commentsvc-comment").first.bounding_box()
        avatar = page.locator(".commentsvc-avatar").first.bounding_box()
        assert avatar["x"] + avatar["width"] > body["x"] + body["width"] - 2  # avatar on the right

        # data-lang wins over <html lang>; validation errors in the widget's language.
        page = open_widget(context, host.page("/ja", live_server.url, lang="de",
                                              attrs='data-lang="ja"'))
        assert page.locator("#commentsvc").get_attribute("lang") == "ja"
        assert page.get_by_role("heading", name="2件のコメント").is_visible()
        page.get_by_role("button", name="コメントを送信").click()
        page.locator("#commentsvc-body-error:not(:empty)").wait_for()
        assert page.locator("#commentsvc-body-error").inner_text().startswith("コメント：")
        assert page.evaluate("document.activeElement.name") == "body"
    finally:
        context.close()


def test_a_site_overrides_single_strings(browser, live_server, site, host):
    context = browser.new_context()
    try:
        attrs = """data-strings='{"Leave a Reply": "Join the conversation"}'"""
        page = open_widget(context, host.page("/own-words", live_server.url, attrs=attrs))
        assert page.get_by_role("heading", name="Join the conversation").is_visible()
        assert page.get_by_role("button", name="Post Comment").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_themes_pass_axe_on_light_and_dark_hosts(browser, live_server, actions, site, host,
                                                      scheme):
    ids = thread(actions, site, 2)
    code = "Try this:\n\n```\n" + "long_line_of_code() " * 30 + "\n```"
    ids += thread(actions, site, 1, body=code)
    context = browser.new_context(color_scheme=scheme)
    try:
        found = {}
        for dark_host in (False, True):
            url = host.page(f"/theme-{dark_host}", live_server.url, dark=dark_host)
            page = open_widget(context, url)
            code = page.locator(".commentsvc-content pre")  # wraps: nothing to scroll to
            assert code.evaluate("e => e.scrollWidth <= e.clientWidth")
            root = page.locator("#commentsvc")
            assert root.get_attribute("data-scheme") == scheme  # auto follows the reader
            colours = page.locator("#commentsvc-name").evaluate(
                "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
            assert colours == (["rgb(236, 236, 236)", "rgb(39, 39, 44)"] if scheme == "dark"
                               else ["rgb(31, 31, 31)", "rgb(255, 255, 255)"])
            found[f"thread, {'dark' if dark_host else 'light'} host"] = axe(page)
            first = page.locator(f"#comment-{ids[0]}")
            first.get_by_role("button", name="Reply to Reader 0").click()
            found[f"reply form, {'dark' if dark_host else 'light'} host"] = axe(page)
            page.get_by_role("button", name="Post Comment").click()
            page.locator("#commentsvc-body-error:not(:empty)").wait_for()
            found[f"errors, {'dark' if dark_host else 'light'} host"] = axe(page)
            page.keyboard.press("Escape")
        other = "light" if scheme == "dark" else "dark"
        page.evaluate(f"window.commentsvc.setTheme('{other}')")
        assert page.locator("#commentsvc").get_attribute("data-scheme") == other
        found[f"setTheme({other})"] = axe(page)
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        context.close()


def test_the_no_js_page_and_the_form_error_page_pass_axe(browser, live_server, actions, site):
    thread(actions, site, 2)
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, java_script_enabled=False,
                                      bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/embed/demo/story?lang=he")
            assert page.locator("html").get_attribute("dir") == "rtl"
            assert page.get_by_role("heading", level=1).inner_text() == "שתי תגובות"
            context.set_extra_http_headers({})
            page.get_by_role("button", name="פרסום תגובה").click()  # empty: the error page
            page.wait_for_load_state()
            assert page.url.endswith("/comments?lang=he")
            error_page = page.content()
            assert 'lang="he"' in error_page and "שגיאה:" in error_page
            if scheme == "light":  # the retry stays in Hebrew, and so does the way back
                page.get_by_label("תגובה *", exact=True).fill("שלום")
                page.get_by_label("שם *", exact=True).fill("Dana")
                page.get_by_label("אימייל *", exact=True).fill("dana@example.org")
                page.get_by_role("button", name="פרסום תגובה").click()
                page.wait_for_url("**/embed/demo/story?posted=1&lang=he#comment-pending")
                assert page.get_by_text("התגובה שלך ממתינה לאישור.").is_visible()
            js = browser.new_context(color_scheme=scheme, bypass_csp=True)
            for url in (f"{live_server.url}/embed/demo/story?lang=he",
                        f"{live_server.url}/embed/demo/story?replytocom=1"):
                audited = js.new_page()
                audited.goto(url)
                assert axe(audited) == [], url
            audited = js.new_page()
            audited.set_content(error_page)
            assert axe(audited) == [], "form error page"
            js.close()
        finally:
            context.close()


def test_no_layout_shift_cold_and_warm_and_one_request_per_kind(browser, live_server, actions,
                                                                 site, host):
    thread(actions, site, 12)
    url = host.page("/stable", live_server.url, attrs='data-title="Lights on the harbour"')
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        scores = []
        for visit in ("cold", "warm"):
            requests: list[str] = []
            page = context.new_page()
            page.on("request", lambda r, seen=requests: seen.append(r.url))
            page.add_init_script(CLS_OBSERVER)
            page.goto(url)
            page.locator(".commentsvc-comment").nth(11).wait_for()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            scores.append(page.evaluate("window.__cls"))
            service = [u for u in requests if u.startswith(live_server.url)]
            assert not any("/avatars/" in u for u in service)  # drawn in the page
            assert sum("/comments?" in u for u in service) == 1
            if visit == "cold":
                assert len(service) <= 4, service  # embed.js, embed.css, thread, form token
            fax = page.locator("input[name=fax]")
            assert not fax.is_visible() and fax.get_attribute("tabindex") == "-1"
            page.close()
        assert scores[0] < 0.05 and scores[1] < 0.05, scores
    finally:
        context.close()


def test_count_links_in_the_pages_language_with_one_request(browser, live_server, actions, site,
                                                            host):
    thread(actions, site, 1, article="one")
    thread(actions, site, 5, article="five")
    links = "".join(f'<a href="/{a}#comments" data-commentsvc-count data-site="demo" '
                    f'data-article="{a}">comments</a> ' for a in ("none", "one", "five", "five"))
    url = host.page("/front", live_server.url, lang="pl", widget=False,
                    extra=f'{links}<script src="{live_server.url}/count.js" async></script>')
    context = browser.new_context()
    try:
        requests: list[str] = []
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('[lang=pl][data-commentsvc-count]')"
                               ".length === 4")
        texts = page.locator("[data-commentsvc-count]").all_inner_texts()
        assert texts == ["Dodaj komentarz", "1 komentarz", "5 komentarzy", "5 komentarzy"]
        assert sum("/counts?" in u for u in requests) == 1
    finally:
        context.close()


def test_lazy_widget_loads_near_the_viewport_and_keyboard_paths(browser, live_server, actions,
                                                                site, host):
    ids = thread(actions, site, 3)
    spacer = '<div style="height: 3000px"></div>'
    url = host.page("/lazy", live_server.url, attrs='data-lazy data-per-page="2"', extra=spacer)
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        requests: list[str] = []
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert not any("/comments?" in u for u in requests)
        page.mouse.wheel(0, 2000)
        page.locator("#commentsvc form").wait_for()
        assert sum("/comments?" in u for u in requests) == 1

        # Reply, then Escape: the form goes home and focus returns to the Reply button.
        page.locator(f"#comment-{ids[0]}").get_by_role("button", name="Reply to Reader 0").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.name") == "body"
        heading = page.get_by_role("heading", name="Reply to Reader 0")
        assert heading.is_visible()
        page.keyboard.press("Escape")
        assert page.get_by_role("heading", name="Leave a Reply").is_visible()
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
            "Reply to Reader 0"
        # Show more on the last page: focus moves to the first new comment, not to <body>.
        page.get_by_role("button", name="Show more comments").focus()
        page.keyboard.press("Enter")
        page.locator(f"#comment-{ids[2]}").wait_for()
        assert page.evaluate("document.activeElement.id") == f"comment-{ids[2]}"
        assert page.get_by_role("button", name="Show more comments").is_hidden()
    finally:
        context.close()


def test_closed_thread_shows_no_reply_heading(browser, live_server, actions, site, host):
    thread(actions, site, 1)
    actions.client.patch("/api/v1/moderation/sites/demo/articles/story",
                         json={"comments_open": False},
                         headers={"Authorization": f"Bearer {site}"})
    context = browser.new_context()
    try:
        page = open_widget(context, host.page("/closed", live_server.url))
        page.get_by_text("Comments are closed.").wait_for()
        assert page.get_by_role("heading", name="Leave a Reply").count() == 0
    finally:
        context.close()


def test_an_iframe_of_the_comments_page_fits_its_content(browser, live_server, actions, site,
                                                         host):
    thread(actions, site, 8, body="A longer comment. " * 20)
    frame = (f'<iframe src="{live_server.url}/embed/demo/story" title="Comments" '
             'data-commentsvc-frame style="width: 100%; height: 300px; border: 0"></iframe>'
             f'<script src="{live_server.url}/frame.js" async></script>')
    url = host.page("/framed", live_server.url, widget=False, extra=frame)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("document.querySelector('iframe').offsetHeight > 1000")
        inner = next(f for f in page.frames if "/embed/demo/story" in f.url)
        content = inner.evaluate("document.documentElement.getBoundingClientRect().height")
        assert abs(page.locator("iframe").evaluate("f => f.offsetHeight") - content) <= 1
    finally:
        context.close()


def test_the_review_page_passes_axe(browser, live_server, actions, site):
    thread(actions, site, 2)
    actions.post(article="story", name="Held", body="Waiting for a moderator")
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # to inject axe
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/moderate/")
            assert axe(page) == [], "login"
            page.fill("#token", site)
            page.keyboard.press("Enter")
            page.get_by_text("Waiting for a moderator").wait_for()
            assert axe(page) == [], "queue"
        finally:
            context.close()


def test_post_edit_and_withdraw_with_the_keyboard_only(browser, live_server, site, host):
    context = browser.new_context()
    try:
        page = open_widget(context, host.page("/keys", live_server.url))
        page.get_by_label("Comment *", exact=True).focus()
        page.keyboard.type("Typed, never clicked")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "name"  # the honeypot is skipped
        page.keyboard.type("Kim")
        page.keyboard.press("Tab")
        page.keyboard.type("kim@example.org")
        page.keyboard.press("Enter")  # submits the form
        notice = page.locator(".commentsvc-notice")
        notice.get_by_text("Your comment is awaiting moderation.").wait_for()
        assert page.evaluate("document.activeElement.className") == "commentsvc-notice"
        page.locator(".commentsvc-pending .commentsvc-edit").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
        page.keyboard.press("Escape")  # closes the edit form, focus back on Edit
        assert page.evaluate("document.activeElement.className") == "commentsvc-edit"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "commentsvc-withdraw"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.textContent") == "Yes, withdraw it"
        page.keyboard.press("Enter")
        notice.get_by_text("Your comment has been withdrawn.").wait_for()
        assert page.evaluate("document.activeElement.className") == "commentsvc-notice"
        assert page.locator(".commentsvc-pending").count() == 0
    finally:
        context.close()


def test_an_unknown_site_says_so_in_the_readers_language(browser, live_server, host):
    context = browser.new_context()
    try:
        url = host.page("/unknown", live_server.url, lang="fr")
        host.pages["/unknown"] = host.pages["/unknown"].replace('data-site="demo"',
                                                               'data-site="nope"')
        page = context.new_page()
        page.goto(url)
        notice = page.locator(".commentsvc-notice")
        notice.locator("text=/./").wait_for()
        assert notice.get_attribute("role") == "alert"
        assert page.locator("#commentsvc form").is_hidden()
        assert page.get_by_role("heading", name="Laisser un commentaire").count() == 0
    finally:
        context.close()
