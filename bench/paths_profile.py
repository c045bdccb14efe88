"""Where a cache miss's CPU goes and how many round trips a write makes, in-process on PostgreSQL.

    python -m bench.paths_profile [--uri postgresql+psycopg://...] [--reads 200] [--writes 50]
                                  [--rounds 1] [--profile]

The app is built as production builds it (ENV=production, PostgreSQL, Redis for the limiter,
the access log and multiprocess metrics on), with no page cache and no version map, so every
read is a miss (head query, thread query, arrange, serialise). It reads the 200-comment thread
that `make bench-prod` seeds (run that first; the default URI is its database), then:

- the miss through the Flask test client, CPU per request (`time.process_time`), and each stage
  of `threads.page` timed alone: head query, thread query (execute + fetch), arrange and
  page selection, the public dicts, `json.dumps`;
- writes through the test client, each on a fresh address and IP: round trips to PostgreSQL per
  accepted comment, counted on the connection (every statement, the BEGIN psycopg sends before
  the first statement of a transaction, COMMIT and ROLLBACK when a transaction is open), listed
  by statement; and the CPU per write.

`--stages` times each stage of a write alone (CPU, `time.process_time`, by wrapping the
functions that do it; the wrappers cost ~1 µs each): the WSGI call as gunicorn makes it, the
limiter, the body and validation, the keyed hashes, each statement, the spam checks, Markdown,
the commit, and the rest of the view and of Flask.

`--reads 0` skips the reads (the database then needs only the site `bench`); `--rounds N` runs
the writes N times and prints each round's CPU per write and their median. `--profile` prints
cProfile's top functions of the misses and the writes.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import statistics
import tempfile
import time
import typing as t
from pathlib import Path

import psycopg
from flask import Flask
from sqlalchemy import event

from bench import prod_servers as ps
from commentsvc import comments, create_app, privacy, serialize, threads
from commentsvc.extensions import db
from commentsvc.paging import Paging
from commentsvc.spam import store
from commentsvc.views import api

THREAD = "/api/v1/sites/bench/articles/%2Fbench%2Fthread%2F/comments"
WRITES = "/api/v1/sites/bench/articles/%2Fbench%2Fprofile%2F/comments"
IDLE = psycopg.pq.TransactionStatus.IDLE


def production_app(uri: str) -> Flask:
    folder = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    env = ps.service_env(uri, folder, COMMENTSVC_THREAD_CACHE_BYTES="0",
                         COMMENTSVC_THREAD_VERSION_PUSH="false")
    (folder / "metrics").mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return create_app()


class Trips:
    """Round trips to PostgreSQL on an engine's connections, by statement."""

    def __init__(self) -> None:
        self.seen: collections.Counter[str] = collections.Counter()

    def total(self) -> int:
        return sum(self.seen.values())

    def attach(self, engine: t.Any) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda conn: self._end(conn, "COMMIT"))
        event.listen(engine, "rollback", lambda conn: self._end(conn, "ROLLBACK"))

    @staticmethod
    def _status(conn: t.Any) -> t.Any:
        return conn.connection.dbapi_connection.info.transaction_status

    def _statement(self, conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        if self._status(conn) == IDLE:
            self.seen["BEGIN"] += 1  # psycopg opens the transaction with its own round trip
        self.seen[re.sub(r"\s+", " ", statement)[:90]] += 1

    def _end(self, conn: t.Any, what: str) -> None:
        if self._status(conn) != IDLE:
            self.seen[what] += 1


def miss_stages(app: Flask, reads: int) -> dict[str, float]:
    """ms of CPU per miss of each stage of threads.page, timed alone (queries: client side)."""
    paging = Paging()
    out: dict[str, float] = collections.defaultdict(float)
    with app.test_request_context(THREAD):
        for _ in range(reads):
            t0 = time.process_time()
            h = threads.thread_head("bench", "/bench/thread/")
            t1 = time.process_time()
            rows = db.session.connection().execute(
                threads._thread_statement(), {"article_id": h.article.id}).all()  # type: ignore
            t2 = time.process_time()
            shape = threads._shape(h, "/bench/thread/", paging,
                                   db.session.connection())  # its query again
            t3 = time.process_time()
            tree = serialize.thread(shape)
            t4 = time.process_time()
            serialize.thread_json(shape)
            t5 = time.process_time()
            db.session.rollback()
            out["head query"] += t1 - t0
            out["thread query + fetch"] += t2 - t1
            out["arrange + page (after its query)"] += (t3 - t2) - (t2 - t1)
            out["public dicts"] += t4 - t3
            out["public dicts + json.dumps"] += t5 - t4
            assert tree["count"] == 200 and len(rows) == 200
    return {k: v / reads * 1000 for k, v in out.items()}


def misses(app: Flask, reads: int, profile: bool) -> float:
    client = app.test_client()
    for _ in range(20):
        assert client.get(THREAD).status_code == 200
    prof = cProfile.Profile() if profile else None
    c0 = time.process_time()
    if prof:
        prof.enable()
    for _ in range(reads):
        client.get(THREAD)
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return (time.process_time() - c0) / reads * 1000


def writes(app: Flask, count: int, trips: Trips, profile: bool, first: int = 0,
           warmed: t.Callable[[], None] | None = None) -> tuple[float, float]:
    """(round trips, ms of CPU) per write of `count` writes; addresses and IPs from `first`;
    `warmed` is called after the warm-up writes."""
    client = app.test_client()
    run = f"{time.time_ns() % 10**9:x}"

    def post(n: int) -> None:
        r = client.post(WRITES, json={
            "name": f"Profile {n}", "email": f"p{run}x{n}@bench.example",
            "body": f"A comment of the round-trip count {run} {n}: the harbour lights were on "
                    "again last night and I walked down to see the boats."},
            headers={"X-Forwarded-For": f"10.{99 + n // 62500}.{n // 250 % 250}.{n % 250}"})
        assert r.status_code == 201, r.get_data(as_text=True)

    for n in range(5):
        post(10**6 + first + n)  # warm: statements prepared, filter loaded
    trips.seen.clear()
    if warmed:
        warmed()
    prof = cProfile.Profile() if profile else None
    c0 = time.process_time()
    if prof:
        prof.enable()
    for n in range(first, first + count):
        post(n)
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return trips.total() / count, (time.process_time() - c0) / count * 1000


class Stages:
    """CPU per stage of a write, each measured by wrapping the function that does it; a
    stage's time excludes the stages timed inside it (so `submit` is what no inner stage
    took, and `request` what Flask, WSGI and the hooks took)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = collections.defaultdict(float)
        self.inner: list[float] = []  # time of the timed stages inside each open stage

    def reset(self) -> None:
        self.spent.clear()

    def wrap(self, name: str, fn: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        def timed(*args: t.Any, **kwargs: t.Any) -> t.Any:
            self.inner.append(0.0)
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.process_time() - t0
                self.spent[name] += elapsed - self.inner.pop()
                if self.inner:
                    self.inner[-1] += elapsed
        return timed

    def patch(self, owner: t.Any, attr: str, name: str) -> None:
        if hasattr(owner, attr):  # older code (a "before" checkout) may not have it
            setattr(owner, attr, self.wrap(name, getattr(owner, attr)))

    def install(self, app: Flask) -> None:
        """Wrap the stages; the names nest (see `table`)."""
        app.wsgi_app = self.wrap("request", app.wsgi_app)  # type: ignore[method-assign]
        for owner, attr, name in [
            (api, "read_body", "body"), (api, "validate_submission", "validation"),
            (comments, "_site_and_article", "site + article + locks"),
            (comments, "checks", "checks (flood, repeat, ban, model)"),
            (comments, "_checks", "checks (flood, repeat, ban, model)"),  # before 2026-12-03:
            (comments.bans, "matching", "ban"),  # ... the ban, the filter's version and the
            (store, "current", "learned filter's version"),  # three writes alone
            (comments, "bump_article", "UPDATE article"), (db.session, "flush", "INSERT comment"),
            (comments, "insert_comment", "insert (comment, event, counters)"),
            (comments, "score_submission", "spam checks"),
            (comments, "render_body", "Markdown"),
            (comments, "submit", "submit"), (api.serialize, "submitted", "answer"),
            (db.session, "commit", "commit"),
        ]:
            self.patch(owner, attr, name)
        for attr in ("email_hash", "ip_hash", "email_hashes", "ip_hashes", "avatar_key",
                     "encrypt", "token_hash"):
            self.patch(privacy.Keys, attr, "keyed hashes + Fernet")
        limiter = app.extensions["limiter"]
        self.patch(type(limiter), "_check_request_limit", "limiter")  # the view's decorator
        hooks: list[dict[t.Any, list[t.Any]]] = [  # type: ignore[list-item]
            app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs]
        for funcs in hooks:
            for key, listed in funcs.items():
                funcs[key] = [self.wrap(self.hook_name(f), f) for f in listed]
        app.teardown_appcontext_funcs = [self.wrap(self.hook_name(f), f)
                                         for f in app.teardown_appcontext_funcs]
        self.patch(app, "make_response", "Flask: the response from the view's value (JSON)")
        self.patch(app, "do_teardown_appcontext", "Flask: app context teardown")

    @staticmethod
    def hook_name(fn: t.Any) -> str:
        if "imit" in repr(fn):
            return "limiter"
        return f"hook: {getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"

    def table(self, count: int) -> list[tuple[str, float]]:
        """µs per write by stage, and the whole request."""
        names = {"submit": "submit: the rest (decisions, objects, SQLAlchemy session)",
                 "request": "Flask, WSGI and the hooks (the rest of the request)"}
        rows = [(names.get(k, k), v / count * 1e6) for k, v in self.spent.items()]
        rows.sort(key=lambda r: -r[1])
        return [*rows, ("whole request (gunicorn calls this)",
                        sum(self.spent.values()) / count * 1e6)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", default=ps.database_uri())
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--stages", action="store_true")
    opts = parser.parse_args()
    app = production_app(opts.uri)
    trips = Trips()
    with app.app_context():
        trips.attach(db.engine)
    if opts.reads > 0:
        stages = miss_stages(app, opts.reads)
        cpu = misses(app, opts.reads, opts.profile)
        print(f"cache miss, whole request in-process (test client): {cpu:.2f} ms CPU")
        for name, ms in stages.items():
            print(f"  {name}: {ms:.2f} ms")
    if opts.writes <= 0:
        return
    cpus = []
    for r in range(opts.rounds):
        per_write, write_cpu = writes(app, opts.writes, trips, opts.profile and r == 0,
                                      first=r * opts.writes)
        cpus.append(write_cpu)
    print(f"writes: {per_write:.1f} round trips per accepted comment, "
          f"{statistics.median(cpus):.2f} ms CPU (median of "
          f"{' '.join(f'{c:.2f}' for c in cpus)})")
    for statement, n in trips.seen.most_common():
        print(f"  {n / opts.writes:4.1f}  {statement}")
    if opts.stages:
        timer = Stages()
        timer.install(app)
        writes(app, opts.writes, trips, False, first=opts.rounds * opts.writes,
               warmed=timer.reset)
        print("write stages, µs of CPU per write:")
        for name, us in timer.table(opts.writes):
            print(f"  {us:7.0f}  {name}")


if __name__ == "__main__":
    main()
