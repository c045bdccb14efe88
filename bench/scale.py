"""Scale: the thread read and the moderation queue cost the same at 10,000 and 1,000,000 comments.

    python -m bench.scale            # make scale; prints Markdown for bench/README.md
    COMMENTSVC_SCALE_URI=postgresql+psycopg://postgres@127.0.0.1:5432 python -m bench.scale

Two databases are (re)created on that server: `commentsvc_scale_small` (10,000 comments over
100 articles) and `commentsvc_scale` (1,000,000 comments over 10,000 articles), so each thread
holds ~100 comments in both. Rows are made in bulk with INSERT ... SELECT generate_series. Then
the application's own service functions run (threads.page, moderation.list_queue,
first page and a page 20 cursors deep); their SQL is captured and run again under
EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import typing as t

import psycopg
from sqlalchemy import event, text

from bench.harness import commentsvc

SERVER = os.environ.get("COMMENTSVC_SCALE_URI", "postgresql+psycopg://postgres@127.0.0.1:5432")
# By the comment's rank within its article, so every thread has the same mix: 80% approved,
# 15% pending, 2.5% spam, 2.5% rejected.
STATUS_MIX = "CASE WHEN (i / %(articles)s) %% 20 < 16 THEN 'approved' " \
             "WHEN (i / %(articles)s) %% 20 < 19 THEN 'pending' " \
             "WHEN (i / %(articles)s) %% 40 < 20 THEN 'spam' ELSE 'rejected' END"


def recreate(name: str) -> str:
    plain = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = f"{SERVER}/{name}"
    commentsvc({"COMMENTSVC_SQLALCHEMY_DATABASE_URI": uri, "COMMENTSVC_SECRET_KEY": "scale"},
               "db", "upgrade")
    return uri


def seed(uri: str, comments: int, articles: int) -> float:
    """Bulk rows: one site, `articles` articles, `comments` comments spread evenly; seconds."""
    began = time.monotonic()
    plain = uri.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        conn.execute("INSERT INTO sites (key, name, origins, moderation, disallowed_words, "
                     "moderation_words, blocked_emails, blocked_ip_prefixes, max_links, "
                     "max_depth, created_at) VALUES ('scale', 'Scale', '[\"https://news.example\"]',"
                     " 'all', '[]', '[]', '[]', '[]', 2, 5, now())")
        conn.execute("INSERT INTO articles (site_id, key, comments_open, approved_count, version, "
                     "created_at) SELECT 1, 'article-' || a, true, 0, 1, now() "
                     "FROM generate_series(1, %s) a", (articles,))
        conn.execute(
            "INSERT INTO comments (article_id, status, author_name, email_hash, avatar_key, "
            "ip_prefix, body, body_html, body_fingerprint, spam_score, spam_reasons, created_at) "
            f"SELECT 1 + i %% %(articles)s, {STATUS_MIX}, 'Reader ' || i, md5('e' || i), "
            "substr(md5('a' || i), 1, 32), '10.0.0.0/24', "
            "'Comment number ' || i || ' with a few words about the article.', "
            "'<p>Comment number ' || i || ' with a few words about the article.</p>', "
            "md5('b' || i), 0, '[]', "
            "now() - make_interval(secs => %(comments)s - i) "
            "FROM generate_series(1, %(comments)s) i", {"articles": articles, "comments": comments})
        conn.execute("UPDATE articles SET approved_count = c.n FROM (SELECT article_id, count(*) n "
                     "FROM comments WHERE status = 'approved' GROUP BY article_id) c "
                     "WHERE c.article_id = articles.id")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - began


def measure(uri: str, articles: int) -> dict[str, t.Any]:
    """Median milliseconds of the service calls, and EXPLAIN (ANALYZE, BUFFERS) of their SQL."""
    from commentsvc import create_app, moderation, threads
    from commentsvc.extensions import db
    from commentsvc.models import Moderator
    from commentsvc.paging import Paging

    # No thread cache: every call pays the comment query (and its serialisation) it measures.
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "scale",
                      "THREAD_CACHE_BYTES": 0})
    out: dict[str, t.Any] = {}
    with app.test_request_context():  # the thread is serialised, with its avatar URLs
        moderation.add_moderator("scale-admin", [], admin=True)
        admin = db.session.scalar(db.select(Moderator).where(Moderator.name == "scale-admin"))
        middle = f"article-{articles // 2}"
        cursor = None
        for _ in range(20):  # the cursor of page 21
            cursor = moderation.list_queue(admin, "pending", None, None, 50, cursor).next_cursor
        calls: dict[str, t.Callable[[], t.Any]] = {
            "thread": lambda: threads.page("scale", middle, Paging()),
            "queue, first page": lambda: moderation.list_queue(admin, "pending", None, None, 50,
                                                               None),
            "queue, page 21": lambda: moderation.list_queue(admin, "pending", None, None, 50,
                                                            cursor),
        }
        for name, call in calls.items():
            captured: list[tuple[str, t.Any]] = []

            def capture(conn: t.Any, cursor_: t.Any, statement: str, parameters: t.Any,
                        context: t.Any, executemany: bool,
                        into: list[tuple[str, t.Any]] = captured) -> None:
                into.append((statement, parameters))

            call()
            db.session.rollback()
            times = []
            for _ in range(30):
                began = time.perf_counter()
                call()
                times.append((time.perf_counter() - began) * 1000)
                db.session.rollback()
            event.listen(db.engine, "before_cursor_execute", capture)
            call()
            event.remove(db.engine, "before_cursor_execute", capture)
            db.session.rollback()
            statement, parameters = next(
                (s, p) for s, p in captured if "FROM comments" in s and "ORDER BY" in s)
            with db.engine.connect() as conn:
                plan = [row[0] for row in conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            out[name] = {"median_ms": round(statistics.median(times), 2), "plan": plan}
        out["rows"] = db.session.execute(text("SELECT count(*) FROM comments")).scalar()
    return out


def report(results: dict[str, dict[str, t.Any]]) -> str:
    lines = ["| query | 10,000 comments: median ms | 1,000,000: median ms | plan (1,000,000) | "
             "buffers and execution (10,000 → 1,000,000) |", "|---|---|---|---|---|"]
    small, large = results["small"], results["large"]
    for name in ("thread", "queue, first page", "queue, page 21"):
        def key(plan: list[str], word: str) -> str:
            return next((line.strip() for line in plan if word in line), "")

        scan = next((line.strip().lstrip("-> ") for line in large[name]["plan"]
                     if "Index" in line and "Scan" in line), large[name]["plan"][0].strip())
        lines.append(
            f"| {name} | {small[name]['median_ms']} | {large[name]['median_ms']} | "
            f"{scan.split('  (')[0]} | {key(small[name]['plan'], 'Buffers')} / "
            f"{key(small[name]['plan'], 'Execution Time')} → {key(large[name]['plan'], 'Buffers')}"
            f" / {key(large[name]['plan'], 'Execution Time')} |")
    return "\n".join(lines)


def main(argv: t.Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    results: dict[str, dict[str, t.Any]] = {}
    for label, name, count, articles in (
        ("small", "commentsvc_scale_small", 10_000, 100),
        ("large", "commentsvc_scale", args.large, args.large // 100),
    ):
        uri = recreate(name)
        seconds = seed(uri, count, articles)
        print(f"{name}: {count} comments over {articles} articles seeded in {seconds:.1f} s")
        results[label] = measure(uri, articles)
    print()
    print(report(results))
    for label in ("small", "large"):
        for name in ("thread", "queue, first page", "queue, page 21"):
            print(f"\n{label} ({results[label]['rows']} comments), {name}:\n")
            print("\n".join("    " + line for line in results[label][name]["plan"]))


if __name__ == "__main__":
    main()
