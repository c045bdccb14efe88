"""Akismet through the real submit and moderation endpoints, against a loopback server."""

from __future__ import annotations

import logging
import typing as t

import pytest

from .akismet_server import GUARANTEED_SPAM, THANKS, AkismetServer, akismet_server
from .conftest import Actions
from .servers import free_port

KEY = "test-akismet-key"


@pytest.fixture
def server() -> t.Iterator[AkismetServer]:
    with akismet_server(KEY) as s:
        yield s


def akismet_actions(app_factory: t.Callable[..., t.Any], url: str, key: str = KEY) -> Actions:
    app = app_factory(AKISMET_KEY=key, AKISMET_URL=url, AKISMET_IS_TEST=True)
    actions = Actions(app, app.test_client())
    actions.site("demo", "https://blog.example", moderation="none")
    return actions


def status_of(actions: Actions, token: str, comment_id: int) -> dict[str, t.Any]:
    return {i["id"]: i for i in actions.queue(token, status="").json["items"]}[comment_id]


def test_akismet_spam_verdict_marks_the_comment_spam(app_factory, server):
    actions = akismet_actions(app_factory, server.url)
    token = actions.moderator("mod", "demo")
    answer = actions.post(name=GUARANTEED_SPAM, body="Buy things")
    assert answer.status_code == 202 and answer.json["status"] == "pending"
    item = status_of(actions, token, answer.json["id"])
    assert item["status"] == "spam"
    assert "akismet: spam" in item["spam"]["reasons"]
    [(endpoint, form)] = server.calls
    assert endpoint == "comment-check"
    assert form["api_key"] == KEY and form["blog"] == "https://blog.example"
    assert form["user_ip"] == "127.0.0.1" and form["comment_content"] == "Buy things"
    assert form["comment_type"] == "comment" and form["is_test"] in ("1", "true", "True")
    assert form["comment_author_email"] == "ana@example.org"


def test_akismet_ham_verdict_lets_the_comment_through(app_factory, server):
    actions = akismet_actions(app_factory, server.url)
    answer = actions.post(name="Ana", body="A thoughtful remark")
    assert answer.status_code == 201 and answer.json["status"] == "approved"
    assert server.endpoints() == ["comment-check"]


@pytest.mark.parametrize("problem", ["down", "wrong key"])
def test_akismet_failing_never_blocks_a_comment(app_factory, server, caplog, problem):
    url = f"http://127.0.0.1:{free_port()}" if problem == "down" else server.url
    actions = akismet_actions(app_factory, url, key=KEY if problem == "down" else "wrong")
    with caplog.at_level(logging.WARNING, logger="commentsvc.spam.akismet"):
        answer = actions.post(name=GUARANTEED_SPAM, body="Still accepted")
    assert answer.status_code == 201
    assert any("akismet comment-check failed" in r.getMessage() for r in caplog.records)


def test_without_a_key_akismet_is_never_asked(app_factory, server):
    app = app_factory(AKISMET_URL=server.url)
    actions = Actions(app, app.test_client())
    actions.site("demo", moderation="none")
    assert actions.post(name=GUARANTEED_SPAM).json["status"] == "approved"
    assert server.calls == []


def test_the_loopback_server_speaks_the_documented_protocol(server):
    import httpx

    post = lambda path, **form: httpx.post(server.url + path, data=form).text  # noqa: E731
    assert post("/1.1/verify-key", key=KEY, blog="https://b.example") == "valid"
    assert post("/1.1/verify-key", key="x", blog="https://b.example") == "invalid"
    common = {"api_key": KEY, "blog": "https://b.example", "user_ip": "192.0.2.1"}
    assert post("/1.1/comment-check", **common, comment_author=GUARANTEED_SPAM) == "true"
    assert post("/1.1/comment-check", **common, comment_author=GUARANTEED_SPAM,
                user_role="administrator") == "false"
    assert post("/1.1/submit-ham", **common) == THANKS
    assert post("/1.1/comment-check", api_key=KEY, blog="https://b.example").startswith("Missing")
