"""The widget on a third-party site (another origin) in Chromium: languages, themes and
accessibility (axe-core, WCAG 2.1 A/AA) of every reader page."""

from __future__ import annotations

import re

import pytest

from . import widget_host
from .widget_host import axe, open_widget, thread

# What these tests check happens in the browser; the database paths behind it run on both
# databases in the API tests, so these run once, on SQLite, to keep CI short.
pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)]
host, site = widget_host.host, widget_host.site  # the fixtures: the host page, the demo site


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


def test_a_reader_whose_languages_are_not_shipped_gets_the_sites_default(browser, live_server,
                                                                         actions, site, host):
    thread(actions, site, 2)
    admin = actions.moderator("boss", admin=True)
    assert actions.client.patch("/api/v1/moderation/sites/demo", json={"default_lang": "de"},
                                headers={"Authorization": f"Bearer {admin}"}).status_code == 200
    context = browser.new_context(locale="sw")  # Swahili: no catalogue ships for it
    try:
        page = open_widget(context, host.page("/sw", live_server.url, lang="sw"))
        assert page.evaluate("navigator.languages.join()") == "sw"
        assert page.locator("#commentsvc").get_attribute("lang") == "de"
        assert page.get_by_role("heading", name="2 Kommentare").is_visible()
    finally:
        context.close()


def test_the_report_form_speaks_the_widgets_language(browser, live_server, actions, site, host):
    thread(actions, site, 1, name="Bo")
    context = browser.new_context(locale="en-US")
    try:
        page = open_widget(context, host.page("/de", live_server.url, lang="de"))
        page.get_by_role("button", name="Kommentar von Bo melden").click()
        reason = page.get_by_label("Grund")
        assert reason.locator("option").all_inner_texts() == [
            "Spam", "Beleidigung oder Belästigung", "Anstößig", "Themenfremd", "Sonstiges"]
        reason.select_option("off_topic")
        page.get_by_label("Hinweis für die Moderation (optional)").fill("Passt nicht")
        assert page.get_by_role("button", name="Abbrechen").is_visible()
        page.get_by_role("button", name="Meldung senden").click()
        page.get_by_role("status").get_by_text("Ein Moderator wird sich diesen").wait_for()
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
                page.get_by_label("תגובה", exact=True).fill("שלום")
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


def test_the_review_page_passes_axe(browser, live_server, actions, site):
    """Light and dark, in English and in Arabic (right to left), with dates in its language."""
    thread(actions, site, 2)
    actions.post(article="story", name="Held", body="Waiting for a moderator")
    for scheme, locale in (("light", "en-US"), ("dark", "en-US"), ("light", "ar"),
                           ("dark", "ar")):
        # bypass_csp: to inject axe
        context = browser.new_context(color_scheme=scheme, bypass_csp=True, locale=locale)
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/moderate/")
            assert axe(page) == [], ("login", scheme, locale)
            page.fill("#token", site)
            page.keyboard.press("Enter")
            page.get_by_text("Waiting for a moderator").wait_for()
            assert axe(page) == [], ("queue", scheme, locale)
            if locale == "ar":
                assert page.evaluate("[document.documentElement.lang, document.dir]") == [
                    "ar", "rtl"]
                page.get_by_role("button", name="موافقة").first.wait_for()
        finally:
            context.close()


def test_the_review_page_dates_follow_its_language(browser, live_server, actions, site):
    """Intl.RelativeTimeFormat for the age, Intl.DateTimeFormat (no seconds) for the date."""
    from playwright.sync_api import expect
    actions.post(article="story", name="Held", body="Waiting for a moderator")
    for locale, relative, js_note in (("fr-FR", r"^(il y a \d+ (seconde|minute)s?|maintenant)$",
                                       "Commentaire"),
                                      ("ja", r"^(\d+ (秒|分)前|今)$", "コメント")):
        context = browser.new_context(locale=locale, timezone_id="Europe/Paris")
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/moderate/")
            page.fill("#token", site)
            page.keyboard.press("Enter")
            when = page.locator(".card time").first
            when.wait_for()
            text = when.inner_text()
            assert re.match(relative, text), (locale, text)
            title = when.get_attribute("title") or ""
            # the server's date ("… 22:24 UTC") until review.js has written the browser's own
            assert re.search(r"\d{1,2}:\d{2}( UTC)?$", title)
            assert not re.search(r":\d{2}:\d{2}", title)
            page.locator(".card .body").first.click()
            page.keyboard.press("x")
            expect(page.locator("#notice")).to_have_text(re.compile("^" + js_note))
        finally:
            context.close()
