"""Submitting: JSON answers, plain HTML form posts (303, return_to), and their error pages."""

from __future__ import annotations

import re
import socket
import typing as t
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from commentsvc.extensions import db
from commentsvc.models import Article, Comment, ModerationEvent

URL = "/api/v1/sites/demo/articles/hello-world/comments"
ORIGIN = "https://blog.example"
RETURN_TO = f"{ORIGIN}/2026/11/hello-world/"
GOOD = {"name": "Ana", "email": "ana@example.org", "body": "Hello there"}


def post_form(client: t.Any, fields: dict[str, t.Any], url: str = URL, **kw: t.Any) -> t.Any:
    return client.post(url, data=urlencode(fields).encode(),
                       content_type="application/x-www-form-urlencoded", **kw)


class FormReader(HTMLParser):
    """The first form of a page: its action and the value of each named field."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input" and a.get("name") and a.get("type") != "submit":
            self.values[a["name"] or ""] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.values[self._textarea or ""] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


@pytest.fixture
def blog(actions: t.Any) -> t.Any:
    actions.site("demo", ORIGIN, "http://localhost:8080")
    return actions


def test_json_submission_is_202_pending_with_public_shape_and_edit_token(blog):
    response = blog.post()
    assert response.status_code == 202
    body = response.json
    assert body["status"] == "pending"
    assert set(body) == {"id", "status", "comment", "edit_token", "edit_expires_at"}
    assert body["comment"]["author"] == {"name": "Ana", "url": None,
                                         "avatar": body["comment"]["author"]["avatar"]}
    assert len(body["edit_token"]) >= 32


def test_json_submission_is_201_when_the_site_publishes_at_once(actions):
    actions.site("demo", moderation="none")
    response = actions.post()
    assert response.status_code == 201
    assert response.json["status"] == "approved"
    assert actions.thread().json["count"] == 1


def test_a_submission_stores_its_audit_event_and_counts_only_a_published_comment(actions):
    actions.site("demo", moderation="none")
    published = actions.post(body="Lovely *harbour*", email="ana@example.org",
                             article_title="The harbour").json  # the article's first write
    held = actions.post(body="Lovely *harbour*", email="bo@example.org").json  # a copy: held
    assert (published["status"], held["status"]) == ("approved", "pending")
    with actions.app.app_context():
        article = db.session.scalars(select(Article)).one()
        assert (article.approved_count, article.version) == (1, 2)  # the held one: no change
        assert article.title == "The harbour"  # flushed with the commit, beside the counters
        assert actions.thread().json["count"] == 1
        events = db.session.execute(select(
            ModerationEvent.comment_id, ModerationEvent.actor, ModerationEvent.action,
            ModerationEvent.to_status, ModerationEvent.reason).order_by(ModerationEvent.id)).all()
        assert [tuple(e) for e in events] == [
            (published["id"], "author", "submit", "approved", "no form token"),
            (held["id"], "author", "submit", "pending",
             "no form token, repeats the text of another comment here")]
        stored = db.session.get(Comment, published["id"])
        assert stored is not None and stored.body_html == published["comment"]["body_html"]
        assert stored.staff is False and stored.spam_reasons == ["no form token"]
        assert stored.created_at.isoformat().startswith(published["comment"]["created_at"][:19])


def test_form_post_redirects_303_to_return_to_pending(blog):
    response = post_form(blog.client, {**GOOD, "return_to": RETURN_TO})
    assert response.status_code == 303
    assert response.headers["Location"] == RETURN_TO + "#comment-pending"


def test_form_post_published_at_once_names_the_comment(actions):
    actions.site("demo", ORIGIN, moderation="none")
    response = post_form(actions.client, {**GOOD, "return_to": RETURN_TO + "?x=1#respond"})
    assert response.status_code == 303
    [comment] = actions.thread().json["comments"]
    assert response.headers["Location"] == f"{RETURN_TO}?x=1#comment-{comment['id']}"


def test_spam_form_post_is_answered_as_pending(blog):
    response = post_form(blog.client, {**GOOD, "fax": "+1 555 0100", "return_to": RETURN_TO})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#comment-pending")


@pytest.mark.parametrize("return_to", [
    f"{ORIGIN}/",
    f"{ORIGIN}",
    f"{ORIGIN}:443/deep/path?q=1",
    "HTTPS://BLOG.EXAMPLE/upper",
    "http://localhost:8080/x",
    "http://localhost/embed/demo/hello-world",  # the service's own no-JavaScript embed page
])
def test_return_to_under_an_allowed_or_own_origin_is_followed(blog, return_to):
    response = post_form(blog.client, {**GOOD, "return_to": return_to})
    assert response.status_code == 303
    assert response.headers["Location"].lower().startswith(return_to.split("#")[0].lower())


REFUSED_RETURN_TO = [
    ("missing", None),
    ("empty", ""),
    ("relative-path", "/hello-world/"),
    ("scheme-relative", "//evil.example/"),
    ("scheme-relative-allowed-host", "//blog.example/"),
    ("backslashes", "https:\\\\evil.example"),
    ("backslash-path", "https://blog.example\\@evil.example/"),
    ("javascript", "javascript:alert(document.cookie)"),
    ("javascript-mixed-case", "JaVaScRiPt:alert(1)//https://blog.example/"),
    ("data", "data:text/html,<script>alert(1)</script>"),
    ("tab-in-scheme", "java\tscript:alert(1)"),
    ("leading-space", " https://blog.example/"),
    ("newline", "https://blog.example/\nLocation: https://evil.example/"),
    ("suffix-host", "https://blog.example.evil.com/"),
    ("prefix-host", "https://evilblog.example/"),
    ("userinfo-lookalike", "https://blog.example@evil.com/"),
    ("userinfo-on-allowed", "https://user:pw@blog.example/"),
    ("wrong-scheme", "http://blog.example/"),
    ("wrong-port", "https://blog.example:8443/"),
    ("bad-port", "https://blog.example:99999/"),
    ("other-site", "https://evil.example/"),
    ("cyrillic-lookalike", "https://bl\u043eg.example/"),
    ("fullwidth-lookalike", "https://\uff42\uff4c\uff4fg.example/"),
    ("punycode-lookalike", "https://xn--blg-lqa.example/"),
    ("trailing-dot", "https://blog.example./"),
    ("no-slashes", "https:blog.example/"),
    ("triple-slash", "https:///evil.example/"),
    ("broken-ipv6", "https://[::1/"),
    ("ftp", "ftp://blog.example/"),
    ("too-long", f"{ORIGIN}/" + "p" * 2000),
]


@pytest.mark.parametrize("return_to", [c[1] for c in REFUSED_RETURN_TO],
                         ids=[c[0] for c in REFUSED_RETURN_TO])
def test_return_to_outside_the_site_is_400_and_never_followed(blog, return_to):
    fields = {**GOOD} if return_to is None else {**GOOD, "return_to": return_to}
    response = post_form(blog.client, fields)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "evil" not in page and "javascript:" not in page.lower()
    assert "Hello there" in page  # the reader's text is not lost
    assert blog.queue(blog.moderator("mod", "demo")).json["items"] == []


def test_form_on_unknown_site_is_404_page(blog):
    response = post_form(blog.client, {**GOOD, "return_to": RETURN_TO},
                         url="/api/v1/sites/nope/articles/a/comments")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_invalid_form_renders_leave_a_reply_with_errors_and_typed_values(blog):
    typed = {"body": "My <b>long</b> comment\r\nsecond line", "name": "", "email": "ana@blog.test",
             "url": "javascript:alert(1)", "fax": "SECRET-HONEYPOT", "form_token": "tok123",
             "return_to": RETURN_TO}
    response = post_form(blog.client, typed)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for wording in ("Leave a Reply", "Comment", "Name <span class=\"required\">*</span>",
                    "Email <span class=\"required\">*</span>", "Website", "Post Comment",
                    "Your email address will not be published.",
                    "Required fields are marked"):
        assert wording in page
    # each error sits right after its own field
    controls = ['id="comment"', 'id="author"', 'id="email"', 'id="url"', 'id="submit"']
    for field, control, following in (("name", *controls[1:3]), ("email", *controls[2:4]),
                                      ("url", *controls[3:5])):
        assert page.index(control) < page.index(f'id="{field}-error"') < page.index(following)
    assert 'id="body-error"' not in page
    assert "SECRET-HONEYPOT" not in page and 'name="fax"' not in page
    assert "<b>long</b>" not in page  # escaped, not rendered
    form = read_form(page)
    assert form.action == URL
    assert form.values["body"] == "My <b>long</b> comment\r\nsecond line"
    assert form.values["email"] == "ana@blog.test"
    assert form.values["url"] == "javascript:alert(1)"
    assert form.values["name"] == ""
    assert form.values["form_token"] == "tok123"
    assert form.values["return_to"] == RETURN_TO


def test_corrected_form_from_the_error_page_posts_and_redirects(blog):
    page = post_form(blog.client, {**GOOD, "name": " ", "return_to": RETURN_TO})
    assert page.status_code == 422
    form = read_form(page.get_data(as_text=True))
    form.values["name"] = "Ana"
    again = post_form(blog.client, form.values, url=form.action or "")
    assert again.status_code == 303
    assert again.headers["Location"] == RETURN_TO + "#comment-pending"


def test_invalid_json_is_not_answered_with_html(blog):
    response = blog.post(name="")
    assert response.status_code == 422
    assert response.json["fields"] == {"name": "is required"}


@pytest.fixture
def parent_ids(actions: t.Any) -> dict[str, int]:
    actions.site("demo", ORIGIN)
    token = actions.moderator("mod", "demo")
    approved = actions.post(body="approved one").json["id"]
    actions.moderate(token, approved, status="approved")
    pending = actions.post(body="pending one").json["id"]
    other = actions.post(article="other-article", body="elsewhere").json["id"]
    actions.moderate(token, other, status="approved")
    rejected = actions.post(body="rejected one").json["id"]
    actions.moderate(token, rejected, status="rejected")
    return {"approved": approved, "pending": pending, "other": other, "rejected": rejected}


@pytest.mark.parametrize("which, status", [
    ("approved", 202), ("pending", 404), ("other", 404), ("rejected", 404), ("unknown", 404),
    ("huge", 404),
])
def test_parent_must_be_an_approved_comment_of_the_same_article(actions, parent_ids, which,
                                                                 status):
    parent = {"unknown": 987654, "huge": 2**62}.get(which) or parent_ids[which]
    response = actions.post(email="bo@example.org", body="a reply", parent_id=parent)
    assert response.status_code == status
    if status == 404:
        assert response.json["error"] == "not_found"
    form = post_form(actions.client, {**GOOD, "email": "cy@example.org", "body": "form reply",
                                      "parent_id": str(parent), "return_to": RETURN_TO})
    assert form.status_code == (303 if status == 202 else 404)


def test_flood_on_a_form_post_is_429_page_keeping_the_text(app_factory):
    app = app_factory(FLOOD_SECONDS=60)
    client = app.test_client()
    app.test_cli_runner().invoke(args=["site", "add", "demo", "--origin", ORIGIN])
    assert post_form(client, {**GOOD, "return_to": RETURN_TO}).status_code == 303
    second = post_form(client, {**GOOD, "body": "Second thought", "return_to": RETURN_TO})
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0
    assert second.mimetype == "text/html"
    page = second.get_data(as_text=True)
    assert "Slow down" in page and "Second thought" in page
    assert f'href="{RETURN_TO}"' in page


def test_rate_limit_on_a_form_post_is_429_page(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="1 per minute")
    client = app.test_client()
    app.test_cli_runner().invoke(args=["site", "add", "demo", "--origin", ORIGIN])
    assert post_form(client, {**GOOD, "return_to": RETURN_TO}).status_code == 303
    second = post_form(client, {**GOOD, "body": "Rate limited words", "return_to": RETURN_TO})
    assert second.status_code == 429
    assert second.headers["Retry-After"]
    assert second.mimetype == "text/html"
    assert "Rate limited words" in second.get_data(as_text=True)
    as_json = client.post(URL, json=GOOD)
    assert as_json.status_code == 429 and as_json.json["error"] == "rate_limited"


def test_closed_thread_on_a_form_post_is_403_page(blog):
    assert blog.post().status_code == 202
    with blog.app.app_context():
        db.session.execute(update(Article).values(comments_open=False))
        db.session.commit()
    response = post_form(blog.client, {**GOOD, "body": "Too late?", "return_to": RETURN_TO})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Comments are closed" in page and "Too late?" in page
    as_json = blog.post(body="json too late")
    assert as_json.status_code == 403 and as_json.json["error"] == "comments_closed"


def test_an_unknown_site_or_a_closed_thread_is_said_before_any_refused_field(blog):
    """As WordPress: a form on a closed article says it is closed, not that the name is
    missing; a valid submission pays nothing for it (asked only once a field is refused)."""
    empty = {"name": "", "email": "not an address", "body": ""}
    elsewhere = blog.client.post("/api/v1/sites/nope/articles/hello-world/comments", json=empty)
    assert (elsewhere.status_code, elsewhere.json["error"]) == (404, "not_found")
    refused = blog.client.post(URL, json=empty)
    assert refused.status_code == 422 and set(refused.json["fields"]) == {"name", "email", "body"}
    assert blog.post().status_code == 202
    with blog.app.app_context():
        db.session.execute(update(Article).values(comments_open=False))
        db.session.commit()
    closed = blog.client.post(URL, json=empty)
    assert (closed.status_code, closed.json["error"]) == (403, "comments_closed")
    page = post_form(blog.client, {**empty, "return_to": RETURN_TO})
    assert page.status_code == 403 and "Comments are closed" in page.get_data(as_text=True)


def test_duplicate_on_a_form_post_is_409_page(blog):
    assert post_form(blog.client, {**GOOD, "return_to": RETURN_TO}).status_code == 303
    again = post_form(blog.client, {**GOOD, "return_to": RETURN_TO})
    assert again.status_code == 409
    assert again.mimetype == "text/html"


# -- over real HTTP -------------------------------------------------------------------------------

def test_form_flow_over_http_follows_the_redirect_to_the_article(live_server, actions):
    actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    fields = {"body": "Over the wire", "name": "Ana", "email": "ana@example.org",
              "return_to": f"{live_server.url}/embed/demo/hello-world?posted=1"}
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/sites/demo/articles/hello-world/comments",
        data=urlencode(fields).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        assert answer.url.split("#")[0] == f"{live_server.url}/embed/demo/hello-world?posted=1"
        assert "Your comment is awaiting moderation." in answer.read().decode()


def raw_http(base: str, head: bytes, body: bytes = b"", timeout: float = 10) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head + body)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def test_lying_content_length_is_refused_before_the_body_is_read(live_server, actions):
    actions.site("demo", ORIGIN)
    head = (b"POST " + URL.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n"
            b"Connection: close\r\n\r\n")
    answer = raw_http(live_server.url, head, b'{"name": "Ana"}', timeout=5)
    assert answer.startswith(b"HTTP/1.1 413")


def test_big_bodies_over_http_are_413(live_server, actions):
    actions.site("demo", ORIGIN)
    big = b'{"body": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    request = urllib.request.Request(live_server.url + URL, data=big, method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413
    refused.value.close()
    chunked = (b"POST " + URL.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n")
    piece = b"x" * 32768
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(8)) + b"0\r\n\r\n"
    assert raw_http(live_server.url, chunked, body).startswith(b"HTTP/1.1 413")


def test_the_form_page_action_survives_a_percent_encoded_article_key(blog):
    url = "/api/v1/sites/demo/articles/%2F2021%2F10%2Ftitle%2F/comments"
    page = post_form(blog.client, {**GOOD, "name": "", "return_to": RETURN_TO}, url=url)
    assert page.status_code == 422
    action = read_form(page.get_data(as_text=True)).action or ""
    assert re.fullmatch(r"/api/v1/sites/demo/articles/.+/comments", action)
    again = post_form(blog.client, {**GOOD, "return_to": RETURN_TO}, url=action)
    assert again.status_code == 303
    with blog.app.app_context():
        assert db.session.scalar(db.select(Article.key)) == "/2021/10/title/"


@pytest.mark.postgres
@pytest.mark.slow
def test_body_limits_hold_over_gunicorn(database_uri, app_factory):
    import os

    from .servers import commentsvc, gunicorn

    if not database_uri.startswith("postgresql"):
        pytest.skip("gunicorn runs on PostgreSQL here")
    app_factory()  # the tables are emptied after the test
    env = {**os.environ, "COMMENTSVC_SQLALCHEMY_DATABASE_URI": database_uri,
           "COMMENTSVC_SECRET_KEY": "e2e-secret", "COMMENTSVC_FLOOD_SECONDS": "0"}
    commentsvc(env, "db", "upgrade")
    commentsvc(env, "site", "add", "demo", "--origin", ORIGIN)
    with gunicorn(env, workers=1) as server:
        def send(headers: bytes, body: bytes) -> bytes:
            head = (b"POST " + URL.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
                    + b"Connection: close\r\n\r\n")
            return raw_http(server.base, head, body)

        lying = send(b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n",
                     b'{"name": "Ana"}')
        assert lying.startswith(b"HTTP/1.1 413")

        def chunked(payload: bytes, kind: bytes = b"application/json") -> bytes:
            pieces = [payload[i:i + 16384] for i in range(0, len(payload), 16384)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
            return send(b"Content-Type: " + kind + b"\r\nTransfer-Encoding: chunked\r\n", body)

        big = b'{"name": "Ana", "email": "ana@example.org", "body": "' + b"x" * 70000 + b'"}'
        assert chunked(big).startswith(b"HTTP/1.1 413")
        small = b'{"name": "Ana", "email": "ana@example.org", "body": "chunked but fine"}'
        assert chunked(small).startswith(b"HTTP/1.1 202")
        form = urlencode({**GOOD, "body": "x" * 70000, "return_to": RETURN_TO}).encode()
        assert chunked(form, b"application/x-www-form-urlencoded").startswith(b"HTTP/1.1 413")
