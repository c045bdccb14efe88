"""Issue 12 item 7: flood control is atomic. 20 concurrent posts from one IP with different
addresses within FLOOD_SECONDS store exactly one (it stored 5 before)."""

from __future__ import annotations

import os
import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import Comment

from .conftest import Actions
from .servers import commentsvc, gunicorn

URL = "/api/v1/sites/demo/articles/hello-world/comments"
N = 20


def _stored(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Comment)) or 0)


def _body(i: int) -> dict[str, str]:
    return {"name": f"Reader {i}", "email": f"reader{i}@example.org", "body": f"Comment {i}"}


def test_concurrent_posts_from_one_ip_store_one_threads(
        app_factory: t.Callable[..., Flask]) -> None:
    app = app_factory(FLOOD_SECONDS=15, SUBMIT_RATE_LIMIT="1000 per minute")
    Actions(app, app.test_client()).site("demo")
    barrier = threading.Barrier(N)

    def send(i: int) -> int:
        client = app.test_client()
        barrier.wait()
        return client.post(URL, json=_body(i), environ_base={"REMOTE_ADDR": "192.0.2.50"}
                           ).status_code

    with ThreadPoolExecutor(N) as pool:
        statuses = sorted(pool.map(send, range(N)))
    assert statuses == [202] + [429] * (N - 1)
    assert _stored(app) == 1


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_posts_from_one_ip_store_one_over_gunicorn(
        database_uri: str, app_factory: t.Callable[..., Flask]) -> None:
    if not database_uri.startswith("postgresql"):
        pytest.skip("several gunicorn workers need PostgreSQL")
    app = app_factory()  # the tables are emptied after the test
    env = {**os.environ, "COMMENTSVC_SQLALCHEMY_DATABASE_URI": database_uri,
           "COMMENTSVC_SECRET_KEY": "flood-secret-0123456789-0123456789",
           "COMMENTSVC_FLOOD_SECONDS": "15", "COMMENTSVC_SUBMIT_RATE_LIMIT": "1000 per minute"}
    commentsvc(env, "db", "upgrade")
    commentsvc(env, "site", "add", "demo", "--origin", "https://blog.example")
    with gunicorn(env, workers=6) as server:
        barrier = threading.Barrier(N)

        def send(i: int) -> int:
            barrier.wait()
            return server.request("POST", URL, _body(i), timeout=30).status

        with ThreadPoolExecutor(N) as pool:
            statuses = sorted(pool.map(send, range(N)))
    assert statuses == [202] + [429] * (N - 1)
    assert _stored(app) == 1
