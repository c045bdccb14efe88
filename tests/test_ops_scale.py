"""The moderation queue's keyset cursor: every comment once, newest first, ties included.

The cursor is a row comparison on (created_at, id) so PostgreSQL seeks the queue index at any
depth (bench/README.md, "Scale"); these tests pin down that it still pages correctly.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text, update

from commentsvc.extensions import db
from commentsvc.models import Comment


def test_queue_pages_visit_every_comment_once_even_with_equal_times(app, actions):
    actions.site("demo")
    token = actions.moderator("pager", "demo")
    ids = [actions.post(body=f"Comment {i}", email=f"p{i}@example.org").json["id"]
           for i in range(7)]
    same = dt.datetime(2026, 11, 28, 5, 0, tzinfo=dt.UTC)
    with app.app_context():  # three comments share one timestamp: only the id orders them
        db.session.execute(update(Comment).where(Comment.id.in_(ids[2:5])).values(created_at=same))
        db.session.execute(update(Comment).where(Comment.id.in_(ids[:2]))
                           .values(created_at=same - dt.timedelta(seconds=1)))
        db.session.commit()
    seen, cursor = [], None
    for _ in range(10):
        page = actions.queue(token, limit=2, **({"cursor": cursor} if cursor else {})).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    assert seen == [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]


def test_a_connection_killed_under_a_finished_request_does_not_fail_it(app):
    """PostgreSQL restarted between the answer and the teardown's ROLLBACK: no 500."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("needs a server whose connection can be killed")

    with app.test_request_context("/"):
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with other.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()
    # leaving the context ran the teardown without raising; the next request works
    assert app.test_client().get("/readyz").status_code == 200
