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
from commentsvc import create_app, serialize, threads
from commentsvc.extensions import db
from commentsvc.paging import Paging

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
            shape = threads._shape(h, paging, db.session.connection())  # its query again
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


def writes(app: Flask, count: int, trips: Trips, profile: bool,
           first: int = 0) -> tuple[float, float]:
    """(round trips, ms of CPU) per write of `count` writes; addresses and IPs from `first`."""
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", default=ps.database_uri())
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
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


if __name__ == "__main__":
    main()
