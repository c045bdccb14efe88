"""The widget's files and the server-rendered embed page (no JavaScript needed)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from .threads_data import recorded_statements

STATIC = Path(__file__).resolve().parents[1] / "src" / "commentsvc" / "static"
ORIGIN = "https://blog.example"
XSS_NAME = '<img src=x onerror=alert(1)>"\'&'
XSS_URL = 'https://evil.example/"><img/src=x/onerror=alert(2)>'
XSS_BODY = "<script>alert(3)</script> <img src=x onerror=alert(4)> [x](javascript:alert(5))"


def approved(actions, token, **fields):
    posted = actions.post(**fields)
    assert posted.status_code == 202, posted.get_json()
    assert actions.moderate(token, posted.get_json()["id"], status="approved").status_code == 200
    return posted.get_json()["id"]


@pytest.mark.parametrize(("path", "mimetype"), [
    ("/embed.js", "text/javascript"),
    ("/embed.css", "text/css"),
])
def test_widget_files_are_served_cacheable_and_without_cookies(client, path, mimetype):
    response = client.get(path)
    response.close()
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    again.close()
    assert again.status_code == 304


def test_widget_script_is_small_plain_and_sets_no_cookies(client):
    source = (STATIC / "embed.js").read_text()
    sent = client.get("/embed.js", headers={"Accept-Encoding": "gzip"})
    assert sent.headers["Content-Encoding"] == "gzip"
    assert len(sent.data) < 10 * 1024  # reports, staff badges and notifications added 0.7 kB
    served = gzip.decompress(sent.data).decode()
    assert "tpl.innerHTML = c.body_html;" in served and "var BUILD = {" in served
    assert "document.cookie" not in source
    assert "import " not in source and "require(" not in source  # no dependencies
    # innerHTML appears once, on a template element, for the server-sanitised body only.
    assert re.findall(r"\w+\.innerHTML", source) == ["tpl.innerHTML"]
    assert "tpl.innerHTML = c.body_html" in source


def test_embed_page_renders_the_thread_and_the_leave_a_reply_form(actions, client):
    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo")
    approved(actions, token, name="Ana", body="First!", url="https://ana.example")
    actions.post(name="Bo", email="bo@example.org", body="Held back")  # pending: not shown
    response = client.get("/embed/demo/hello-world")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "First!" in html and "Held back" not in html and "ana@example.org" not in html
    link = ('<a href="https://ana.example" rel="nofollow ugc noopener" target="_blank">'
            '<bdi>Ana</bdi></a>')
    assert link in html
    for text in ("Leave a Reply",
                 '<label for="commentsvc-body">Comment</label>',
                 'Name <span class="commentsvc-required">*</span>',
                 'Email <span class="commentsvc-required">*</span>', ">Website</label>",
                 "Your email address will not be published.", "Required fields are marked",
                 "Post Comment", 'action="/api/v1/sites/demo/articles/hello-world/comments"',
                 'name="return_to" value="http://localhost/embed/demo/hello-world?posted=1"'):
        assert text in html, text
    honeypot = re.search(r'<p class="commentsvc-hp" hidden aria-hidden="true">.*?</p>', html, re.S)
    assert honeypot and 'name="fax"' in honeypot[0]
    assert 'tabindex="-1"' in honeypot[0] and 'autocomplete="off"' in honeypot[0]
    token_value = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token_value and len(token_value[1]) > 20


def test_embed_page_may_be_framed_by_the_sites_origins_only(actions, client):
    actions.site("demo", ORIGIN, "http://localhost:8080")
    response = client.get("/embed/demo/hello-world")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    ancestors = directives["frame-ancestors"].split()
    assert ancestors[0] == "'self'" and sorted(ancestors[1:]) == ["http://localhost:8080", ORIGIN]
    assert directives["default-src"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert "no-store" in response.headers["Cache-Control"]  # the form token is per page


def test_embed_page_escapes_names_and_urls_and_keeps_only_sanitised_bodies(actions, client):
    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo")
    approved(actions, token, name=XSS_NAME, url=XSS_URL, body=XSS_BODY)
    html = client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert "<img src=x" not in html and "<img/src" not in html and "<script>alert" not in html
    assert "href=\"javascript" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;" in html
    assert 'href="https://evil.example/&#34;&gt;&lt;img/src=x/onerror=alert(2)&gt;"' in html


def test_embed_page_links_only_http_author_urls(actions, client, app):
    """An imported comment may carry any url: only http(s) ones become links."""
    from commentsvc.extensions import db
    from commentsvc.models import Comment

    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo")
    comment_id = approved(actions, token, name="Imported", url="https://fine.example")
    with app.app_context():
        db.session.get(Comment, comment_id).author_url = "javascript:alert(7)"
        db.session.commit()
    html = client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert "Imported" in html and "javascript:" not in html


def test_reply_link_moves_the_form_under_the_comment_without_javascript(actions, client):
    # return_to is this page's own URL: here the service's origin is one of the site's.
    actions.site("demo", ORIGIN, "http://localhost")
    token = actions.moderator("mod", "demo")
    first = approved(actions, token, name="Ana", body="Top")
    html = client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert f'href="?replytocom={first}#respond" aria-label="Reply to Ana"' in html
    replying = client.get(f"/embed/demo/hello-world?replytocom={first}").get_data(as_text=True)
    comment_at = replying.index(f'id="comment-{first}"')
    assert comment_at < replying.index('id="respond"')
    assert "Reply to Ana" in replying and ">Cancel reply</a>" in replying
    assert f'name="parent_id" value="{first}"' in replying
    form = replying[replying.index("<form"):replying.index("</form>")]
    posted = client.post(re.search(r'action="([^"]+)"', form)[1], data={
        **dict(re.findall(r'name="(return_to|parent_id|form_token)" value="([^"]*)"', form)),
        "name": "Bo", "email": "bo@example.org", "body": "A reply"})
    assert posted.status_code == 303
    assert posted.headers["Location"].endswith("/embed/demo/hello-world?posted=1#comment-pending")
    reply_id = actions.queue(token).get_json()["items"][0]["id"]
    assert actions.moderate(token, reply_id, status="approved").status_code == 200
    html = client.get("/embed/demo/hello-world").get_data(as_text=True)
    nested = re.search(rf'id="comment-{first}".*?<ol class="commentsvc-children">\s*'
                       rf'<li id="comment-{reply_id}"', html, re.S)
    assert nested, html


@pytest.mark.parametrize(("query", "moderation", "shown"), [
    ("", "all", False),                # not back from a post: the notice waits for :target
    ("?posted=1", "all", True),        # every comment is held here: say so without a fragment
    ("?posted=1", "none", False),      # may have been published: only #comment-pending says so
])
def test_pending_notice_after_a_form_post(actions, client, query, moderation, shown):
    actions.site("demo", ORIGIN, moderation=moderation)
    html = client.get(f"/embed/demo/hello-world{query}").get_data(as_text=True)
    notice = re.search(r'<p id="comment-pending" class="([^"]+)"[^>]*>([^<]+)</p>', html)
    assert notice and notice[2] == "Your comment is awaiting moderation."
    assert ("commentsvc-when-target" not in notice[1]) is shown


def test_embed_page_for_an_article_key_with_slashes(actions, client):
    actions.site("demo", ORIGIN)
    key = "/2021/10/08/some-title/"
    response = client.get(f"/embed/demo/{quote(key, safe='')}")
    assert response.status_code == 200
    assert (f'action="/api/v1/sites/demo/articles/{key}/comments"'
            in response.get_data(as_text=True))


def test_closed_article_shows_no_form(actions, client):
    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo", admin=True)
    approved(actions, token, body="Before closing")
    closed = client.patch("/api/v1/moderation/sites/demo/articles/hello-world",
                          json={"comments_open": False},
                          headers={"Authorization": f"Bearer {token}"})
    if closed.status_code == 404 or closed.status_code == 405:
        pytest.skip("closing an article over the API is not built on this branch yet")
    html = client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert "Comments are closed." in html and "<form" not in html and "replytocom" not in html


@pytest.mark.parametrize(("path", "status"), [
    ("/embed/nowhere/hello-world", 404),
    ("/embed/demo/" + "a" * 513, 400),
])
def test_embed_page_errors_are_html_pages(actions, client, path, status):
    actions.site("demo", ORIGIN)
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"


@pytest.fixture
def live_demo(live_server, actions):
    result = actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    assert result.exit_code == 0, result.output
    return actions.moderator("mod", "demo")


@pytest.mark.browser
def test_embed_page_posts_and_replies_with_javascript_off(browser, live_server, actions,
                                                          live_demo):
    first = actions.post(name="Ana", body="Top comment").get_json()["id"]
    actions.moderate(live_demo, first, status="approved")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/embed/demo/hello-world")
    page.get_by_role("link", name="Reply to Ana").click()
    page.wait_for_url("**?replytocom=*")
    assert page.locator(f"#comment-{first} form").count() == 1
    page.get_by_label("Comment", exact=True).fill("Replying without JavaScript")
    page.get_by_label("Name *", exact=True).fill("Bo")
    page.get_by_label("Email *", exact=True).fill("bo@example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**/embed/demo/hello-world?posted=1#comment-pending")
    assert page.get_by_text("Your comment is awaiting moderation.").is_visible()
    reply = actions.queue(live_demo).get_json()["items"][0]["id"]
    actions.moderate(live_demo, reply, status="approved")
    page.reload()
    nested = page.locator(f"#comment-{first} > .commentsvc-children > #comment-{reply}")
    assert nested.get_by_text("Replying without JavaScript").is_visible()
    assert context.cookies() == []
    context.close()


@pytest.mark.browser
def test_xss_payloads_execute_nothing_on_the_embed_page(browser, live_server, actions,
                                                        live_demo):
    stored = actions.post(name=XSS_NAME, url=XSS_URL, body=XSS_BODY).get_json()["id"]
    actions.moderate(live_demo, stored, status="approved")
    context = browser.new_context()  # JavaScript on: anything injected would run
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/embed/demo/hello-world")
    link = page.locator(f"#comment-{stored} .commentsvc-author a")
    assert link.inner_text() == XSS_NAME and link.get_attribute("href") == XSS_URL
    page.wait_for_timeout(300)
    assert page.locator("img[src=x], script:not([src*='/frame.js'])").count() == 0
    assert dialogs == []
    context.close()


@pytest.fixture
def article_host(live_server):
    """A site's article page on another origin (its own loopback server) framing the embed page."""
    import http.server
    import threading

    page = (f'<h1>Article</h1><iframe src="{live_server.url}/embed/demo/hello-world" '
            'title="Comments" style="width:100%;height:40rem"></iframe>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("allowed", [True, False])
def test_embed_page_is_framed_only_by_the_sites_origins(browser, live_server, actions, live_demo,
                                                        article_host, allowed):
    if allowed:
        actions.site("demo", article_host)
    context = browser.new_context()
    page = context.new_page()
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(f"{article_host}/article")
    heading = page.frame_locator("iframe[title=Comments]").get_by_role("heading",
                                                                       name="Leave a Reply")
    if allowed:
        heading.wait_for()
        assert refusals == []
    else:
        page.wait_for_timeout(500)
        assert heading.count() == 0
        assert refusals and "frame-ancestors" in refusals[0]
    context.close()


def test_report_form_without_javascript_speaks_the_readers_language(actions, client):
    actions.site("demo", ORIGIN, "http://localhost")
    token = actions.moderator("mod", "demo")
    first = approved(actions, token, name="Ana", body="Top")
    html = client.get("/embed/demo/hello-world?lang=de").get_data(as_text=True)
    assert (f'href="?report={first}&amp;lang=de#comment-{first}" '
            'aria-label="Kommentar von Ana melden">Melden</a>') in html
    html = client.get(f"/embed/demo/hello-world?report={first}&lang=de").get_data(as_text=True)
    form = html[html.index('class="commentsvc-report-form"'):]
    form = form[:form.index("</form>")]
    for text in ("Grund", "Beleidigung oder Belästigung", "Themenfremd",
                 "Hinweis für die Moderation", "Meldung senden", "Abbrechen"):
        assert text in form, text
    assert "Report" not in form and "Reason" not in form
    return_to = re.search(r'name="return_to" value="([^"]*)"', form)[1]
    posted = client.post(re.search(r'action="([^"]+)"', form)[1],
                         data={"reason": "spam", "return_to": return_to})
    assert posted.status_code == 303
    assert posted.headers["Location"].endswith(f"/embed/demo/hello-world?lang=de#comment-{first}")


def test_the_no_javascript_page_reads_the_site_once(app, actions, client):
    actions.site("demo", moderation="none")
    actions.post()
    with recorded_statements(app) as statements:
        page = client.get("/embed/demo/hello-world")
        assert page.status_code == 200 and b"Hello there" in page.data
    sites_read = [s for s in statements if re.search(r"\bFROM sites\b", s)]
    # the thread head (site + article): the reader-mail box is decided from it too
    assert len(sites_read) == 1, sites_read
    assert len(statements) == 2, statements  # the head, then the comments
