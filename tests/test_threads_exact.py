"""Reads served from the version map stay exact: own writes at once, other workers' and other
hosts' writes within moments, and with the change channel down the version is asked again.

PostgreSQL only: SQLite has no NOTIFY, so there every read asks for the version (test_threads).
"""

from __future__ import annotations

import os
import time
import typing as t

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from commentsvc import versions
from commentsvc.cache import caches
from tests.servers import Server, gunicorn
from tests.threads_data import recorded_statements

pytestmark = pytest.mark.postgres

THREAD = "/api/v1/sites/demo/articles/hello-world/comments"


@pytest.fixture
def pg_only(database_uri: str) -> str:
    if not database_uri.startswith("postgresql"):
        pytest.skip("the version map listens on PostgreSQL only")
    return database_uri


@pytest.fixture
def live(pg_only: str, app_factory: t.Callable[..., Flask]) -> t.Iterator[t.Callable[[], Flask]]:
    """Apps (workers) whose version maps are live; their listeners are stopped afterwards."""
    made: list[Flask] = []

    def make() -> Flask:
        app = app_factory()
        made.append(app)
        app.test_client().get(THREAD)  # the first read starts the listener
        assert versions.wait_live(app), "the listener never subscribed"
        return app

    yield make
    for app in made:
        versions.stop(app)


def post(app: Flask, n: int) -> None:
    answer = app.test_client().post(THREAD, json={
        "name": "Ana", "email": f"ana{n}@example.org", "body": f"Comment number {n}"})
    assert answer.status_code == 201, answer.json


def settle(app: Flask) -> None:
    """Let the notice of our own last write arrive (it may drop a head read meanwhile), then
    read once so the head is remembered."""
    time.sleep(0.3)
    app.test_client().get(THREAD)


def count(app: Flask) -> int:
    return int(app.test_client().get(THREAD).json["count"])


def visible_within(read: t.Callable[[], int], expected: int, seconds: float) -> float:
    started = time.monotonic()
    while read() != expected:
        if time.monotonic() - started > seconds:
            pytest.fail(f"still not {expected} after {seconds} s")
        time.sleep(0.002)
    return time.monotonic() - started


def test_a_cached_read_asks_the_database_nothing_and_own_writes_show_at_once(actions, live):
    actions.site("demo", moderation="none")
    app = live()
    post(app, 1)
    settle(app)
    etag = app.test_client().get(THREAD).headers["ETag"]
    with recorded_statements(app) as statements:
        again = app.test_client().get(THREAD)
        not_modified = app.test_client().get(THREAD, headers={"If-None-Match": etag})
    assert statements == []
    assert again.json["count"] == 1 and not_modified.status_code == 304
    post(app, 2)
    assert count(app) == 2  # no wait: this worker dropped its own head on commit


def test_another_workers_write_is_seen_within_moments(actions, live):
    actions.site("demo", moderation="none")
    reader, writer = live(), live()
    for n in range(1, 6):
        assert count(reader) == n - 1  # remembered by the reader
        post(writer, n)
        assert visible_within(lambda: count(reader), n, 2.0) < 2.0


def test_a_site_change_elsewhere_reaches_the_readers_map(actions, live, app_factory):
    actions.site("demo", moderation="none")
    reader = live()
    post(reader, 1)
    before = reader.test_client().get(THREAD).headers["ETag"]
    actions.app.test_cli_runner().invoke(args=["site", "set", "demo", "--max-depth", "2"])
    visible_within(lambda: int(reader.test_client().get(THREAD).headers["ETag"] != before), 1, 2)


def test_with_the_channel_down_reads_ask_the_database_and_stay_exact(actions, live, pg_only):
    actions.site("demo", moderation="none")
    reader, writer = live(), live()
    post(writer, 1)
    assert count(reader) == 1
    thread = versions.listener(reader)
    assert thread is not None and thread.backend_pid is not None
    engine = create_engine(pg_only)
    with engine.begin() as conn:  # the listener's connection dies (a restart, a network cut)
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": thread.backend_pid})
    engine.dispose()
    deadline = time.monotonic() + 5
    while caches(reader).versions.live and time.monotonic() < deadline:
        time.sleep(0.005)
    post(writer, 2)
    assert count(reader) == 2  # not live (or live again from empty): the version is asked
    assert versions.wait_live(reader)  # it reconnects by itself
    post(writer, 3)
    visible_within(lambda: count(reader), 3, 2.0)


@pytest.mark.slow
def test_two_hosts_see_each_others_writes(actions, pg_only):
    actions.site("demo", moderation="none")
    env = {**os.environ, "COMMENTSVC_SQLALCHEMY_DATABASE_URI": pg_only,
           "COMMENTSVC_SECRET_KEY": "exact-test", "COMMENTSVC_FLOOD_SECONDS": "0",
           "COMMENTSVC_RATELIMIT_ENABLED": "false", "COMMENTSVC_INSTANCE_PATH": "/tmp/exact"}
    with gunicorn(env) as one, gunicorn(env) as two:
        def read(server: Server) -> int:
            return int(server.request("GET", THREAD).json["count"])

        for n in range(1, 6):
            for _ in range(4):  # both workers of the reading host remember the version
                assert read(two) == n - 1
            answer = one.request("POST", THREAD, {"name": "Ana", "email": f"a{n}@example.org",
                                                  "body": f"Comment number {n}"})
            assert answer.status == 201, answer.body
            visible_within(lambda: read(two), n, 2.0)


def _same_headers(slow: t.Any, fast: t.Any) -> None:
    def shown(answer: t.Any) -> dict[str, str]:
        return {k: v for k, v in answer.headers.items() if k != "X-Request-ID"}

    assert fast.status_code == slow.status_code
    assert shown(fast) == shown(slow)
    assert fast.data == slow.data
    assert len(fast.headers["X-Request-ID"]) >= 8


def test_the_fast_path_answers_exactly_as_the_view(actions, live):
    """A cached read and a 304 answered before Flask carry the view's headers and bytes."""
    actions.site("demo", "https://blog.example", moderation="none")
    app = live()
    post(app, 1)
    client = app.test_client()
    origin = {"Origin": "https://blog.example"}
    settle(app)
    caches(app).versions.set_live(True)  # forget the head: the next read goes through Flask
    slow = client.get(THREAD, headers=origin)
    with recorded_statements(app) as statements:
        fast = client.get(THREAD, headers=origin)
    assert statements == []
    _same_headers(slow, fast)
    assert fast.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    etag = {"If-None-Match": slow.headers["ETag"], **origin}
    caches(app).versions.set_live(True)  # forget the head: the next 304 goes through Flask
    slow = client.get(THREAD, headers=etag)
    fast = client.get(THREAD, headers=etag)
    _same_headers(slow, fast)
    assert fast.status_code == 304
    foreign = client.get(THREAD, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert foreign.json["count"] == 1
