"""The worker: `--once`, leases, several workers on PostgreSQL, the loop and SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import typing as t

import pytest
from sqlalchemy import create_engine, select, text

from commentsvc.extensions import db
from commentsvc.models import OutboxMessage, utcnow
from commentsvc.notify import outbox, worker

from .conftest import BASE_CONFIG, Actions
from .notify_servers import smtp_server
from .servers import ROOT


def held_rows(app: t.Any, n: int) -> list[int]:
    with app.app_context():
        rows = [OutboxMessage(kind="held", payload={"comment_id": 10_000 + i}) for i in range(n)]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def test_worker_once_from_the_command_line(app_factory):
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        actions = Actions(app, app.test_client())
        actions.site("demo")
        runner = app.test_cli_runner()
        runner.invoke(args=["moderator", "add", "m", "--site", "demo", "--email", "m@example.org"])
        assert runner.invoke(args=["worker", "--once"]).stdout.strip() == "nothing due"
        actions.post()
        result = runner.invoke(args=["worker", "--once"])
        assert result.exit_code == 0 and result.stdout.strip() == "2 sent"
    assert len(inbox.received) == 1


def test_a_claimed_row_is_leased_and_retried_when_its_worker_dies(app):
    [row_id] = held_rows(app, 1)
    now = utcnow()
    with app.app_context():
        [row] = outbox.claim(now)  # the worker dies here, before recording anything
        assert row.attempts == 1
        assert outbox.claim(now + dt.timedelta(seconds=299)) == []
        [again] = outbox.claim(now + dt.timedelta(seconds=301))
        assert (again.id, again.attempts) == (row_id, 2)


@pytest.mark.postgres
def test_workers_skip_rows_another_worker_holds(app, database_uri):
    if not database_uri.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; with SQLite one worker runs")
    ids = held_rows(app, 3)
    other = create_engine(database_uri)
    try:
        with other.connect() as conn:
            trans = conn.begin()
            conn.execute(text("SELECT id FROM outbox_messages WHERE id = :id FOR UPDATE"),
                         {"id": ids[0]})
            with app.app_context():
                db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
                started = time.monotonic()
                claimed = [r.id for r in outbox.claim(utcnow())]
                assert time.monotonic() - started < 1.5  # skipped, not waited for
            assert claimed == ids[1:]
            trans.rollback()
        with app.app_context():
            assert [r.id for r in outbox.claim(utcnow())] == ids[:1]
    finally:
        other.dispose()


def test_a_row_that_raises_is_retried_and_does_not_stop_the_others(app):
    with app.app_context():
        broken = OutboxMessage(kind="held", payload=["not", "a", "mapping"])
        db.session.add(broken)
        db.session.commit()
        broken_id = broken.id
    ids = held_rows(app, 2)  # comments that do not exist: nothing to send
    with app.app_context():
        assert dict(worker.run_once()) == {"retry": 1, "skipped": 2}
        rows = {r.id: r for r in db.session.scalars(select(OutboxMessage))}
        assert all(rows[i].last_error == "skipped: the comment was erased" for i in ids)
        assert rows[broken_id].sent_at is None and rows[broken_id].failed_at is None
        assert (rows[broken_id].last_error or "").startswith("AttributeError")


def test_unknown_kinds_are_given_up(app):
    with app.app_context():
        db.session.add(OutboxMessage(kind="carrier-pigeon", payload={}))
        db.session.commit()
        assert dict(worker.run_once()) == {"failed": 1}


def test_the_worker_loop_delivers_and_stops_cleanly_on_sigterm(app_factory, database_uri):
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        env = {**os.environ,
               "COMMENTSVC_SQLALCHEMY_DATABASE_URI": database_uri,
               "COMMENTSVC_SECRET_KEY": BASE_CONFIG["SECRET_KEY"],
               "COMMENTSVC_SMTP_URL": f"smtp://127.0.0.1:{port}",
               "COMMENTSVC_NOTIFY_POLL_SECONDS": "0.2",
               "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen([sys.executable, "-m", "commentsvc", "worker"], env=env,
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
        try:
            assert process.stdout is not None
            assert "worker started" in process.stdout.readline()
            actions = Actions(app, app.test_client())
            actions.site("demo")
            app.test_cli_runner().invoke(
                args=["moderator", "add", "m", "--site", "demo", "--email", "m@example.org"])
            assert actions.post().status_code == 202
            deadline = time.monotonic() + 20
            while not inbox.received and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(inbox.received) == 1
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0, output
    assert output.strip().endswith("worker stopped")
