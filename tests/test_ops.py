"""Operations: request ids, JSON logs, /metrics (in one process and across workers), /readyz."""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.models import Comment, OutboxMessage, utcnow
from tests.conftest import BASE_CONFIG, PG_URI
from tests.servers import free_port


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        sample_name, _, rest = sample.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if sample_name == name and found == wanted:
            return float(value)
    return 0.0


# -- request ids and logs ---------------------------------------------------------------------

def test_a_sane_request_id_is_echoed(client):
    answer = client.get("/healthz", headers={"X-Request-ID": "edge-1234-abcd"})
    assert answer.headers["X-Request-ID"] == "edge-1234-abcd"


@pytest.mark.parametrize("given", ["", "short", "has space in it", "x" * 200, "tab\tin-1234",
                                   "ünïcode-1234"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client, given):
    answer = client.get("/healthz", headers={"X-Request-ID": given} if given else {})
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_two_requests_get_different_ids(client):
    assert client.get("/healthz").headers["X-Request-ID"] != \
        client.get("/healthz").headers["X-Request-ID"]


def test_log_lines_are_json_with_the_request_id_and_no_address(app, capsys):
    with app.test_request_context("/x", headers={"X-Request-ID": "trace-5678-efgh"}):
        app.preprocess_request()
        logging.getLogger("commentsvc.test").warning(
            "reader %s from %s and %s wrote %r", "ana@example.org", "203.0.113.9",
            "2001:db8::1", "evil\nforged line\x1b[31m\x00")
    lines = [line for line in capsys.readouterr().err.splitlines() if "commentsvc.test" in line]
    assert len(lines) == 1  # the newline in the value did not start a second line
    record = json.loads(lines[0])
    assert record["request_id"] == "trace-5678-efgh"
    assert record["level"] == "WARNING"
    for secret in ("ana@example.org", "203.0.113.9", "2001:db8::1"):
        assert secret not in lines[0]
    assert "[email]" in record["message"] and "[ip]" in record["message"]
    assert not re.search(r"[\x00-\x1f\x7f]", lines[0])


@pytest.mark.parametrize("text, scrubbed", [
    ("ana@example.org wrote", "[email] wrote"),
    ("from 203.0.113.9:443", "from [ip]:443"),
    ("http://203.0.113.9/x", "http://[ip]/x"),
    ("via 2001:db8::1 and ::ffff:10.0.0.1", "via [ip] and ::ffff:[ip]"),
    ("/users/Ana.B+tag@Mail.Example.co.uk/", "/users/[email]/"),
    ("ana@exämple.de", "[email]"),
])
def test_log_scrubbing_replaces_real_addresses(text, scrubbed):
    from commentsvc.logs import scrub

    assert scrub(text) == scrubbed


@pytest.mark.parametrize("text", [
    "Chrome/120.0.0.0 Safari/537.36", "Version/17.4.1.2", "id 999.1.2.3", "mac aa:bb:cc:dd:ee:ff",
    "edge-7f3a9c@lb-2", "build@1701234567.42",
])
def test_log_scrubbing_keeps_look_alikes(text):
    from commentsvc.logs import scrub

    assert scrub(text) == text


@pytest.mark.parametrize("text, kept", [
    ("at 06:43:58 on 2026-11-28", "06:43:58"),
    ("comment 12345 approved", "12345"),
    ("version 1.2.3", "1.2.3"),
])
def test_log_scrubbing_keeps_times_and_numbers(text, kept):
    from commentsvc.logs import scrub

    assert kept in scrub(text)


# -- /metrics in one process ------------------------------------------------------------------

def test_metrics_count_submissions_moderation_and_latency(app, client, actions):
    actions.site("demo")
    token = actions.moderator("metrics-mod", "demo")
    before = client.get("/metrics").text
    first = actions.post(body="First comment for the metrics")
    actions.post(body="Second comment for the metrics", email="bo@example.org", name="Bo")
    assert first.status_code == 202
    assert actions.moderate(token, first.json["id"], status="approved").status_code == 200
    actions.thread()
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    after = answer.text
    assert metric(after, "commentsvc_submissions_total", verdict="pending") - \
        metric(before, "commentsvc_submissions_total", verdict="pending") == 2
    assert metric(after, "commentsvc_moderation_actions_total", action="status",
                  status="approved") - metric(before, "commentsvc_moderation_actions_total",
                                              action="status", status="approved") == 1
    assert metric(after, "commentsvc_request_duration_seconds_count",
                  endpoint="api.read_thread", method="GET") >= 1
    assert metric(after, "commentsvc_requests_total", endpoint="api.submit", method="POST",
                  status="2xx") >= 2
    assert "ana@example.org" not in after


def test_a_refused_moderation_change_is_not_counted(client, actions):
    actions.site("demo")
    token = actions.moderator("metrics-mod2", "demo")
    posted = actions.post(body="Will stay pending")
    before = client.get("/metrics").text
    assert actions.moderate(token, posted.json["id"], status="published").status_code == 400
    assert actions.moderate(token, posted.json["id"] + 1, status="approved").status_code == 403
    after = client.get("/metrics").text
    assert re.findall(r"^commentsvc_moderation_actions_total.*$", after, re.M) == \
        re.findall(r"^commentsvc_moderation_actions_total.*$", before, re.M)


def test_metrics_report_the_outbox_backlog_and_failures(app, client):
    with app.app_context():
        db.session.add_all([
            OutboxMessage(kind="mail", payload={"n": 1}),
            OutboxMessage(kind="mail", payload={"n": 2}),
            OutboxMessage(kind="webhook", payload={"n": 3}, failed_at=utcnow(), attempts=8),
            OutboxMessage(kind="mail", payload={"n": 4}, sent_at=utcnow()),
        ])
        db.session.commit()
    text = client.get("/metrics").text
    assert metric(text, "commentsvc_outbox_up") == 1
    assert metric(text, "commentsvc_outbox_backlog") == 2
    assert metric(text, "commentsvc_outbox_failed") == 1


def test_metrics_still_answer_when_the_database_is_down():
    from tests.conftest import make_app

    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
                   DATABASE_CONNECT_TIMEOUT=2)
    answer = app.test_client().get("/metrics")
    assert answer.status_code == 200
    assert metric(answer.text, "commentsvc_outbox_up") == 0


