"""Configuration: the DEFAULTS mapping, loading it onto an app, and the production guard.

    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("COMMENTSVC")   # COMMENTSVC_FLOOD_SECONDS=30 ...
    finish_config(app)                           # secret key, database URI, engine options
    check_production(app.config)                 # refuse unsafe production settings
"""

from __future__ import annotations

import secrets
import typing as t
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

DEFAULTS: dict[str, t.Any] = {
    "ENV": "development",
    "SQLALCHEMY_DATABASE_URI": None,  # None: a SQLite file in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SECRET_KEY": None,  # None in development: generated once into the instance folder
    "SECRET_KEY_FALLBACKS": [],
    "RATELIMIT_ENABLED": True,  # explicit, so the shared limiter never keeps an earlier app's
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "SUBMIT_RATE_LIMIT": "5 per minute;30 per hour;200 per day",
    "FLOOD_SECONDS": 15,
    "EDIT_WINDOW_SECONDS": 900,
    "TRUSTED_PROXIES": 0,
    "SMTP_URL": None,
    "MAIL_FROM": None,
    "AKISMET_KEY": None,
    "AKISMET_URL": None,
    "AKISMET_TIMEOUT": 2.0,  # seconds; Akismet down never blocks a comment
    "AKISMET_IS_TEST": False,  # send is_test=1 (Akismet then learns nothing from the calls)
    "FORM_TOKEN_MIN_SECONDS": 3,  # a person takes longer than this to write a comment
    "FORM_TOKEN_MAX_SECONDS": 2 * 24 * 3600,  # an older form token counts as expired
    "FORM_TOKEN_MISSING_SCORE": 0.1,  # JSON clients may not fetch a token: a soft signal only
    "SPAM_BAYES_SPAM": 0.99999,  # learned probability at which a comment is spam (log-odds 11.5)
    "SPAM_BAYES_HOLD": 0.99,  # ... and at which it is held for a moderator (log-odds 4.6)
    "SPAM_BAYES_MIN_DOCS": 10,  # the filter speaks once it has this many spam and ham examples
    "EMAIL_CHECK_DELIVERABILITY": False,
    "EMAIL_DNS_TIMEOUT": 3,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "DATABASE_CONNECT_TIMEOUT": 5,
    # The service's public address, e.g. https://comments.example.org, for links in mail.
    "PUBLIC_URL": None,
    "MIGRATIONS_DIR": None,  # None: the repository's migrations/ folder
    # Bytes of serialised thread pages kept per worker (LRU keyed by ETag, bounded by size).
    "THREAD_CACHE_BYTES": 32 * 1024 * 1024,
    "THREAD_CDN_SECONDS": 10,  # s-maxage: how long a CDN may serve a thread without asking
    # Seconds a worker may trust an article version without asking the database (0: never).
    "THREAD_HEAD_TTL": 0,
    # PostgreSQL: each worker listens for changes and serves thread versions from memory.
    "THREAD_VERSION_PUSH": True,
}


class UnsafeConfig(RuntimeError):
    """The configuration must not be used to serve production traffic."""


def finish_config(app: t.Any) -> None:
    """Fill in the settings derived from others: secret key, database URI, engine options."""
    config = app.config
    if not config.get("SECRET_KEY") and config["ENV"] != "production":
        config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'commentsvc.db'}"
    uri: str = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        uri = config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://"):]
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # No SELECT 1 per checkout: a dead connection fails its request (503, Retry-After), and
    # SQLAlchemy then drops every pooled connection older than it, so the next one is fresh.
    options.setdefault("pool_pre_ping", False)
    timeout = int(config["DATABASE_CONNECT_TIMEOUT"])
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": timeout})
    else:
        options.setdefault("connect_args", {"connect_timeout": timeout})
        options.setdefault("pool_timeout", timeout)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not config.get("MIGRATIONS_DIR"):
        config["MIGRATIONS_DIR"] = str(PACKAGE_DIR.parents[1] / "migrations")


def check_production(config: t.Mapping[str, t.Any]) -> None:
    """Refuse to serve production traffic with development-only settings.

    :raises UnsafeConfig: naming every setting that must change.
    """
    if config.get("ENV") != "production":
        return
    problems = []
    if not config.get("SECRET_KEY"):
        problems.append("COMMENTSVC_SECRET_KEY must be set")
    if str(config.get("SQLALCHEMY_DATABASE_URI") or "sqlite").startswith("sqlite"):
        problems.append("COMMENTSVC_SQLALCHEMY_DATABASE_URI must name PostgreSQL, not SQLite")
    if str(config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        problems.append(
            "COMMENTSVC_RATELIMIT_STORAGE_URI must name shared storage such as redis://, "
            "not memory:// (each worker would count on its own)"
        )
    if problems:
        raise UnsafeConfig("refusing to start with ENV=production: " + "; ".join(problems))


def _instance_secret(instance: Path) -> str:
    """Read the development secret key from the instance folder, creating it once."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(48)
        try:
            with open(path, "x") as f:  # two workers starting at once: the first one wins
                f.write(key)
            path.chmod(0o600)
        except FileExistsError:
            return path.read_text().strip()
        return key
