"""docker-compose.yml and the Dockerfile: what can be checked without a Docker engine."""

from __future__ import annotations

import re
import shlex
import typing as t

import pytest
import yaml

from commentsvc import gunicorn_conf
from commentsvc.config import DEFAULTS
from tests.servers import ROOT

# Variables read outside app.config: the instance folder (create_app) and gunicorn's settings.
EXTRA_VARIABLES = {"COMMENTSVC_INSTANCE_PATH", *gunicorn_conf.ENV_VARS}


@pytest.fixture(scope="module")
def compose() -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def app_command(service: dict[str, t.Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_app_worker_postgres_and_redis_with_health_checks(compose):
    services = compose["services"]
    assert {"app", "worker", "postgres", "redis"} <= set(services)
    for name in ("app", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["app"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["worker"]["command"] == ["commentsvc", "worker"]


@pytest.mark.parametrize("service", ["app", "worker"])
def test_compose_wires_only_variables_the_app_reads(compose, service):
    environment = compose["services"][service]["environment"]
    ours = [name for name in environment if name.startswith("COMMENTSVC_")]
    assert ours
    unknown = [name for name in ours if name.removeprefix("COMMENTSVC_") not in DEFAULTS
               and name not in EXTRA_VARIABLES]
    assert not unknown, f"{service} sets variables nothing reads: {unknown}"


@pytest.mark.parametrize("service", ["app", "worker"])
def test_compose_configures_a_production_setup(compose, service):
    environment = compose["services"][service]["environment"]
    assert environment["COMMENTSVC_ENV"] == "production"
    assert environment["COMMENTSVC_SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert environment["COMMENTSVC_RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert "COMMENTSVC_SECRET_KEY" in environment


def test_compose_migrates_before_serving_with_the_tested_command(compose):
    command = app_command(compose["services"]["app"])
    upgrade = command.index("commentsvc db upgrade")
    serve = command.index("exec " + shlex.join(gunicorn_conf.COMMAND))
    assert upgrade < serve
    assert command.rstrip().endswith(shlex.join(gunicorn_conf.COMMAND))


def test_dockerfile_runs_the_same_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None
    assert yaml.safe_load(cmd.group(1)) == gunicorn_conf.COMMAND


def test_gunicorn_workers_follow_the_cpu_count():
    assert gunicorn_conf.default_workers(1) == 3
    assert gunicorn_conf.default_workers(2) == 5
    assert gunicorn_conf.default_workers(16) == 9  # capped: each worker holds DB connections
