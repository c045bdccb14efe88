"""The widget (/embed.js) on the demo article page, in headless Chromium."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

XSS_NAME = '<img src=x onerror=alert(1)>"\'&'
XSS_URL = 'https://evil.example/"><img/src=x/onerror=alert(2)>'
XSS_BODY = "<script>alert(3)</script> <img src=x onerror=alert(4)> [x](javascript:alert(5))"


@pytest.fixture
def demo(live_server, actions):
    """The demo site, whose origins include the live server's; returns a moderator token."""
    result = actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    assert result.exit_code == 0, result.output
    return actions.moderator("mod", "demo")


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def open_demo(context, live_server, dialogs=None):
    page = context.new_page()
    if dialogs is not None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/demo/")
    page.locator("#commentsvc form").wait_for()
    page.wait_for_load_state("networkidle")
    return page


def fill(page, body="Lovely to see the lights back.", name="Ana", email="ana@example.org",
         url=""):
    page.get_by_label("Comment", exact=True).fill(body)
    page.get_by_label("Name *", exact=True).fill(name)
    page.get_by_label("Email *", exact=True).fill(email)
    page.get_by_label("Website", exact=True).fill(url)


def approve_latest(actions, token):
    item = actions.queue(token).get_json()["items"][0]
    assert actions.moderate(token, item["id"], status="approved").status_code == 200
    return item["id"]


def test_reader_posts_sees_pending_then_the_approved_comment(browser, context, live_server,
                                                             actions, demo):
    requests: list[str] = []
    posts: list[dict] = []
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("request", lambda r: posts.append(r.post_data_json) if r.method == "POST" else None)
    page.goto(f"{live_server.url}/demo/")
    page.locator("#commentsvc form").wait_for()
    assert page.get_by_role("heading", name="Leave a Reply").is_visible()
    assert page.get_by_text("Your email address will not be published. Required fields are "
                            "marked *").is_visible()
    fill(page)
    page.get_by_role("button", name="Post Comment").click()
    notice = page.locator(".commentsvc-notice")
    notice.get_by_text("Your comment is awaiting moderation.").wait_for()
    assert notice.get_attribute("role") == "status"
    assert notice.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.activeElement.className") == "commentsvc-notice"
    own = page.locator(".commentsvc-pending")
    assert "Lovely to see the lights back." in own.inner_text()
    assert page.get_by_label("Comment", exact=True).input_value() == ""

    # Another reader does not see it; this reader still does after a reload.
    other = browser.new_context()
    stranger = open_demo(other, live_server)
    assert stranger.locator(".commentsvc-comment").count() == 0
    other.close()
    page.reload()
    page.locator(".commentsvc-pending").wait_for()

    comment_id = approve_latest(actions, demo)
    page.reload()
    approved = page.locator(f"#comment-{comment_id}")
    approved.wait_for()
    assert "commentsvc-pending" not in (approved.get_attribute("class") or "")
    assert page.get_by_role("heading", name=re.compile("1 thought on “Harbour lights")).is_visible()
    assert context.cookies() == []
    assert requests and all(u.startswith(live_server.url) for u in requests)
    # The form token came from the form endpoint, for this article; a new one after posting.
    from commentsvc.spam import formtoken

    with actions.app.test_request_context():
        assert formtoken.read(posts[0]["form_token"], "demo", "hello-world") is not None
    assert posts[0]["fax"] == ""
    assert sum(u.endswith("/articles/hello-world/form") for u in requests) == 4  # 3 loads, 1 post


def test_reply_moves_the_form_and_lands_nested(context, live_server, actions, demo):
    first = actions.post(name="Ana", body="Top comment").get_json()["id"]
    actions.moderate(demo, first, status="approved")
    page = open_demo(context, live_server)
    top = page.locator(f"#comment-{first}")
    top.get_by_role("button", name="Reply to Ana").click()
    assert top.locator("form").count() == 1  # the form moved under the comment
    assert page.get_by_role("heading", name="Reply to Ana").is_visible()
    assert page.evaluate("document.activeElement.name") == "body"
    page.get_by_role("button", name="Cancel reply").click()
    assert top.locator("form").count() == 0
    assert page.get_by_role("heading", name="Leave a Reply").is_visible()
    assert page.evaluate("document.activeElement.textContent") == "Reply"

    top.get_by_role("button", name="Reply to Ana").click()
    fill(page, body="A reply to you", name="Bo", email="bo@example.org")
    page.get_by_role("button", name="Post Comment").click()
    top.locator(".commentsvc-children .commentsvc-pending").wait_for()  # shown nested at once
    assert top.locator("form").count() == 0  # the form went home
    reply = approve_latest(actions, demo)
    assert actions.thread().get_json()["comments"][0]["replies"][0]["id"] == reply
    page.reload()
    page.locator(f"#comment-{first} > .commentsvc-children > #comment-{reply}").wait_for()


