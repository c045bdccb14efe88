"""Rate limits per client IP: memory, Redis, an unreachable Redis, proxies, two gunicorn workers."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import func, select

from commentsvc.extensions import db, limiter
from commentsvc.models import Comment

from .conftest import PG_URI, missing_service
from .servers import commentsvc, free_port, gunicorn

LIMIT = "2 per minute"
URL = "/api/v1/sites/demo/articles/hello-world/comments"


def limited_app(app_factory: t.Callable[..., t.Any], **config: t.Any) -> t.Any:
    app = app_factory(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT=LIMIT, **config)
    result = app.test_cli_runner().invoke(args=["site", "add", "demo", "--origin",
                                                "https://blog.example"])
    assert result.exit_code == 0, result.output
    return app


def post(client: t.Any, n: int, headers: dict[str, str] | None = None,
         remote: str = "127.0.0.1") -> t.Any:
    return client.post(URL, json={"name": "Ana", "email": f"ana{n}@example.org",
                                  "body": f"Comment number {n}"},
                       headers=headers or {}, environ_base={"REMOTE_ADDR": remote})


@pytest.fixture
def clean_redis(redis_uri: str) -> t.Iterator[redis.Redis]:
    """Our own Redis database, emptied before and after (FLUSHDB touches only this db)."""
    client = redis.Redis.from_url(redis_uri)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def test_over_the_limit_answers_429_json_with_retry_after(app_factory):
    client = limited_app(app_factory).test_client()
    assert [post(client, n).status_code for n in range(2)] == [202, 202]
    refused = post(client, 3)
    assert refused.status_code == 429
    assert refused.json["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert post(client, 4, remote="192.0.2.9").status_code == 202  # another client is not limited


@pytest.mark.redis
def test_an_answer_reads_nothing_back_from_redis_unless_headers_are_asked_for(
        app_factory, redis_uri, clean_redis):
    def reads(app: t.Any, n: int) -> tuple[t.Any, int]:
        before = clean_redis.info("commandstats")
        answer = post(app.test_client(), n, remote=f"192.0.2.{n}")
        after = clean_redis.info("commandstats")
        return answer, sum(after.get(f"cmdstat_{c}", {}).get("calls", 0)
                           - before.get(f"cmdstat_{c}", {}).get("calls", 0)
                           for c in ("get", "ttl", "pttl"))

    answer, count = reads(limited_app(app_factory, RATELIMIT_STORAGE_URI=redis_uri), 1)
    assert answer.status_code == 202 and count == 0
    assert not [h for h in answer.headers.keys() if h.lower().startswith("x-ratelimit")]
    answer, count = reads(limited_app(app_factory, RATELIMIT_STORAGE_URI=redis_uri,
                                      RATELIMIT_HEADERS_ENABLED=True), 2)
    assert answer.status_code == 202 and count > 0
    assert answer.headers["X-RateLimit-Limit"] == "2"
    assert answer.headers["X-RateLimit-Remaining"] == "1"


@pytest.mark.redis
def test_a_429_says_come_back_in_a_minute_when_redis_goes_before_it_can_tell(
        app_factory, monkeypatch):
    port = free_port()
    with private_redis(port) as server:
        client = limited_app(app_factory,
                             RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0").test_client()
        assert [post(client, n).status_code for n in range(2)] == [202, 202]
        read_from_redis = limiter.storage.get

        def redis_goes(key: str) -> int:
            server.terminate()
            server.wait(timeout=10)
            return read_from_redis(key)

        monkeypatch.setattr(limiter.storage, "get", redis_goes)  # the Retry-After's read
        refused = post(client, 3)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"


def test_form_post_over_the_limit_gets_a_page_with_retry_after(app_factory):
    client = limited_app(app_factory).test_client()
    form = {"name": "Ana", "email": "ana@example.org", "return_to": "https://blog.example/p"}
    for n in range(2):
        assert client.post(URL, data={**form, "body": f"hi {n}"}).status_code == 303
    refused = client.post(URL, data={**form, "body": "hi again"})
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "wait" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0


def test_forged_forwarded_for_does_not_change_the_key_without_a_trusted_proxy(app_factory):
    app = limited_app(app_factory)
    client = app.test_client()
    answers = [post(client, n, {"X-Forwarded-For": f"198.51.100.{n}"}).status_code
               for n in range(3)]
    assert answers == [202, 202, 429]
    token = app.test_cli_runner().invoke(args=["moderator", "add", "m", "--admin"]).output
    queue = client.get("/api/v1/moderation/comments", headers={
        "Authorization": f"Bearer {token.strip().splitlines()[-1]}"}).json["items"]
    assert {i["ip_prefix"] for i in queue} == {"127.0.0.0/24"}


def test_a_trusted_proxy_hop_keys_clients_by_their_forwarded_address(app_factory):
    client = limited_app(app_factory, TRUSTED_PROXIES=1).test_client()
    ana = {"X-Forwarded-For": "203.0.113.5"}
    assert [post(client, n, ana).status_code for n in range(3)] == [202, 202, 429]
    assert post(client, 9, {"X-Forwarded-For": "198.51.100.7"}).status_code == 202
    # Only the last hop is trusted: a client-supplied first entry is ignored.
    forged = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
    assert post(client, 10, forged).status_code == 429


@pytest.mark.redis
def test_limits_are_counted_in_redis(app_factory, redis_uri, clean_redis):
    client = limited_app(app_factory, RATELIMIT_STORAGE_URI=redis_uri).test_client()
    assert [post(client, n).status_code for n in range(3)] == [202, 202, 429]
    assert clean_redis.keys("LIMITS:*"), "the counters live in Redis"


def test_unreachable_redis_falls_back_to_memory_with_a_warning(app_factory, caplog):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    client = limited_app(app_factory, RATELIMIT_STORAGE_URI=dead).test_client()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        answers = [post(client, n) for n in range(3)]
    # Never a 500, and the limit still holds (per worker) with its Retry-After.
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_fallback_state_does_not_leak_into_the_next_app(app_factory, redis_uri, clean_redis):
    # One process holds one app in production; the fixtures give each test app a fresh limiter.
    dead = f"redis://127.0.0.1:{free_port()}/0"
    first = limited_app(app_factory, RATELIMIT_STORAGE_URI=dead).test_client()
    assert post(first, 1).status_code == 202  # now on the in-memory fallback
    second = app_factory(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT=LIMIT,
                         RATELIMIT_STORAGE_URI=redis_uri).test_client()
    assert post(second, 2).status_code == 202
    assert clean_redis.keys("LIMITS:*"), "the new app counts in its own (healthy) Redis"


@contextlib.contextmanager
def private_redis(port: int) -> t.Iterator[subprocess.Popen[bytes]]:
    """A Redis server of our own on loopback, so it can be stopped without disturbing others."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("Redis server binary", "install redis-server to run the recovery test")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield process
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.redis
def test_shared_limits_resume_when_redis_returns(app_factory, caplog):
    port = free_port()
    uri = f"redis://127.0.0.1:{port}/0"
    with private_redis(port):
        client = limited_app(app_factory, RATELIMIT_STORAGE_URI=uri).test_client()
        assert post(client, 1).status_code == 202
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        assert post(client, 2).status_code == 202  # Redis gone: answered from memory
    assert any("falling back" in r.getMessage() for r in caplog.records)
    with private_redis(port):
        store = redis.Redis(port=port)
        # The limiter probes the storage again with a back-off of 1, 2, 4 ... seconds.
        deadline = time.monotonic() + 20
        n = 10
        while not store.keys("LIMITS:*") and time.monotonic() < deadline:
            client.get("/api/v1/sites/demo/articles/x/comments")  # any limited request probes
            n += 1
            post(client, n, remote=f"192.0.2.{n % 250}")
            time.sleep(0.2)
        assert store.keys("LIMITS:*"), "counting moved back to Redis"
        fresh = "198.51.100.77"
        assert [post(client, 100 + i, remote=fresh).status_code for i in range(3)] == \
            [202, 202, 429]
        assert any(fresh in k.decode() for k in store.keys("LIMITS:*"))
        store.close()


