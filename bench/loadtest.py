"""Load and faults: mixed traffic against gunicorn (2 workers), PostgreSQL and Redis on loopback.

    python -m bench.loadtest --duration 60 --outage 5     # make loadtest; prints a Markdown table

Scenarios, each on a private PostgreSQL and Redis started here (never the machine's own):
- mixed: 95% thread reads, 5% submissions, every submission from its own client address
  (X-Forwarded-For through TRUSTED_PROXIES=1) and email;
- postgres: the same load while PostgreSQL is stopped for `outage` seconds and started again;
- redis: the same load while Redis is stopped for `outage` seconds and started again, with a
  burst from one address during and after the outage to show the limits still hold.
After each, every submission answered 201/202 is looked up: it must be stored exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import random
import threading
import time
import typing as t
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from bench.harness import (
    PrivatePostgres,
    PrivateRedis,
    commentsvc,
    private_postgres,
    private_redis,
    serve,
)

SITE = "loadtest"
ARTICLES = [f"article-{i}" for i in range(20)]
CONNECT_TIMEOUT = 3  # COMMENTSVC_DATABASE_CONNECT_TIMEOUT for the run
CLIENT_TIMEOUT = 15


@dataclass
class Hit:
    at: float  # seconds since the run started
    kind: str  # read, submit, burst
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    retry_after: bool


@dataclass
class Run:
    hits: list[Hit] = field(default_factory=list)
    acknowledged: dict[int, str] = field(default_factory=dict)  # comment id -> body
    lock: threading.Lock = field(default_factory=threading.Lock)
    marks: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # bodies of 5xx answers other than 503

    def add(self, hit: Hit, ack: tuple[int, str] | None = None) -> None:
        with self.lock:
            self.hits.append(hit)
            if ack:
                self.acknowledged[ack[0]] = ack[1]

    def between(self, start: str | None = None, end: str | None = None) -> list[Hit]:
        low = self.marks[start] if start else float("-inf")
        high = self.marks[end] if end else float("inf")
        return [h for h in self.hits if low <= h.at < high]


def classes(hits: list[Hit]) -> dict[str, int]:
    counted = Counter("no answer" if h.status == 0 else f"{h.status // 100}xx" for h in hits)
    return dict(sorted(counted.items()))


def request(base: str, method: str, path: str, body: dict[str, t.Any] | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=CLIENT_TIMEOUT)
    try:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data else {}
        conn.request(method, path, body=data, headers={**all_headers, **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, b""
    finally:
        conn.close()


class Load:
    """Worker threads sending reads and submissions until stopped."""

    def __init__(self, base: str, run: Run, started: float, threads: int = 8,
                 submit_share: float = 0.05, tag: str = "") -> None:
        self.base, self.run, self.started = base, run, started
        self.submit_share, self.tag = submit_share, tag or str(int(time.time()))
        self.clients = itertools.count(1)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(n,), daemon=True)
                        for n in range(threads)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(CLIENT_TIMEOUT + 5)

    def now(self) -> float:
        return time.monotonic() - self.started

    def _loop(self, n: int) -> None:
        rng = random.Random(n)
        while not self.stop.is_set():
            if rng.random() < self.submit_share:
                self.submit(next(self.clients), rng.choice(ARTICLES))
            else:
                self.read(rng.choice(ARTICLES))

    def note(self, status: int, answer: bytes) -> None:
        if status >= 500 and status != 503:
            with self.run.lock:
                self.run.errors.append(f"{status} {answer[:300]!r}")

    def read(self, article: str) -> None:
        began = time.monotonic()
        status, headers, answer = request(self.base, "GET",
                                          f"/api/v1/sites/{SITE}/articles/{article}/comments")
        self.note(status, answer)
        self.run.add(Hit(self.now(), "read", status, time.monotonic() - began,
                         "retry-after" in headers))

    def submit(self, client: int, article: str, kind: str = "submit",
               address: str | None = None) -> int:
        body = f"Load comment {self.tag}-{kind}-{client}: the numbers look right to me."
        address = address or f"10.{client >> 16 & 255}.{client >> 8 & 255}.{client & 255}"
        began = time.monotonic()
        status, headers, answer = request(
            self.base, "POST", f"/api/v1/sites/{SITE}/articles/{article}/comments",
            {"name": f"Reader {client}", "email": f"reader-{self.tag}-{kind}-{client}@example.org",
             "body": body}, {"X-Forwarded-For": address})
        self.note(status, answer)
        ack = None
        if status in (201, 202):
            ack = (int(json.loads(answer)["id"]), body)
        self.run.add(Hit(self.now(), kind, status, time.monotonic() - began,
                         "retry-after" in headers), ack)
        return status


def stored_exactly_once(pg: PrivatePostgres, acknowledged: dict[int, str]) -> dict[str, int]:
    """How many acknowledged submissions are stored once, missing, or stored more than once."""
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres") as conn:
        rows = conn.execute("SELECT id, body FROM comments WHERE id = ANY(%s)",
                            (list(acknowledged),)).fetchall()
        found = {ident: body for ident, body in rows}
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT body FROM comments WHERE body = ANY(%s) "
            "GROUP BY body HAVING count(*) > 1) d", (list(acknowledged.values()),)).fetchone()
    missing = [i for i, body in acknowledged.items() if found.get(i) != body]
    return {"acknowledged": len(acknowledged), "stored": len(acknowledged) - len(missing),
            "missing": len(missing), "duplicated": int(dupes[0]) if dupes else 0}


def environment(pg: PrivatePostgres, redis: PrivateRedis) -> dict[str, str]:
    return {
        "COMMENTSVC_ENV": "production",
        "COMMENTSVC_SECRET_KEY": "load-test-secret-key-0123456789abcdefghij",
        "COMMENTSVC_SQLALCHEMY_DATABASE_URI": pg.uri,
        "COMMENTSVC_RATELIMIT_STORAGE_URI": redis.uri,
        "COMMENTSVC_TRUSTED_PROXIES": "1",
        "COMMENTSVC_FLOOD_SECONDS": "0",  # so a 429 in a burst is the rate limiter's
        "COMMENTSVC_DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
    }


def prepare(env: dict[str, str]) -> None:
    commentsvc(env, "db", "upgrade")
    commentsvc(env, "site", "add", SITE, "--origin", "https://news.example", "--moderation", "none")


def summary(name: str, run: Run, seconds: float) -> dict[str, t.Any]:
    hits = run.hits
    return {
        "scenario": name, "seconds": round(seconds, 1), "requests": len(hits),
        "per_second": round(len(hits) / seconds, 1) if seconds else 0,
        "reads": sum(h.kind == "read" for h in hits),
        "submissions": sum(h.kind != "read" for h in hits),
        "classes": classes(hits),
        "server_errors": sum(h.status >= 500 and h.status != 503 for h in hits),
        "unavailable": sum(h.status == 503 for h in hits),
        "unavailable_without_retry_after": sum(h.status == 503 and not h.retry_after
                                               for h in hits),
        "max_seconds": round(max((h.seconds for h in hits), default=0), 2),
        "p50_ms": percentile(hits, 0.5), "p99_ms": percentile(hits, 0.99),
        "errors": run.errors[:5],
    }


def percentile(hits: list[Hit], q: float) -> float:
    times = sorted(h.seconds for h in hits if h.status)
    return round(times[min(len(times) - 1, int(q * len(times)))] * 1000, 1) if times else 0.0


@dataclass
class Stack:
    pg: PrivatePostgres
    redis: PrivateRedis
    base: str


@contextlib.contextmanager
def stack(workers: int = 2) -> t.Iterator[Stack]:
    """Private PostgreSQL and Redis, migrated, with a site, and gunicorn serving them."""
    with private_postgres() as pg, private_redis() as redis:
        env = environment(pg, redis)
        prepare(env)
        with serve(env, workers=workers) as app:
            yield Stack(pg, redis, app.base)


def mixed(s: Stack, duration: float) -> dict[str, t.Any]:
    run, started = Run(), time.monotonic()
    with Load(s.base, run, started, tag=f"mixed{started}"):
        time.sleep(duration)
    result = summary("mixed", run, time.monotonic() - started)
    result["integrity"] = stored_exactly_once(s.pg, run.acknowledged)
    return result


def postgres_restart(s: Stack, duration: float, outage: float) -> dict[str, t.Any]:
    pg = s.pg
    run, started = Run(), time.monotonic()
    with Load(s.base, run, started, tag=f"pg{started}") as load:
        time.sleep(duration / 3)
        run.marks["stopping"] = load.now()
        pg.stop()
        run.marks["down"] = load.now()
        time.sleep(outage)
        run.marks["starting"] = load.now()
        pg.start()
        run.marks["up"] = load.now()
        time.sleep(max(duration * 2 / 3 - outage, 3))
    result = summary("postgres restart", run, time.monotonic() - started)
    during = run.between("down", "starting")
    after = run.between("up")
    failing_after = [h.at for h in after if h.status >= 500 or h.status == 0]
    first_ok = next((h.at for h in sorted(after, key=lambda h: h.at)
                     if 200 <= h.status < 400), None)
    result.update({
        "outage_seconds": round(run.marks["starting"] - run.marks["down"], 1),
        "during_outage": classes(during),
        "recovery_seconds": round(max(failing_after, default=run.marks["up"])
                                  - run.marks["up"], 2),
        "first_success_after_seconds": round(first_ok - run.marks["up"], 2)
        if first_ok is not None else None,
        "max_seconds_during_outage": round(max((h.seconds for h in during), default=0), 2),
        "integrity": stored_exactly_once(pg, run.acknowledged),
    })
    return result


def burst(load: Load, address: str, count: int = 12) -> list[int]:
    """Submissions from one address, faster than SUBMIT_RATE_LIMIT allows."""
    client = next(load.clients) + 10_000_000
    return [load.submit(client * 100 + i, ARTICLES[0], "burst", address) for i in range(count)]


def redis_stop(s: Stack, duration: float, outage: float) -> dict[str, t.Any]:
    pg, redis = s.pg, s.redis
    run, started = Run(), time.monotonic()
    with Load(s.base, run, started, tag=f"redis{started}") as load:
        time.sleep(duration / 3)
        run.marks["down"] = load.now()
        redis.stop()
        time.sleep(min(1.0, outage / 2))
        during_burst = burst(load, "192.0.2.10")
        time.sleep(max(outage - 1.0, 0))
        run.marks["starting"] = load.now()
        redis.start()
        run.marks["up"] = load.now()
        resumed = None
        deadline = time.monotonic() + 40
        probe = 0
        while time.monotonic() < deadline:  # until a submission counts in Redis again
            probe += 1
            load.submit(20_000_000 + probe, ARTICLES[1], "probe")
            if redis.keys("LIMITS*"):
                resumed = load.now() - run.marks["up"]
                break
            time.sleep(0.25)
        after_burst = burst(load, "192.0.2.20")
        counted_in_redis = bool(redis.keys("*192.0.2.20*"))
        time.sleep(max(duration * 2 / 3 - outage, 1))
    result = summary("redis stop", run, time.monotonic() - started)
    result.update({
        "outage_seconds": round(run.marks["starting"] - run.marks["down"], 1),
        "during_outage": classes(run.between("down", "starting")),
        "burst_during_outage": dict(Counter(during_burst)),
        "burst_after": dict(Counter(after_burst)),
        # Each worker returns to Redis on its own back-off schedule: until both have, a burst
        # may see up to one in-memory allowance more.
        "burst_after_counted_in_redis": counted_in_redis,
        "limits_resumed_in_redis_after_seconds": round(resumed, 2)
        if resumed is not None else None,
        "integrity": stored_exactly_once(pg, run.acknowledged),
    })
    return result


def markdown(results: list[dict[str, t.Any]]) -> str:
    lines = ["| scenario | seconds | requests | req/s | answers by class | 5xx other than 503 | "
             "503 (all with Retry-After) | p50 / p99 ms | max s | acknowledged → stored once |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        integrity = r["integrity"]
        ok = "yes" if r["unavailable_without_retry_after"] == 0 else "NO"
        lines.append(
            f"| {r['scenario']} | {r['seconds']} | {r['requests']} | {r['per_second']} | "
            f"{', '.join(f'{k}: {v}' for k, v in r['classes'].items())} | {r['server_errors']} | "
            f"{r['unavailable']} ({ok}) | {r['p50_ms']} / {r['p99_ms']} | {r['max_seconds']} | "
            f"{integrity['acknowledged']} → {integrity['stored']} (missing {integrity['missing']}, "
            f"duplicated {integrity['duplicated']}) |")
    return "\n".join(lines)


def main(argv: t.Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--outage", type=float, default=5)
    parser.add_argument("--only", choices=["mixed", "postgres", "redis"], action="append")
    args = parser.parse_args(argv)
    chosen = args.only or ["mixed", "postgres", "redis"]
    results = []
    with stack() as s:
        if "mixed" in chosen:
            results.append(mixed(s, args.duration))
        if "postgres" in chosen:
            results.append(postgres_restart(s, args.duration, args.outage))
        if "redis" in chosen:
            results.append(redis_stop(s, args.duration, args.outage))
    for r in results:
        print(json.dumps(r))
    print()
    print(markdown(results))
    print("\nSMTP down is proven by tests/test_notify*.py against a real aiosmtpd server: "
          "submissions answer 202 while the port is closed, and every notification is "
          "delivered once it is back.")


if __name__ == "__main__":
    main()
