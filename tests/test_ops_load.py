"""Proof under load and faults, bounded: a few seconds of each scenario of bench/loadtest.py.

gunicorn with 2 workers over a private PostgreSQL and Redis on loopback (started here, so
stopping them disturbs nothing else). `make loadtest` runs the same for 60 s each.
"""

from __future__ import annotations

import shutil
import typing as t

import pytest
from bench import loadtest
from bench.harness import postgres_bin

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(postgres_bin() is None or shutil.which("redis-server") is None,
                       reason="needs PostgreSQL server binaries and redis-server installed"),
]


@pytest.fixture(scope="module")
def stack() -> t.Iterator[loadtest.Stack]:
    with loadtest.stack(workers=2) as s:
        yield s


def assert_nothing_acknowledged_was_lost(result: dict[str, t.Any]) -> None:
    integrity = result["integrity"]
    assert integrity["acknowledged"] > 0
    assert integrity["missing"] == 0 and integrity["duplicated"] == 0, integrity


def test_mixed_load_has_no_server_error_and_keeps_every_acknowledged_comment(stack):
    result = loadtest.mixed(stack, duration=4)
    assert result["requests"] > 20
    assert set(result["classes"]) == {"2xx"}, result
    assert_nothing_acknowledged_was_lost(result)


def test_postgres_restart_answers_503_with_retry_after_then_recovers(stack):
    result = loadtest.postgres_restart(stack, duration=6, outage=2)
    assert result["server_errors"] == 0, result
    assert result["during_outage"].get("5xx", 0) > 0, result  # 503s, counted above
    assert result["unavailable_without_retry_after"] == 0, result
    assert "no answer" not in result["classes"], result
    assert result["max_seconds_during_outage"] < loadtest.CONNECT_TIMEOUT + 2, result
    assert result["recovery_seconds"] < 5, result
    assert_nothing_acknowledged_was_lost(result)


def test_redis_stop_falls_back_to_local_limits_and_resumes(stack):
    result = loadtest.redis_stop(stack, duration=4, outage=2)
    assert result["server_errors"] == 0 and result["unavailable"] == 0, result
    assert "no answer" not in result["classes"], result
    assert result["burst_during_outage"].get(429, 0) > 0, result  # limits still hold
    assert result["limits_resumed_in_redis_after_seconds"] is not None, result
    assert result["burst_after"].get(429, 0) > 0, result
    assert result["burst_after_counted_in_redis"], result  # shared limits again
    assert_nothing_acknowledged_was_lost(result)
