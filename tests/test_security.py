"""Issue 12's attacks, each replayed exactly as reported: they must stay closed.

Item 1: forged review sessions during a key rotation; 2: sessions that outlive logout;
5: weak and JSON-parsed secrets; 6: public /metrics; 9: tokens in the access log;
10: one avatar for one address on every site; 16: log scrubbing of look-alikes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import typing as t

import flask_migrate
import pytest
from bench.harness import serve
from bench.loadtest import request
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.logs import line, redact_path
from commentsvc.models import Comment, Moderator
from commentsvc.notify import links
from commentsvc.privacy import PURPOSE_AVATAR, Keys, derive_key
from tests.conftest import BASE_CONFIG, Actions, truncate_all

STRONG_KEY = "n3w-rotated-key-Zq8vR2kLx7pT4wY9bC1dF6gH"


def csrf_of(html: bytes) -> str:
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1).decode()


def flask_cookie(secret: str, data: dict[str, t.Any]) -> str:
    """A session cookie signed the way Flask signs its own, with the given key."""
    serializer = URLSafeTimedSerializer(
        secret, salt="cookie-session", serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
    return serializer.dumps(data)


@pytest.fixture
def env_app(database_uri: str,
            monkeypatch: pytest.MonkeyPatch) -> t.Iterator[t.Callable[..., Flask]]:
    """Apps whose secrets come from COMMENTSVC_* variables only, as in production."""
    made: list[Flask] = []

    def factory(**env: str) -> Flask:
        for key, value in env.items():
            monkeypatch.setenv(f"COMMENTSVC_{key}", value)
        config = {k: v for k, v in BASE_CONFIG.items() if k != "SECRET_KEY"}
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_uri})
        made.append(app)
        return app

    yield factory
    if made:
        truncate_all(made[0])


# -- 1: the session signer gets the keys the operator wrote, not their characters ------------

def test_1_a_cookie_signed_with_one_character_of_a_plain_string_fallback_is_refused(env_app):
    old = "r0tated-0ld-key-abcdefghijklmnopqrstuvwxyz"
    app = env_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=old)
    client = app.test_client()
    actions = Actions(app, client)
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post().json["id"]

    # The reported cookie: the moderator's token hash, signed with the key "r".
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    client.set_cookie("session", flask_cookie("r", {"mod": token_hash, "at": int(time.time()),
                                                    "csrf": "c" * 43}))
    page = client.get("/moderate/")
    assert b"Log out" not in page.data and b'name="token"' in page.data
    revealed = client.post(f"/moderate/comments/{cid}/reveal", data={"csrf_token": "c" * 43},
                           headers={"Accept": "application/json"})
    assert revealed.status_code in (401, 403) and b"ana@example.org" not in revealed.data

    # Any one-character key is refused: a CSRF token planted that way does not pass.
    client.set_cookie("session", flask_cookie("r", {"csrf": "planted"}))
    assert client.post("/moderate/login", data={"token": token, "csrf_token": "planted"}
                       ).status_code == 403
    # The whole old key is still a key: cookies from before the rotation keep working.
    client.set_cookie("session", flask_cookie(old, {"csrf": "planted"}))
    assert client.post("/moderate/login", data={"token": token, "csrf_token": "planted"}
                       ).status_code == 303
    assert app.config["SECRET_KEY_FALLBACKS"] == [old]


# -- 5: secrets are strings; production refuses weak ones -------------------------------------

@pytest.mark.parametrize("key", ["12345678901234567890123456789012345", "true", "1e3"])
def test_5_a_digit_only_or_boolean_secret_key_serves_submissions(env_app, key):
    app = env_app(SECRET_KEY=key, SECRET_KEY_FALLBACKS="4242")
    assert app.config["SECRET_KEY"] == key
    assert app.config["SECRET_KEY_FALLBACKS"] == ["4242"]
    actions = Actions(app, app.test_client())
    actions.site("demo")
    assert actions.post().status_code in (201, 202)
    assert actions.thread().status_code == 200


def test_5_a_fallback_list_is_json(env_app):
    app = env_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS='["old-one", "123"]')
    assert app.config["SECRET_KEY_FALLBACKS"] == ["old-one", "123"]


# -- 2: logging out (or being revoked) ends the session, wherever its cookie is ---------------

def login(client: t.Any, token: str) -> str:
    csrf = csrf_of(client.get("/moderate/").data)
    assert client.post("/moderate/login", data={"token": token, "csrf_token": csrf}
                       ).status_code == 303
    return csrf_of(client.get("/moderate/").data)


@pytest.mark.parametrize("ending", ["logout", "revoke"])
def test_2_an_old_cookie_replayed_after_logout_or_revoke_opens_nothing(app, actions, ending):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    client = app.test_client()
    csrf = login(client, token)
    stolen = client.get_cookie("session").value
    if ending == "logout":
        assert client.post("/moderate/logout", data={"csrf_token": csrf}).status_code == 303
    else:
        assert app.test_cli_runner().invoke(args=["moderator", "revoke", "mod"]).exit_code == 0

    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    page = attacker.get("/moderate/")
    assert b"Log out" not in page.data and b"Hello there" not in page.data
    for accept in ("application/json", "text/html"):
        revealed = attacker.post(f"/moderate/comments/{cid}/reveal", data={"csrf_token": csrf},
                                 headers={"Accept": accept})
        assert revealed.status_code in (401, 403)
        assert b"ana@example.org" not in revealed.data


# -- 6: /metrics does not tell an outsider that their submission was taken for spam -----------

def spam_count(text: str) -> float:
    found = re.search(r'^commentsvc_submissions_total\{verdict="spam"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_6_metrics_need_the_bearer_token_when_one_is_set(app_factory):
    app = app_factory(METRICS_TOKEN="scrape-token-5f1d9c")
    outsider = app.test_client()
    actions = Actions(app, outsider)
    actions.site("demo")
    posted = actions.post(body="Cheap watches here", fax="+1 555 0100")  # the honeypot: spam
    assert posted.status_code == 202 and posted.json["status"] == "pending"
    for header in ({}, {"Authorization": "Bearer wrong-token"},
                   {"Authorization": "Basic c2NyYXBlLXRva2VuLTVmMWQ5Yw=="},
                   {"Authorization": "Bearer scrape-token-5f1d9"},
                   {"Authorization": "Bearer scrape-token-5f1d9cX"},
                   {"Authorization": "Bearer ünïcode"}):
        refused = outsider.get("/metrics", headers=header)
        assert refused.status_code == 401, header
        assert b"commentsvc_submissions_total" not in refused.data
    scraped = outsider.get("/metrics", headers={"Authorization": "Bearer scrape-token-5f1d9c"})
    assert scraped.status_code == 200 and spam_count(scraped.text) >= 1


def test_6_metrics_answer_404_in_production_without_a_token(app_factory, database_uri,
                                                            redis_uri):
    if database_uri.startswith("sqlite"):
        pytest.skip("production refuses SQLite")
    app = app_factory(ENV="production", RATELIMIT_STORAGE_URI=redis_uri, SECRET_KEY=STRONG_KEY)
    outsider = app.test_client()
    actions = Actions(app, outsider)
    actions.site("demo")
    assert actions.post(body="Cheap watches here", fax="+1 555 0100").json["status"] == "pending"
    answer = outsider.get("/metrics")
    missing = outsider.get("/no-such-page")
    assert answer.status_code == 404 and b"commentsvc_" not in answer.data
    assert (answer.data, answer.mimetype) == (missing.data, missing.mimetype)
    with_header = outsider.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert with_header.status_code == 404


def test_6_a_digit_only_metrics_token_is_a_string(env_app):
    app = env_app(SECRET_KEY=STRONG_KEY, METRICS_TOKEN="20261202")
    assert app.test_client().get(
        "/metrics", headers={"Authorization": "Bearer 20261202"}).status_code == 200


# -- 9: the access log keeps no one-click mail token --------------------------------------------

@pytest.mark.parametrize("path, logged", [
    ("/moderate/mail/eyJjIjoxfQ.abc-DEF_123", "/moderate/mail/[token]"),
    ("/moderate/mail//eyJjIjoxfQ.abc", "/moderate/mail//[token]"),
    ("/MODERATE/Mail/eyJjIjoxfQ.abc", "/MODERATE/Mail/[token]"),
    ("/moderate/mail/", "/moderate/mail/"),  # the POST target holds no token
    ("/api/v1/sites/demo/articles/a/comments", "/api/v1/sites/demo/articles/a/comments"),
])
def test_9_redacted_paths(path, logged):
    assert redact_path(path) == logged


def test_9_a_mail_link_in_any_log_message_loses_its_token(app, capsys):
    with app.test_request_context("/x"):
        logging.getLogger("gunicorn.error").error(
            "Error handling request %s", "/moderate/mail/eyJjIjo3fQ.Zx-9_aB?x=1")
        logging.getLogger("commentsvc.test").warning(
            "sent https://comments.example.org/moderate/mail/eyJjIjo4fQ.Qw-1 to the moderator")
    err = capsys.readouterr().err
    assert "eyJjIjo" not in err
    assert "/moderate/mail/[token]?x=1" in err
    assert "https://comments.example.org/moderate/mail/[token] to" in err


@pytest.mark.slow
def test_9_a_mail_link_opened_through_gunicorn_leaves_no_token_in_the_access_log(
        app, actions, database_uri):
    if not database_uri.startswith("sqlite"):
        pytest.skip("one gunicorn run is enough; it is the same logger on PostgreSQL")
    actions.site("demo")
    actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    with app.app_context():
        comment = db.session.get(Comment, cid)
        moderator = db.session.scalars(select(Moderator)).one()
        token = links.sign(comment, moderator, "approve")
    env = {"COMMENTSVC_SQLALCHEMY_DATABASE_URI": database_uri,
           "COMMENTSVC_SECRET_KEY": app.config["SECRET_KEY"]}
    with serve(env, workers=1) as server:
        status, _, body = request(server.base, "GET", f"/moderate/mail/{token}", None, {})
        assert status == 200 and b"approve" in body.lower()
        status, _, _ = request(server.base, "GET", f"/moderate/mail/{token}x", None, {})
        assert status == 400
        # gunicorn writes the access line after the answer is sent: wait for both lines.
        deadline = time.monotonic() + 10
        while (log := server.access_log.read_text()).count("/moderate/mail/") < 2 \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        output = server.output
    assert token not in log and token.split(".")[0] not in log and token not in output
    paths = [json.loads(line)["path"] for line in log.splitlines()]
    assert paths.count("/moderate/mail/[token]") == 2


# -- 10: one address, another avatar on every site ---------------------------------------------

def test_10_one_address_cannot_be_followed_across_sites_by_its_avatar(actions):
    actions.site("blog-a", moderation="none")
    actions.site("blog-b", moderation="none")
    for site in ("blog-a", "blog-b"):
        for article in ("first", "second"):
            assert actions.post(site=site, article=article, email="Ana@Example.org",
                                body=f"Ana on {site} {article}").status_code == 201

    def avatar(site: str, article: str) -> str:
        [comment] = actions.thread(site=site, article=article).json["comments"]
        return str(comment["author"]["avatar"])

    assert avatar("blog-a", "first") == avatar("blog-a", "second")  # one identity per site
    assert avatar("blog-b", "first") == avatar("blog-b", "second")
    assert avatar("blog-a", "first") != avatar("blog-b", "first")  # not linkable across sites
    embedded = actions.client.get("/embed/blog-b/first").text
    assert avatar("blog-a", "first").rsplit("/", 1)[1] not in embedded


# -- 16: the log scrubber scrubs addresses, not look-alikes ------------------------------------

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")


@pytest.mark.parametrize("request_id", ["edge-7f3a9c@lb-2", "req-1234@1701234567.42",
                                        "a1b2c3d4@web-7:8000"])
def test_16_chrome_versions_and_request_ids_with_an_at_sign_are_logged_as_they_are(
        app, capsys, request_id):
    with app.test_request_context("/x", headers={"X-Request-ID": request_id,
                                                 "User-Agent": CHROME}):
        app.preprocess_request()
        logging.getLogger("commentsvc.test").warning("client %s from %s wrote to %s", CHROME,
                                                     "203.0.113.9", "ana@example.org")
        access = json.loads(line({"request_id": request_id, "user_agent": CHROME}))
    [logged] = [json.loads(x) for x in capsys.readouterr().err.splitlines()
                if "commentsvc.test" in x]
    assert logged["request_id"] == request_id and access["request_id"] == request_id
    assert access["user_agent"] == CHROME
    assert logged["message"] == f"client {CHROME} from [ip] wrote to [email]"


def test_10_upgrading_gives_stored_comments_their_per_site_avatar(app, actions):
    """Comments stored before the change get the per-site key when the migration runs."""
    actions.site("blog-a", moderation="none")
    actions.site("blog-b", moderation="none")
    for site in ("blog-a", "blog-b"):
        actions.post(site=site, email="ana@example.org", body=f"Ana on {site}")
    keys = Keys.from_config(app.config)
    site_agnostic = hmac.new(derive_key(app.config["SECRET_KEY"], PURPOSE_AVATAR),
                             b"ana@example.org", hashlib.sha256).hexdigest()[:20]
    with app.app_context():
        db.session.execute(update(Comment).values(avatar_key=site_agnostic))  # as stored before
        db.session.commit()
        flask_migrate.downgrade(revision="0003_sec-1")
        flask_migrate.upgrade()
        stored = dict(db.session.execute(
            select(Comment.body, Comment.avatar_key)).all())
    assert stored == {"Ana on blog-a": keys.avatar_key("ana@example.org", "blog-a"),
                      "Ana on blog-b": keys.avatar_key("ana@example.org", "blog-b")}


# -- 16: HTML error pages of the API send CSP, X-Frame-Options and nosniff -----------------------

FORM_URL = "/api/v1/sites/demo/articles/hello-world/comments"
RETURN_TO = "https://blog.example/hello-world/"


def form_post(client: t.Any, **fields: str) -> t.Any:
    data = {"name": "Ana", "email": "ana@example.org", "body": "Hello there",
            "return_to": RETURN_TO, **fields}
    return client.post(FORM_URL, data=data, content_type="application/x-www-form-urlencoded")


def test_16_html_error_pages_of_form_posts_send_csp_frame_options_and_nosniff(actions):
    actions.site("demo", "https://blog.example")
    client = actions.client
    assert form_post(client).status_code == 303
    answers = {
        422: form_post(client, email="not-an-address"),
        400: form_post(client, return_to="https://evil.example/"),
        409: form_post(client),  # the same text from the same address again
        404: client.post("/api/v1/sites/nope/articles/a/comments", data={"body": "x"},
                         content_type="application/x-www-form-urlencoded"),
    }
    for status, answer in answers.items():
        assert answer.status_code == status and answer.mimetype == "text/html", status
        csp = answer.headers.get("Content-Security-Policy", "")
        assert "default-src 'none'" in csp and "script-src" not in csp, status
        assert "unsafe-inline" not in csp and "form-action 'self'" in csp
        assert answer.headers.get("X-Content-Type-Options") == "nosniff"
        assert answer.headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN")
    # A page about the site may be framed by the site (its form posts from the embed iframe).
    assert "frame-ancestors 'self' https://blog.example" in \
        answers[422].headers["Content-Security-Policy"]
    # An unknown site: no one.
    assert "frame-ancestors 'none'" in answers[404].headers["Content-Security-Policy"]
    assert answers[404].headers["X-Frame-Options"] == "DENY"
    # JSON errors and pages with their own policy are left as they are.
    assert "X-Frame-Options" not in actions.post(email="bad").headers
    review = client.get("/moderate/?status=bogus")
    assert "script-src 'self'" in review.headers["Content-Security-Policy"]


@pytest.mark.browser
def test_16_the_error_page_keeps_its_styles_under_its_policy(browser, live_server, actions):
    """The inline styles are allowed by hash: the page looks as before, with no CSP report."""
    actions.site("demo", "https://blog.example")
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{live_server.url}/healthz")
        page.evaluate("""([url, back]) => {
            const f = document.createElement('form'); f.method = 'post'; f.action = url;
            for (const [k, v] of [['name', 'Ana'], ['email', 'no-at-sign'], ['body', 'Hi'],
                                  ['return_to', back]]) {
                const i = document.createElement('input'); i.name = k; i.value = v;
                f.append(i); }
            document.body.append(f); f.submit(); }""", [f"{live_server.url}{FORM_URL}", RETURN_TO])
        page.wait_for_load_state()
        page.get_by_role("alert").first.wait_for()
        width = page.evaluate("getComputedStyle(document.body).maxWidth")
        assert width == "640px"  # body{max-width:40rem} from the page's own <style>
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