def test_ops_endpoints_are_exempt_from_rate_limits(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    assert {client.get(path).status_code for path in ["/metrics", "/healthz", "/openapi.json"]
            for _ in range(4)} == {200}


# -- /readyz ----------------------------------------------------------------------------------

def test_healthz_is_ok_and_readyz_ready_with_the_database_and_limits_off(client):
    assert client.get("/healthz").json == {"status": "ok"}
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"] == {"database": "ok", "rate_limit_storage": "disabled"}


def test_readyz_checks_the_in_memory_rate_limit_storage(app_factory):
    answer = app_factory(RATELIMIT_ENABLED=True).test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"]["rate_limit_storage"] == "ok"


def test_readyz_names_an_unreachable_rate_limit_storage(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True,
                      RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.json["checks"] == {"database": "ok", "rate_limit_storage": "unreachable"}


@pytest.mark.redis
def test_readyz_is_ready_with_a_reachable_redis(app_factory, redis_uri):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_uri)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"]["rate_limit_storage"] == "ok"


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_readyz_names_an_unreachable_database(kind, tmp_path):
    uri = (f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none" if kind == "postgresql"
           else f"sqlite:///{tmp_path}/missing/dir/x.db")
    app = create_app({**BASE_CONFIG, "DATABASE_CONNECT_TIMEOUT": 2,
                      "SQLALCHEMY_DATABASE_URI": uri})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert answer.json["checks"]["database"] == "unreachable"


# -- across gunicorn workers ------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.postgres
def test_metrics_add_up_across_two_gunicorn_workers_and_access_log_is_json(app, actions):
    if not PG_URI or app.config["SQLALCHEMY_DATABASE_URI"] != PG_URI:
        pytest.skip("the gunicorn run uses PostgreSQL")
    from bench.harness import serve
    from bench.loadtest import request

    actions.site("demo", moderation="none")
    env = {"COMMENTSVC_SQLALCHEMY_DATABASE_URI": PG_URI, "COMMENTSVC_SECRET_KEY": "k" * 32,
           "COMMENTSVC_FLOOD_SECONDS": "0", "COMMENTSVC_TRUSTED_PROXIES": "1"}
    with serve(env, workers=2) as server:
        folder = server.folder / "metrics"

        def post(i: int) -> int:
            status, _, _ = request(server.base, "POST",
                                   "/api/v1/sites/demo/articles/multi/comments",
                                   {"name": f"R{i}", "email": f"r{i}@example.org",
                                    "body": f"Comment number {i} across workers"},
                                   {"X-Forwarded-For": f"198.51.100.{i + 1}",
                                    "X-Request-ID": f"multi-worker-{i:04d}"})
            return status

        # Concurrent batches until both workers have counted something (a sync worker serves
        # one request at a time, so a batch in flight spreads over both; at most 10 batches).
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            while sent < 80 and (sent == 0 or len(list(folder.glob("counter_*.db"))) < 2):
                assert set(pool.map(post, range(sent, sent + 8))) == {201}
                sent += 8
        assert len(list(folder.glob("counter_*.db"))) >= 2  # more than one worker counted
        scrapes = set()
        for _ in range(6):
            status, _, body = request(server.base, "GET", "/metrics")
            assert status == 200
            scrapes.add(metric(body.decode(), "commentsvc_submissions_total",
                               verdict="approved"))
        assert scrapes == {float(sent)}  # whichever worker answers, the sum of both
        access = server.access_log.read_text().splitlines()
        assert access
        records = [json.loads(line) for line in access]
        posted = [r for r in records if r["method"] == "POST"]
        assert {r["request_id"] for r in posted} == {f"multi-worker-{i:04d}" for i in range(sent)}
        assert all(r["status"] == 201 for r in posted)
        for secret in ("127.0.0.1", "198.51.100.", "@example.org"):
            assert not any(secret in line for line in access)
    with app.app_context():
        assert len(db.session.scalars(select(Comment)).all()) == sent
