"""Big threads written straight to the database (thousands of comments in two statements),
site settings past the setters' checks, and the SQL a read costs."""

from __future__ import annotations

import contextlib
import datetime as dt
import typing as t

from flask import Flask
from sqlalchemy import event, insert, select, update

from commentsvc.extensions import db
from commentsvc.models import Article, Comment, Site

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def insert_comments(app: Flask, n: int, *, chain: bool = False, body: str = "<p>hi</p>",
                    site: str = "demo", article: str = "hello-world") -> list[int]:
    """n approved comments on the article (made if missing), oldest first; with chain=True each
    one replies to the one before. Returns their ids."""
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.key == site))
        article_id = db.session.scalar(
            select(Article.id).where(Article.site_id == site_id, Article.key == article))
        if article_id is None:
            article_id = db.session.scalar(
                insert(Article).values(site_id=site_id, key=article).returning(Article.id))
        rows = [{"article_id": article_id, "status": "approved", "author_name": f"Reader {i}",
                 "email_hash": f"{i:064x}", "body": body, "body_html": body,
                 "body_fingerprint": f"{i:064x}", "avatar_key": "a" * 32,
                 "created_at": START + dt.timedelta(seconds=i)} for i in range(n)]
        ids = list(db.session.scalars(
            insert(Comment).returning(Comment.id, sort_by_parameter_order=True), rows))
        if chain:
            links = zip(ids[:-1], ids[1:], strict=True)
            db.session.execute(update(Comment),
                               [{"id": child, "parent_id": parent} for parent, child in links])
        db.session.execute(update(Article).where(Article.id == article_id).values(
            approved_count=Article.approved_count + n, version=Article.version + 1))
        db.session.commit()
    return ids


def set_site(app: Flask, **values: t.Any) -> None:
    """Change every site's columns directly, past the setters' checks (e.g. max_depth=10_000)."""
    with app.app_context():
        db.session.execute(update(Site).values(**values))
        db.session.commit()


@contextlib.contextmanager
def recorded_statements(app: Flask) -> t.Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
