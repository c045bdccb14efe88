"""Moderators' decisions reach Akismet through the outbox and the worker, never from a request."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import time
import typing as t

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import OutboxMessage, utcnow
from commentsvc.notify import worker

from .akismet_server import AkismetServer, akismet_server
from .conftest import Actions
from .servers import free_port

KEY = "test-akismet-key"


@pytest.fixture
def server() -> t.Iterator[AkismetServer]:
    with akismet_server(KEY) as s:
        yield s


@contextlib.contextmanager
def hanging_server() -> t.Iterator[str]:
    """A loopback port that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def setup(app_factory: t.Callable[..., t.Any], url: str, **config: t.Any) -> tuple[Actions, str]:
    app = app_factory(AKISMET_KEY=KEY, AKISMET_URL=url, AKISMET_IS_TEST=True, **config)
    actions = Actions(app, app.test_client())
    actions.site("demo", "https://blog.example", moderation="none")
    return actions, actions.moderator("mod", "demo")


def report_rows(app: t.Any) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.kind == "akismet")
        return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def test_decisions_are_reported_by_the_worker_not_the_request(app_factory, server):
    actions, token = setup(app_factory, server.url)
    cid = actions.post(body="Sneaky advert").json["id"]
    assert actions.moderate(token, cid, status="spam").status_code == 200
    assert actions.moderate(token, cid, status="approved").status_code == 200
    assert server.endpoints() == ["comment-check"]  # nothing told during the requests
    assert [r.payload for r in report_rows(actions.app)] == [
        {"comment_id": cid, "label": "spam"}, {"comment_id": cid, "label": "ham"}]
    with actions.app.app_context():
        assert dict(worker.run_once()) == {"sent": 2}
    assert server.endpoints() == ["comment-check", "submit-spam", "submit-ham"]
    spam_report = server.calls[1][1]
    assert spam_report["comment_content"] == "Sneaky advert"
    assert spam_report["user_ip"] == "127.0.0.0"  # only the stored /24 prefix is known
    assert spam_report["blog"] == "https://blog.example"
    assert spam_report["comment_author_email"] == "ana@example.org"
    assert all(r.sent_at is not None for r in report_rows(actions.app))
    with actions.app.app_context():
        assert dict(worker.run_once()) == {}  # sent once only


def test_decisions_that_teach_nothing_are_not_reported(app_factory, server):
    actions, token = setup(app_factory, server.url)
    cid = actions.post(body="Meh").json["id"]
    assert actions.moderate(token, cid, status="rejected").status_code == 200
    assert actions.moderate(token, cid, status="pending").status_code == 200
    assert report_rows(actions.app) == []


def test_a_decision_does_not_wait_for_a_hanging_akismet(app_factory, server):
    actions, token = setup(app_factory, server.url, AKISMET_TIMEOUT=4)
    ids = [actions.post(body=f"Advert number {i}").json["id"] for i in range(3)]
    with hanging_server() as url:
        actions.app.config["AKISMET_URL"] = url
        started = time.monotonic()
        bulk = actions.client.post("/api/v1/moderation/comments/bulk",
                                   json={"ids": ids, "status": "spam"},
                                   headers={"Authorization": f"Bearer {token}"})
        assert bulk.status_code == 200, bulk.json
        assert time.monotonic() - started < 2  # before: 3 reports x 4 s timeout, rows locked
        actions.app.config["AKISMET_TIMEOUT"] = 0.2
        with actions.app.app_context():
            assert dict(worker.run_once()) == {"retry": 3}
    assert all("submit-spam failed" in (r.last_error or "") for r in report_rows(actions.app))


def test_akismet_down_is_retried_until_it_answers(app_factory, server):
    actions, token = setup(app_factory, server.url)
    cid = actions.post(body="Sneaky advert").json["id"]
    actions.app.config["AKISMET_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens
    assert actions.moderate(token, cid, status="spam").status_code == 200
    now = utcnow()
    with actions.app.app_context():
        assert dict(worker.run_once(now)) == {"retry": 1}
    [row] = report_rows(actions.app)
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert "submit-spam failed" in (row.last_error or "")
    assert row.next_attempt_at >= now + dt.timedelta(seconds=59)  # backoff, not a busy loop
    actions.app.config["AKISMET_URL"] = server.url  # Akismet is back
    with actions.app.app_context():
        assert dict(worker.run_once(now)) == {}  # not due yet
        assert dict(worker.run_once(now + dt.timedelta(minutes=2))) == {"sent": 1}
    assert server.endpoints() == ["comment-check", "submit-spam"]
    [row] = report_rows(actions.app)
    assert row.sent_at is not None and row.attempts == 2


def test_a_report_of_an_erased_comment_or_without_a_key_is_skipped(app_factory, server):
    actions, token = setup(app_factory, server.url)
    first = actions.post(body="Sneaky advert").json["id"]
    second = actions.post(body="Another advert", email="bo@example.org").json["id"]
    assert actions.moderate(token, first, status="spam").status_code == 200
    assert actions.moderate(token, second, status="spam").status_code == 200
    result = actions.app.test_cli_runner().invoke(args=["erase", "--email", "ana@example.org"])
    assert result.exit_code == 0, result.output
    with actions.app.app_context():
        assert dict(worker.run_once()) == {"sent": 1, "skipped": 1}
    assert server.endpoints() == ["comment-check", "comment-check", "submit-spam"]
    assert server.calls[2][1]["comment_content"] == "Another advert"
    assert actions.moderate(token, second, status="approved").status_code == 200
    actions.app.config["AKISMET_KEY"] = None  # the operator turned Akismet off meanwhile
    with actions.app.app_context():
        assert dict(worker.run_once()) == {"skipped": 1}
    assert len(server.calls) == 3


def test_without_a_key_no_report_is_queued(app_factory, server):
    app = app_factory(AKISMET_URL=server.url)
    actions = Actions(app, app.test_client())
    actions.site("demo", moderation="none")
    token = actions.moderator("mod", "demo")
    cid = actions.post(body="Sneaky advert").json["id"]
    assert actions.moderate(token, cid, status="spam").status_code == 200
    assert report_rows(app) == []
    assert server.calls == []
