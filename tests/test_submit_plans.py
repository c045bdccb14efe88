"""PostgreSQL: a submission's checks cost the same on a quiet article and a busy one, under the
generic plans the submission asks for, and those plans end with its transaction."""

from __future__ import annotations

import datetime as dt
import json
import typing as t

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import asyncpg

from commentsvc import bans, comment_sql, comments
from commentsvc.extensions import db
from commentsvc.models import Article, Site
from commentsvc.privacy import keys
from commentsvc.spam import store

pytestmark = pytest.mark.postgres

URL = "/api/v1/sites/demo/articles/{}/comments"


@pytest.fixture
def pg_app(database_uri: str, app_factory: t.Callable[..., t.Any]) -> t.Any:
    if not database_uri.startswith("postgresql"):
        pytest.skip("plans are PostgreSQL's")
    app = app_factory(FLOOD_SECONDS=0)
    result = app.test_cli_runner().invoke(args=["site", "add", "demo", "--origin",
                                                "https://blog.example"])
    assert result.exit_code == 0, result.output
    return app


def post(client: t.Any, article: str, n: int) -> None:
    answer = client.post(URL.format(article), json={
        "name": "Ana", "email": f"ana{n}@example.org", "body": f"Comment number {n}"},
        environ_base={"REMOTE_ADDR": f"192.0.2.{n % 250}"})
    assert answer.status_code == 202, answer.get_data(as_text=True)


def fill(article_id: int, count: int) -> None:
    """`count` comments by as many addresses on one article, in one statement."""
    db.session.execute(text(
        "INSERT INTO comments (article_id, status, author_name, email_hash, ip_prefix, body, "
        "body_html, body_fingerprint, spam_score, spam_reasons, created_at, staff) "
        "SELECT :article, 'approved', 'Reader ' || i, md5('e' || i), '10.0.0.0/24', 'x', "
        "'<p>x</p>', md5('b' || i), 0, '[]', now() - interval '1 day', false "
        "FROM generate_series(1, :count) i"), {"article": article_id, "count": count})
    db.session.commit()
    db.session.execute(text("ANALYZE comments"))
    db.session.commit()


def generic_plan(article_id: int, site_id: int) -> dict[str, t.Any]:
    """The checks statement's plan as a submission runs it (generic), with its buffers."""
    k = keys()
    poster = comment_sql.Poster("new@example.org", "198.51.100.7",
                                k.email_hashes("new@example.org"), k.ip_hashes("198.51.100.7"))
    now = dt.datetime.now(dt.UTC)
    statement = comment_sql._checks_statement(True)
    compiled = statement.compile(dialect=asyncpg.dialect())  # $1, $2 ... as PREPARE takes them
    params = compiled.construct_params({
        "emails": poster.email_hashes, "ips": poster.ip_hashes, "since": now,
        "article_id": article_id, "fingerprint": comments.fingerprint("a text never sent"),
        **bans.mode_params(site_id, poster.email_hashes, poster.email, poster.ip, now),
        **store.head_params()})
    values = [params[name] for name in compiled.positiontup or ()]
    raw = db.session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = psycopg.ClientCursor(t.cast(psycopg.Connection[t.Any], raw))
    cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    cursor.execute(f"PREPARE checks AS {compiled}")
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE checks("
                   + ", ".join(["%s"] * len(values)) + ")", values)
    row = cursor.fetchone()
    assert row is not None
    cursor.execute("DEALLOCATE checks")
    db.session.rollback()
    found = row[0]
    return t.cast(dict[str, t.Any], (json.loads(found) if isinstance(found, str) else found)[0])


def nodes(plan: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def test_the_checks_read_as_much_on_a_busy_article_as_on_a_quiet_one(pg_app):
    client = pg_app.test_client()
    post(client, "quiet", 1)
    post(client, "busy", 2)
    with pg_app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "demo"))
        ids = {a.key: a.id for a in db.session.scalars(select(Article))}
        fill(ids["busy"], 5000)
        quiet, busy = (generic_plan(ids[key], site.id)["Plan"] for key in ("quiet", "busy"))
    blocks = [p["Shared Hit Blocks"] + p["Shared Read Blocks"] for p in (quiet, busy)]
    assert blocks[1] <= blocks[0] + 3, blocks  # walking the busy article's key was ~50 more
    scans = {(n["Node Type"], n.get("Relation Name")) for n in nodes(busy)}
    assert ("Seq Scan", "comments") not in scans, scans


def test_generic_plans_end_with_the_submission(pg_app):
    with pg_app.test_request_context():
        connection = db.session.connection()
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        comments._site_and_article("demo", "any", "a-hash")
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == \
            "force_generic_plan"
        db.session.commit()
        connection = db.session.connection()
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() == pid
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
        db.session.rollback()
