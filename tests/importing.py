"""Helpers for the import and export tests: the sample files and what got stored.

Our own small samples live in tests/data/ and always run; the shared ones (larger, from other
projects) add tests when ../shared/data is there.
"""

from __future__ import annotations

import typing as t
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import Article, Comment, ModerationEvent

REPO = Path(__file__).resolve().parents[1]
OUR_DATA = REPO / "tests" / "data"
# ../shared/data beside the repository (CI), or two levels up for a worktree checkout.
DATA_DIRS = [OUR_DATA, REPO.parent / "shared" / "data", REPO.parents[1] / "shared" / "data"]


# A test module takes this fixture by assignment, `blog = importing.blog`: an import would read
# as unused to ruff.
@pytest.fixture
def blog(actions: t.Any) -> t.Any:
    """A site "blog" to import into; the test's Actions."""
    actions.site("blog")
    return actions


def sample(name: str) -> Path:
    """A sample file (ours first, then the shared ones), or a skip naming where it was looked."""
    for folder in DATA_DIRS:
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"sample {name} not found in {' or '.join(str(d) for d in DATA_DIRS)}")


def invoke(app: Flask, *args: str) -> t.Any:
    return app.test_cli_runner().invoke(args=list(args))


def import_ok(app: Flask, kind: str, path: Path | str, site: str = "blog", *extra: str) -> str:
    result = invoke(app, "import", kind, str(path), "--site", site, *extra)
    assert result.exit_code == 0, result.output
    return t.cast(str, result.output)


def stored(app: Flask) -> list[dict[str, t.Any]]:
    """Every stored comment with its article key, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(Comment, Article.key).join(Article).order_by(Comment.created_at, Comment.id)
        )
        out = []
        for c, key in rows:
            out.append({"id": c.id, "article": key, "parent_id": c.parent_id, "status": c.status,
                        "name": c.author_name, "url": c.author_url, "body": c.body,
                        "body_html": c.body_html, "created_at": c.created_at,
                        "source": c.source, "source_id": c.source_id,
                        "email_hash": c.email_hash, "email_cipher": c.email_cipher,
                        "avatar_key": c.avatar_key,
                        "ip_prefix": c.ip_prefix, "ip_hash": c.ip_hash})
        return out


def articles(app: Flask) -> dict[str, tuple[str | None, str | None, int, int]]:
    """key -> (title, url, approved_count, version)."""
    with app.app_context():
        return {a.key: (a.title, a.url, a.approved_count, a.version)
                for a in db.session.scalars(select(Article))}


def row_counts(app: Flask) -> tuple[int, int, int]:
    """How many articles, comments and audit events are stored."""
    with app.app_context():
        return (db.session.scalar(select(func.count(Article.id))) or 0,
                db.session.scalar(select(func.count(Comment.id))) or 0,
                db.session.scalar(select(func.count(ModerationEvent.id))) or 0)


def depth(comment: dict[str, t.Any], by_id: dict[int, dict[str, t.Any]]) -> int:
    n = 1
    while comment["parent_id"] is not None:
        comment = by_id[comment["parent_id"]]
        n += 1
    return n


def thread_url(site: str, key: str) -> str:
    return f"/api/v1/sites/{site}/articles/{quote(key, safe='')}/comments"