@pytest.mark.redis
@pytest.mark.parametrize(("step", "headers"), [("incr", False), ("get", True)],
                         ids=["counting", "headers"])
def test_a_submission_checked_in_redis_is_answered_when_another_request_finds_it_gone(
        app_factory, monkeypatch, step, headers):
    # A gthread worker: one request is counting (or reading its X-RateLimit-* headers) in Redis
    # as Redis goes, and meanwhile another thread's request finds it gone and moves the limiter
    # to memory. Both are served and stored (it was a 500 in 1 of ~4 outages of the load test).
    port = free_port()
    with private_redis(port) as server:
        app = limited_app(app_factory, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
                          RATELIMIT_HEADERS_ENABLED=headers)
        client = app.test_client()
        in_redis = getattr(limiter.storage, step)
        other: list[t.Any] = []

        def redis_goes_meanwhile(*args: t.Any, **kwargs: t.Any) -> t.Any:
            monkeypatch.undo()  # once
            server.terminate()
            server.wait(timeout=10)
            other.append(post(client, 2))  # reads are not limited: a submission
            return in_redis(*args, **kwargs)

        monkeypatch.setattr(limiter.storage, step, redis_goes_meanwhile)
        answer = post(client, 1)
    assert [answer.status_code, other[0].status_code] == [202, 202], answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 2


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_two_gunicorn_workers_share_one_limit_in_redis(database_uri, app_factory, redis_uri,
                                                       clean_redis):
    if not database_uri.startswith("postgresql"):
        pytest.skip("the gunicorn test runs on PostgreSQL")
    if not PG_URI:
        missing_service("PostgreSQL", "set COMMENTSVC_TEST_DATABASE_URI")
    app_factory()  # the tables are emptied after the test
    env = {**os.environ, "COMMENTSVC_SQLALCHEMY_DATABASE_URI": database_uri,
           "COMMENTSVC_SECRET_KEY": "ratelimit-secret", "COMMENTSVC_FLOOD_SECONDS": "0",
           "COMMENTSVC_RATELIMIT_STORAGE_URI": redis_uri,
           "COMMENTSVC_SUBMIT_RATE_LIMIT": "5 per minute"}
    commentsvc(env, "db", "upgrade")
    commentsvc(env, "site", "add", "demo", "--origin", "https://blog.example")
    with gunicorn(env, workers=2) as server:
        def submit(n: int) -> int:
            return server.request("POST", URL, {"name": "Ana", "email": f"a{n}@example.org",
                                                "body": f"Comment {n}"}).status
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(submit, range(16)))
    assert sorted(statuses).count(202) == 5
    assert statuses.count(429) == 11
