"""The steps of create_app(), each a small named function reading config at call time."""

from __future__ import annotations

import logging
import os
import typing as t

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cache, i18n, logs, metrics, versions
from .cli import register_commands
from .config import DEFAULTS, check_production, finish_config, normalise_secrets, raw_secrets
from .errors import register_error_handlers
from .extensions import CookieSessionOnDemand, db, limiter, migrate
from .fastpath import ThreadFastPath
from .validation import typed_form_values
from .views import embed, register_blueprints


def configure(app: Flask, test_config: t.Mapping[str, t.Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.from_prefixed_env("COMMENTSVC")
    raw_secrets(app.config, os.environ)
    if test_config:
        app.config.update(test_config)
    normalise_secrets(app.config)
    check_production(app.config)
    finish_config(app)


def trust_proxies(app: Flask) -> None:
    """Take the client address from X-Forwarded-For only through TRUSTED_PROXIES hops."""
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _sqlite_pragmas(dbapi_connection: t.Any, connection_record: t.Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _release_session(exc: BaseException | None) -> None:
    """End the request's session even when its connection died (the database restarted).

    Registered after flask-sqlalchemy's teardown, so it runs first: a failed ROLLBACK here
    would otherwise escape from flask-sqlalchemy's and turn a finished answer into a 500.
    """
    if not db.session.registry.has():
        return  # the request never touched the database (a cached read): nothing to end
    try:
        db.session.close()
    except SQLAlchemyError as e:
        logging.getLogger(__name__).warning("dropping a dead database connection: %s",
                                            type(e).__name__)
        db.session().invalidate()


def init_extensions(app: Flask) -> None:
    app.session_interface = CookieSessionOnDemand()
    db.init_app(app)
    app.teardown_appcontext(_release_session)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"])
    limiter.init_app(app)
    cache.init_app(app)
    i18n.init_app(app)
    versions.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)


def register(app: Flask) -> None:
    logs.init_app(app)
    metrics.init_app(app)
    register_blueprints(app)
    register_error_handlers(app, read_form=typed_form_values,
                            page_framers=embed.error_page_framers)
    register_commands(app)
    app.wsgi_app = ThreadFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
