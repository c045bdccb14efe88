"""Fixtures: every database test runs on SQLite and again on PostgreSQL.

PostgreSQL runs when COMMENTSVC_TEST_DATABASE_URI names a server; Redis tests when
COMMENTSVC_TEST_REDIS_URI does. With COMMENTSVC_TEST_REQUIRE_SERVICES=1 (CI) a missing
service fails the run instead of skipping.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from commentsvc import create_app
from commentsvc import setup as _setup  # noqa: F401 - imports the views: their limits apply
from commentsvc.extensions import db, limiter

PG_URI = os.environ.get("COMMENTSVC_TEST_DATABASE_URI")
REDIS_URI = os.environ.get("COMMENTSVC_TEST_REDIS_URI")
REQUIRE_SERVICES = os.environ.get("COMMENTSVC_TEST_REQUIRE_SERVICES") == "1"

BASE_CONFIG: dict[str, t.Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "RATELIMIT_ENABLED": False,
    "FLOOD_SECONDS": 0,
}


# The limiter as constructed, with every view's limits and exemptions registered (importing
# setup imports the views). flask-limiter's own tests build a new Limiter per test; ours is
# the module-level instance the views are decorated with, so each test app gets its
# constructed state back instead: no "storage is dead" flag or recovery back-off left by an
# earlier app.
CONSTRUCTED_LIMITER = dict(vars(limiter))


def missing_service(what: str, how: str) -> t.NoReturn:
    """Skip with a clear reason on a laptop; fail in CI, where the service must be there."""
    message = f"{what} tests skipped: {how}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (COMMENTSVC_TEST_REQUIRE_SERVICES=1): {how}")
    pytest.skip(message)


def _reset_postgres(uri: str) -> None:
    engine = create_engine(uri, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as e:  # noqa: BLE001 - any failure means the server is not usable
        missing_service("PostgreSQL", f"cannot use {uri}: {e}")
    finally:
        engine.dispose()


def make_app(uri: str, **overrides: t.Any) -> Flask:
    """A test app on `uri`, its limiter as freshly constructed (one process, many apps)."""
    vars(limiter).update(CONSTRUCTED_LIMITER)
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, **overrides})


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a temporary SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        if not PG_URI:
            missing_service(
                "PostgreSQL",
                "set COMMENTSVC_TEST_DATABASE_URI=postgresql+psycopg://postgres@127.0.0.1:5432/test",
            )
        uri = PG_URI
        _reset_postgres(uri)
    app = make_app(uri)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return uri


def truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                db.session.execute(text(f"DELETE FROM {name}"))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def app_factory(database_uri: str) -> t.Iterator[t.Callable[..., Flask]]:
    """Build apps on the test database with extra config; tables are emptied afterwards."""
    made: list[Flask] = []

    def factory(**overrides: t.Any) -> Flask:
        app = make_app(database_uri, **overrides)
        made.append(app)
        return app

    yield factory
    if made:
        truncate_all(made[0])
        for app in made[1:]:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app(app_factory: t.Callable[..., Flask]) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> t.Any:
    return app.test_cli_runner()


@dataclass
class Actions:
    """Set up sites and moderators, and post comments, the way users would."""

    app: Flask
    client: FlaskClient

    def site(self, key: str = "demo", *origins: str, moderation: str | None = None) -> None:
        args = ["site", "add", key]
        for origin in origins or ("https://blog.example",):
            args += ["--origin", origin]
        if moderation:
            args += ["--moderation", moderation]
        result = self.app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output

    def moderator(self, name: str = "mod", *sites: str, admin: bool = False) -> str:
        args = ["moderator", "add", name, *[x for s in sites for x in ("--site", s)]]
        if admin:
            args.append("--admin")
        result = self.app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    def post(self, site: str = "demo", article: str = "hello-world", **fields: t.Any) -> t.Any:
        body = {"name": "Ana", "email": "ana@example.org", "body": "Hello there", **fields}
        return self.client.post(f"/api/v1/sites/{site}/articles/{article}/comments", json=body)

    def thread(self, site: str = "demo", article: str = "hello-world", **params: t.Any) -> t.Any:
        return self.client.get(f"/api/v1/sites/{site}/articles/{article}/comments",
                               query_string=params)

    def moderate(self, token: str, comment_id: int, **changes: t.Any) -> t.Any:
        return self.client.patch(f"/api/v1/moderation/comments/{comment_id}", json=changes,
                                 headers={"Authorization": f"Bearer {token}"})

    def queue(self, token: str, **params: t.Any) -> t.Any:
        return self.client.get("/api/v1/moderation/comments", query_string=params,
                               headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def actions(app: Flask, client: FlaskClient) -> Actions:
    return Actions(app, client)


@pytest.fixture
def mod(actions: Actions) -> str:
    """Sites demo and other; the token of a moderator of demo only."""
    actions.site("demo")
    actions.site("other")
    return actions.moderator("mod", "demo")


@pytest.fixture
def redis_uri() -> str:
    if not REDIS_URI:
        missing_service("Redis", "set COMMENTSVC_TEST_REDIS_URI=redis://127.0.0.1:6379/0")
    return REDIS_URI  # type: ignore[return-value]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> t.Iterator[t.Any]:
    """Debian's headless Chromium driven by Playwright; never a downloaded browser."""
    if not os.path.exists(CHROMIUM):
        missing_service("Browser",
                        f"install Debian's chromium ({CHROMIUM}); `make test` does as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(app: Flask) -> t.Iterator[LiveServer]:
    """The test app served over real HTTP on a free loopback port, in a thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
