"""Webhooks: a signed JSON POST for each held comment, retried like mail."""

from __future__ import annotations

import hashlib
import hmac
import json
import typing as t

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import OutboxMessage
from commentsvc.notify import worker

from .conftest import Actions
from .notify_servers import webhook_receiver
from .servers import free_port


def add_webhook(app: t.Any, url: str) -> str:
    result = app.test_cli_runner().invoke(args=["site", "webhook", "demo", url])
    assert result.exit_code == 0, result.output
    return result.output.strip().rsplit(" ", 1)[1]


def webhook_rows(app: t.Any) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.kind == "webhook")
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def test_held_comment_is_posted_signed_without_the_address(app_factory):
    app = app_factory()  # no SMTP_URL: the webhook alone turns notifications on
    actions = Actions(app, app.test_client())
    actions.site("demo")
    with webhook_receiver() as receiver:
        secret = add_webhook(app, receiver.url)
        cid = actions.post(email="ana.smith@example.org", body="Hi <b>there</b>").json["id"]
        with app.app_context():
            assert dict(worker.run_once()) == {"sent": 2}
    [hook] = receiver.hooks
    assert hook.headers["Content-Type"] == "application/json"
    assert hook.headers["X-Commentsvc-Event"] == "comment.held"
    stamp = hook.headers["X-Commentsvc-Timestamp"]
    expected = hmac.new(secret.encode(),
                        stamp.encode() + b"." + hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Commentsvc-Signature"] == f"sha256={expected}"
    assert b"ana.smith@example.org" not in hook.body
    body = json.loads(hook.body)
    assert body["event"] == "comment.held"
    comment = body["comment"]
    assert (comment["id"], comment["site"], comment["article"], comment["status"]) == (
        cid, "demo", "hello-world", "pending")
    assert comment["author"]["email_masked"] == "a•••@example.org"
    assert comment["body"] == "Hi <b>there</b>"
    assert comment["spam"] == {"score": 0.1, "reasons": ["no form token"]}


def test_a_tampered_body_does_not_verify(app_factory):
    app = app_factory()
    actions = Actions(app, app.test_client())
    actions.site("demo")
    with webhook_receiver() as receiver:
        secret = add_webhook(app, receiver.url)
        actions.post()
        with app.app_context():
            worker.run_once()
    [hook] = receiver.hooks
    stamp = hook.headers["X-Commentsvc-Timestamp"]
    forged = hook.body.replace(b"pending", b"approved")
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + forged, hashlib.sha256).hexdigest()
    assert hook.headers["X-Commentsvc-Signature"] != f"sha256={mac}"


@pytest.mark.parametrize(
    ("answer", "state"),
    [(500, "retry"), (503, "retry"), (429, "retry"), (404, "failed"), (410, "failed")],
)
def test_webhook_errors_are_retried_or_given_up(app_factory, answer, state):
    app = app_factory()
    actions = Actions(app, app.test_client())
    actions.site("demo")
    with webhook_receiver(status=answer) as receiver:
        add_webhook(app, receiver.url)
        actions.post()
        with app.app_context():
            assert dict(worker.run_once()) == {"sent": 1, state: 1}
    [row] = webhook_rows(app)
    assert str(answer) in (row.last_error or "")
    assert (row.failed_at is not None) == (state == "failed")


def test_webhook_receiver_down_then_back(app_factory):
    import datetime as dt

    from commentsvc.models import utcnow

    app = app_factory()
    actions = Actions(app, app.test_client())
    actions.site("demo")
    add_webhook(app, f"http://127.0.0.1:{free_port()}/hooks")
    actions.post()
    now = utcnow()
    with app.app_context():
        assert dict(worker.run_once(now)) == {"sent": 1, "retry": 1}
    with webhook_receiver() as receiver:
        add_webhook(app, receiver.url)  # the receiver moved; the waiting delivery follows
        with app.app_context():
            assert dict(worker.run_once(now + dt.timedelta(minutes=2))) == {"sent": 1}
    [hook] = receiver.hooks
    [row] = webhook_rows(app)
    assert hook.headers["X-Commentsvc-Delivery"] == str(row.id) and row.attempts == 2


@pytest.mark.parametrize("url", ["ftp://x.example/", "not a url", "javascript:alert(1)"])
def test_webhook_url_must_be_http(actions, runner, url):
    actions.site("demo")
    result = runner.invoke(args=["site", "webhook", "demo", url])
    assert result.exit_code == 2 and "http(s)" in result.output


def test_webhook_can_be_removed(app_factory):
    app = app_factory()
    actions = Actions(app, app.test_client())
    actions.site("demo")
    add_webhook(app, "http://127.0.0.1:9/hooks")
    result = app.test_cli_runner().invoke(args=["site", "webhook", "demo", "--remove"])
    assert result.exit_code == 0 and "webhook removed" in result.output
    actions.post()
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []
