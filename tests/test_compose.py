"""docker-compose.yml, the Dockerfile and the lock: what can be checked without a Docker engine.

`make compose-test` runs the stack itself (deploy/ci/compose-test.sh). The file is read with a
loader that refuses duplicate keys, as Compose v2 does: `yaml.safe_load` keeps the last one.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
import typing as t

import pytest
import yaml
from gunicorn.config import Config

from commentsvc import gunicorn_conf
from commentsvc.config import DEFAULTS
from commentsvc.notify.outbox import SETTINGS as NOTIFY_SETTINGS
from tests.servers import ROOT

# Variables read outside app.config: the instance folder (create_app) and gunicorn's settings.
EXTRA_VARIABLES = {"COMMENTSVC_INSTANCE_PATH", *gunicorn_conf.ENV_VARS}
# Keys the app reads with config.get and a default of its own (not in DEFAULTS).
OTHER_KEYS = {"LOG_LEVEL", "METRICS_TOKEN", *NOTIFY_SETTINGS}
APP_SERVICES = ("app", "migrate", "worker")


class DuplicateKey(yaml.YAMLError):
    pass


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping key given twice (merge keys `<<` excepted)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[t.Any, t.Any]:
        seen: dict[t.Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            if key in seen:
                raise DuplicateKey(f"mapping key {key!r} already defined at "
                                   f"{seen[key].start_mark}, again at {key_node.start_mark}")
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def strict_load(text: str) -> t.Any:
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass


@pytest.fixture(scope="module")
def compose() -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", strict_load((ROOT / "docker-compose.yml").read_text()))


def test_strict_loader_refuses_a_service_defined_twice():
    text = "services:\n  worker:\n    image: a\n  worker:\n    image: b\n"
    assert yaml.safe_load(text) == {"services": {"worker": {"image": "b"}}}  # silently
    with pytest.raises(DuplicateKey, match="'worker' already defined"):
        strict_load(text)


def test_strict_loader_still_merges_anchors():
    text = "x: &e {A: 1}\ny:\n  <<: *e\n  B: 2\n"
    assert strict_load(text)["y"] == {"A": 1, "B": 2}


def test_compose_runs_migrate_app_worker_proxy_postgres_and_redis(compose):
    services = compose["services"]
    assert set(services) == {"migrate", "app", "worker", "proxy", "postgres", "redis"}
    for name in ("app", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["worker"]["command"] == ["commentsvc", "worker"]


def test_migrations_run_once_and_gate_app_and_worker(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["commentsvc", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully", name
    app = services["app"]
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    # No retry loop that could fall through to gunicorn on an unmigrated database.
    assert app["command"] == gunicorn_conf.COMMAND


def test_app_migrate_and_worker_run_one_pinned_image(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert images == {"${COMMENTSVC_IMAGE:-commentsvc:latest}"}
    for name in APP_SERVICES:
        assert services[name]["build"]["args"]["PYTHON_IMAGE"] == \
            "${PYTHON_IMAGE:-python:3.11-slim}"


def test_base_images_come_from_variables_defaulting_to_official_images(compose):
    services = compose["services"]
    assert services["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:16}"
    assert services["redis"]["image"] == "${REDIS_IMAGE:-redis:7}"
    assert services["proxy"]["image"] == "${NGINX_IMAGE:-nginx:stable}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", dockerfile, re.M)
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["${PYTHON_IMAGE}"] * 2


def test_only_the_proxy_is_published_on_loopback_by_default(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    port = "${PUBLISH_ADDRESS:-127.0.0.1}:${PUBLISH_PORT:-8000}:8080"
    assert services["proxy"]["ports"] == [port]
    assert "8080" in (ROOT / "deploy/nginx/nginx.conf").read_text()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_wires_only_variables_the_app_reads(compose, service):
    environment = compose["services"][service]["environment"]
    ours = [name for name in environment if name.startswith("COMMENTSVC_")]
    unknown = [name for name in ours
               if name.removeprefix("COMMENTSVC_") not in {*DEFAULTS, *OTHER_KEYS}
               and name not in EXTRA_VARIABLES]
    assert not unknown, f"{service} sets variables nothing reads: {unknown}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_setting_reaches_app_and_worker(compose, service):
    """CONTRACT: every COMMENTSVC_* variable given to compose reaches the app and the worker."""
    environment = compose["services"][service]["environment"]
    missing = sorted(f"COMMENTSVC_{key}" for key in {*DEFAULTS, *OTHER_KEYS}
                     if f"COMMENTSVC_{key}" not in environment)
    assert not missing, f"add to x-app-env in docker-compose.yml: {missing}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_needs_only_the_secret_key_and_the_database_password(compose, service):
    environment = compose["services"][service]["environment"]
    required = {name for name, value in environment.items()
                if isinstance(value, str) and ":?" in value}
    assert required == {"COMMENTSVC_SECRET_KEY", "COMMENTSVC_SQLALCHEMY_DATABASE_URI"}
    # The bundled services unless the operator names others (passed through like the rest).
    assert environment["COMMENTSVC_SQLALCHEMY_DATABASE_URI"].startswith(
        "${COMMENTSVC_SQLALCHEMY_DATABASE_URI:-postgresql+psycopg://commentsvc:${POSTGRES_PASSWORD:?")
    assert environment["COMMENTSVC_RATELIMIT_STORAGE_URI"] == \
        "${COMMENTSVC_RATELIMIT_STORAGE_URI:-redis://redis:6379/0}"
    assert environment["COMMENTSVC_ENV"] == "production"  # never a developer shell's value
    # nginx is the one proxy in front: trusting its hop is the default and is safe.
    assert environment["COMMENTSVC_TRUSTED_PROXIES"] == "${COMMENTSVC_TRUSTED_PROXIES:-1}"


def test_dockerfile_runs_the_same_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None
    assert yaml.safe_load(cmd.group(1)) == gunicorn_conf.COMMAND


def test_lock_pins_every_dependency_with_hashes():
    """requirements.lock (make lock) is in step with pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {m.group(1).lower(): m.group(2)
              for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", lock, re.M)}
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pinned, f"{name} is not pinned in requirements.lock: run make lock"
    blocks = re.split(r"^(?=[A-Za-z0-9])", lock, flags=re.M)
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)


def gunicorn_runs(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[str, int]:
    """The worker class gunicorn runs, and its threads, under gunicorn_conf with `env`."""
    for name in ("COMMENTSVC_WORKER_CLASS", "COMMENTSVC_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.find_spec("commentsvc.gunicorn_conf")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)  # a fresh copy: the imported module keeps its settings
    config = Config()
    config.set("worker_class", conf.worker_class)
    config.set("threads", conf.threads)
    return config.worker_class_str, config.threads


def test_gunicorn_runs_the_worker_class_asked_for(monkeypatch):
    assert gunicorn_runs(monkeypatch) == ("gthread", 4)
    assert gunicorn_runs(monkeypatch, COMMENTSVC_WORKER_CLASS="sync") == ("sync", 1)
    assert gunicorn_runs(monkeypatch, COMMENTSVC_WORKER_CLASS="gthread") == ("gthread", 4)
    assert gunicorn_runs(monkeypatch, COMMENTSVC_WORKER_CLASS="gthread",
                         COMMENTSVC_THREADS="8") == ("gthread", 8)


def test_sync_with_threads_is_refused_not_run_as_gthread(monkeypatch):
    with pytest.raises(ValueError, match="would run gthread workers, not sync"):
        gunicorn_runs(monkeypatch, COMMENTSVC_WORKER_CLASS="sync", COMMENTSVC_THREADS="4")


def test_nginx_closes_idle_upstream_connections_before_gunicorn_does():
    """nginx reuses idle connections to the app (keepalive); gunicorn closes one after its
    keep-alive: were gunicorn first, a POST sent on a connection it is closing gets a 502."""
    conf = (ROOT / "deploy/nginx/nginx.conf").read_text()
    upstream = re.search(r"upstream \w+ \{(.*?)\}", conf, re.S)
    assert upstream is not None and re.search(r"^\s*keepalive \d+;", upstream.group(1), re.M)
    idle = re.search(r"keepalive_timeout (\d+)s;", upstream.group(1))
    assert idle is not None and int(idle.group(1)) < gunicorn_conf.keepalive


def test_gunicorn_workers_follow_the_cpu_count():
    assert gunicorn_conf.default_workers(1) == 3
    assert gunicorn_conf.default_workers(2) == 5
    assert gunicorn_conf.default_workers(16) == 9  # capped: each worker holds DB connections
