"""The widget on a third-party site in Chromium: no layout shift, requests, count.js,
data-lazy, frame.js and keyboard paths."""

from __future__ import annotations

import pytest

from . import widget_host
from .widget_host import CLS_OBSERVER, open_widget, thread

# What these tests check happens in the browser; the database paths behind it run on both
# databases in the API tests, so these run once, on SQLite, to keep CI short.
pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_uri", ["sqlite"], indirect=True)]
host, site = widget_host.host, widget_host.site  # the fixtures: the host page, the demo site


SENT_MAX = {"embed.js": 10_000, "embed.css": 2_500, "count.js": 2_000, ".json": 2_000}


def sent_sizes(page, into: dict[str, int]) -> None:
    """Record each asset's size on the wire (gzipped, as the browser took it)."""

    def seen(response) -> None:
        name = response.url.split("?")[0].rsplit("/", 1)[-1]
        kind = next((k for k in SENT_MAX if name.endswith(k)), None)
        if kind and response.status == 200:
            assert response.headers.get("content-encoding") == "gzip", name
            into[kind] = int(response.headers["content-length"])

    page.on("response", seen)


def cls_of_visits(browser, url: str, comments: int, visits: int = 2,
                  sizes: dict[str, int] | None = None) -> tuple[list[float], list[list[str]]]:
    """CLS (PerformanceObserver) and the requests of a cold visit and then warm ones."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    scores, requested = [], []
    try:
        for _visit in range(visits):
            requests: list[str] = []
            page = context.new_page()
            page.on("request", lambda r, seen=requests: seen.append(r.url))
            sent_sizes(page, sizes if sizes is not None else {})
            page.add_init_script(CLS_OBSERVER)
            page.goto(url)
            page.locator(".commentsvc-comment").nth(comments - 1).wait_for()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            scores.append(page.evaluate("window.__cls"))
            requested.append(requests)
            fax = page.locator("input[name=fax]")
            assert not fax.is_visible() and fax.get_attribute("tabindex") == "-1"
            page.close()
    finally:
        context.close()
    return scores, requested


def test_no_layout_shift_cold_and_warm_and_one_request_per_kind(browser, live_server, actions,
                                                                 site, host):
    thread(actions, site, 12)
    url = host.page("/stable", live_server.url, attrs='data-title="Lights on the harbour"')
    sizes: dict[str, int] = {}
    scores, requested = cls_of_visits(browser, url, 12, sizes=sizes)
    assert set(sizes) == {"embed.js", "embed.css"}
    assert all(size <= SENT_MAX[kind] for kind, size in sizes.items()), sizes
    for visit, requests in zip(("cold", "warm"), requested, strict=True):
        service = [u for u in requests if u.startswith(live_server.url)]
        assert not any("/avatars/" in u for u in service)  # drawn in the page
        assert sum("/comments?" in u for u in service) == 1
        if visit == "cold":
            assert len(service) <= 4, service  # embed.js, embed.css, thread, form token
    assert scores[0] < 0.05 and scores[1] < 0.05, scores


def test_without_the_snippets_min_height_the_widget_reserves_its_space(browser, live_server,
                                                                       actions, site, host):
    """High on the page (223 px down a 1280x800 window, the text below in view), the widget
    takes the space to the window's bottom at once: what follows leaves the view in one step
    (about 0.19 when that comes after the first paint: its share of the view times the
    distance) and never moves in view again (it was 0.39: two steps, the second the whole
    thread's height). Below the fold nothing in view moves."""
    thread(actions, site, 12)
    scores, _ = cls_of_visits(browser, host.page("/unreserved", live_server.url, reserve=False),
                              12)
    assert scores[0] < 0.2 and scores[1] < 0.2, scores
    further = host.page("/unreserved-below", live_server.url, reserve=False,
                        extra="<p>And now, the weather.</p>" * 30)
    scores, _ = cls_of_visits(browser, further, 12)
    assert scores == [0, 0], scores


def test_a_short_thread_reserves_the_height_it_had_last_time(browser, live_server, actions, site,
                                                             host):
    thread(actions, site, 1)
    url = host.page("/short", live_server.url, reserve=False)
    context = browser.new_context(viewport={"width": 1280, "height": 2000})
    try:
        first = open_widget(context, url)
        first.locator(".commentsvc-comment").wait_for()
        natural = first.evaluate("""() => { const r = document.getElementById('commentsvc');
            return Math.ceil(r.lastElementChild.getBoundingClientRect().bottom
                             - r.getBoundingClientRect().top); }""")
        cold = first.evaluate("document.getElementById('commentsvc').style.minHeight")
        assert int(cold.removesuffix("px")) > natural  # to the window's bottom: a gap, no shift
        first.close()
        again = context.new_page()
        again.route("**/comments?*", lambda route: None)  # the thread never comes: the space is
        again.goto(url)                                      # reserved before it, from memory
        again.wait_for_function("document.getElementById('commentsvc').style.minHeight !== ''")
        assert again.evaluate("document.getElementById('commentsvc').style.minHeight") == \
            f"{natural}px"
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
        sizes: dict[str, int] = {}
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        sent_sizes(page, sizes)
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('[lang=pl][data-commentsvc-count]')"
                               ".length === 4")
        texts = page.locator("[data-commentsvc-count]").all_inner_texts()
        assert texts == ["Dodaj komentarz", "1 komentarz", "5 komentarzy", "5 komentarzy"]
        assert sum("/counts?" in u for u in requests) == 1
        assert set(sizes) == {"count.js", ".json"}  # the script and the Polish strings
        assert all(size <= SENT_MAX[kind] for kind, size in sizes.items()), sizes
    finally:
        context.close()


@pytest.mark.parametrize(("articles", "asked"), [(150, 1), (250, 2)])
def test_a_front_page_asks_once_per_site_up_to_the_apis_200_articles(
        browser, live_server, actions, site, host, articles, asked):
    thread(actions, site, 2, article="story-7")
    links = "".join(f'<span data-commentsvc-count data-site="demo" data-article="story-{i}">'
                    f'</span>' for i in range(articles))
    url = host.page("/many", live_server.url, widget=False,
                    extra=f'{links}<script src="{live_server.url}/count.js" async></script>')
    context = browser.new_context()
    try:
        requests: list[str] = []
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.wait_for_function(f"[...document.querySelectorAll('[data-commentsvc-count]')]"
                               f".filter(n => n.textContent).length === {articles}")
        assert page.locator("[data-commentsvc-count]").nth(7).inner_text() == "2 Comments"
        assert page.locator("[data-commentsvc-count]").nth(articles - 1).inner_text() \
            == "Leave a Comment"
        assert sum("/counts?" in u for u in requests) == asked
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


def test_post_edit_and_withdraw_with_the_keyboard_only(browser, live_server, site, host):
    context = browser.new_context()
    try:
        page = open_widget(context, host.page("/keys", live_server.url))
        page.get_by_label("Comment", exact=True).focus()
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