def test_xss_payloads_execute_nothing_in_the_widget(context, live_server, actions, demo):
    stored = actions.post(name=XSS_NAME, url=XSS_URL, body=XSS_BODY).get_json()["id"]
    actions.moderate(demo, stored, status="approved")
    dialogs: list[str] = []
    page = open_demo(context, live_server, dialogs)
    shown = page.locator(f"#comment-{stored}")
    link = shown.locator(".commentsvc-author a")
    assert link.inner_text() == XSS_NAME
    assert link.get_attribute("href") == XSS_URL
    assert link.get_attribute("rel") == "nofollow ugc noopener"
    assert "<script>alert(3)</script>" in shown.locator(".commentsvc-content").inner_text()
    # The reader's own pending comment is drawn from the answer: the same rules apply.
    fill(page, body=XSS_BODY + " again", name=XSS_NAME, url=XSS_URL)
    page.get_by_role("button", name="Post Comment").click()
    page.locator(".commentsvc-pending").wait_for()
    assert page.locator(".commentsvc-pending .commentsvc-author").inner_text() == XSS_NAME
    page.wait_for_timeout(300)  # let any injected onerror handler fire, if one existed
    assert page.locator("img[src=x], #commentsvc script").count() == 0
    assert dialogs == []


def test_only_http_author_urls_become_links(context, live_server, actions, demo, app):
    from commentsvc.extensions import db
    from commentsvc.models import Comment

    stored = actions.post(name="Imported", url="https://fine.example").get_json()["id"]
    actions.moderate(demo, stored, status="approved")
    with app.app_context():  # as an import from another system might have stored it
        db.session.get(Comment, stored).author_url = "javascript:alert(7)"
        db.session.commit()
    page = open_demo(context, live_server)
    author = page.locator(f"#comment-{stored} .commentsvc-author")
    assert author.inner_text() == "Imported"
    assert author.locator("a").count() == 0


def test_honeypot_is_hidden_from_people_and_screen_readers(context, live_server, demo):
    page = open_demo(context, live_server)
    fax = page.locator("input[name=fax]")
    assert fax.get_attribute("tabindex") == "-1"
    assert fax.get_attribute("autocomplete") == "off"
    assert page.locator(".commentsvc-hp").get_attribute("aria-hidden") == "true"
    assert page.locator(".commentsvc-hp").get_attribute("hidden") == ""
    box = fax.bounding_box()
    assert box is None or box["x"] + box["width"] < 0  # off-screen
    assert page.get_by_role("textbox", name=re.compile("Fax")).count() == 0
    assert page.locator("input[name=form_token], [name=return_to]").count() == 0  # JSON posts


def test_remember_me_checked_prefills_on_reload(context, live_server, demo):
    page = open_demo(context, live_server)
    fill(page, name="Ana", email="ana@example.org", url="https://ana.example")
    page.get_by_label("Save my name, email, and website in this browser for the next time I "
                      "comment.").check()
    page.get_by_role("button", name="Post Comment").click()
    page.locator(".commentsvc-pending").wait_for()
    page.reload()
    page.locator("#commentsvc form").wait_for()
    assert page.get_by_label("Name *", exact=True).input_value() == "Ana"
    assert page.get_by_label("Email *", exact=True).input_value() == "ana@example.org"
    assert page.get_by_label("Website", exact=True).input_value() == "https://ana.example"
    assert page.get_by_label("Save my name", exact=False).is_checked()


def test_remember_me_unchecked_stores_nothing_and_forgets(context, live_server, demo):
    page = open_demo(context, live_server)
    page.evaluate("localStorage.setItem('commentsvc.author', "
                  "JSON.stringify({name: 'Old', email: 'old@example.org', url: ''}))")
    page.reload()
    page.locator("#commentsvc form").wait_for()
    assert page.get_by_label("Name *", exact=True).input_value() == "Old"
    page.get_by_label("Save my name", exact=False).uncheck()
    fill(page, name="Ana", email="ana@example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.locator(".commentsvc-pending").wait_for()
    assert page.evaluate("localStorage.getItem('commentsvc.author')") is None
    page.reload()
    page.locator("#commentsvc form").wait_for()
    assert page.get_by_label("Name *", exact=True).input_value() == ""
    assert page.get_by_label("Email *", exact=True).input_value() == ""
    assert not page.get_by_label("Save my name", exact=False).is_checked()


def test_validation_errors_are_shown_next_to_each_field(context, live_server, demo):
    page = open_demo(context, live_server)
    fill(page, body="  ", name="Ana", email="not-an-address", url="ftp://x.example")
    page.get_by_role("button", name="Post Comment").click()
    email = page.get_by_label("Email *", exact=True)
    page.locator("#commentsvc-email-error:not(:empty)").wait_for()
    assert email.get_attribute("aria-invalid") == "true"
    assert page.locator("#commentsvc-url-error").inner_text() != ""
    assert page.locator("#commentsvc-body-error").inner_text().startswith("Comment: ")
    assert page.locator("#commentsvc-name-error").inner_text() == ""
    assert page.evaluate("document.activeElement.name") == "body"  # the first bad field
    assert page.get_by_label("Name *", exact=True).input_value() == "Ana"  # input kept


def test_duplicate_is_shown_as_a_notice(context, live_server, demo):
    page = open_demo(context, live_server)
    for _ in range(2):
        fill(page, body="Same words twice")
        page.get_by_role("button", name="Post Comment").click()
        page.locator(".commentsvc-notice:not(:empty)").wait_for()
    notice = page.locator(".commentsvc-notice")
    assert notice.inner_text() == "You already posted this comment here."
    assert notice.get_attribute("role") == "alert"
    assert page.locator(".commentsvc-pending").count() == 1


def test_own_comment_offers_edit_and_withdraw_only_within_the_window(context, live_server, demo):
    page = open_demo(context, live_server)
    fill(page, body="Mine to change")
    page.get_by_role("button", name="Post Comment").click()
    own = page.locator(".commentsvc-pending")
    own.get_by_role("button", name="Edit").wait_for()
    assert own.get_by_role("button", name="Withdraw").is_visible()
    comment_id = own.get_attribute("id").split("-")[1]
    key = f"commentsvc.edit.{comment_id}"
    entry = page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    assert entry["token"] and entry["expires"] > "2000"
    page.evaluate(f"""() => {{
        const entry = JSON.parse(localStorage.getItem('{key}'));
        entry.expires = new Date(Date.now() - 1000).toISOString();
        localStorage.setItem('{key}', JSON.stringify(entry));
    }}""")
    page.reload()
    page.locator("#commentsvc form").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator(".commentsvc-pending").count() == 0  # the window passed
    assert page.get_by_role("button", name="Edit").count() == 0
    assert page.evaluate(f"localStorage.getItem('{key}')") is None


def test_a_site_page_pages_through_comments_and_overrides_the_colours(context, live_server,
                                                                       actions, demo):
    article = "/2021/10/08/some-title/"
    for n in range(3):
        posted = actions.post(article=article, body=f"Comment number {n}",
                              email=f"reader{n}@example.org").get_json()["id"]
        actions.moderate(demo, posted, status="approved")
    page = context.new_page()
    host = f"{live_server.url}/2021/10/08/some-title/"  # the site's own article page
    page.route(host, lambda route: route.fulfill(content_type="text/html", body=(
        '<style>#commentsvc { --commentsvc-accent: rgb(1, 2, 3); }</style>'
        f'<div id="commentsvc" data-site="demo" data-article="{article}" data-per-page="2"></div>'
        f'<script src="{live_server.url}/embed.js" async></script>')))
    page.goto(host)
    page.locator(".commentsvc-comment").first.wait_for()
    assert page.locator(".commentsvc-comment").count() == 2
    assert page.get_by_role("heading", name="3 Comments").is_visible()
    page.get_by_role("button", name="Show more comments").click()
    page.get_by_text("Comment number 2").wait_for()
    assert page.get_by_role("button", name="Show more comments").is_hidden()
    button = page.get_by_role("button", name="Post Comment")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(1, 2, 3)"
