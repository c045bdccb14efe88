"""Configuration: the DEFAULTS mapping, loading it onto an app, and the production guard.

    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("COMMENTSVC")   # COMMENTSVC_FLOOD_SECONDS=30 ...
    raw_secrets(app.config, os.environ)          # secrets as given: never numbers or booleans
    normalise_secrets(app.config)                # SECRET_KEY_FALLBACKS: always a list of str
    check_production(app.config)                 # refuse unsafe production settings
    finish_config(app)                           # secret key, database URI, engine options

Secrets are strings. `from_prefixed_env` parses every value as JSON, which turns a digit-only
key into an int and `true` into a bool, so SECRET_KEY and SECRET_KEY_FALLBACKS are read again
from the environment as they were written. A fallback list is JSON (`["old-1", "old-2"]`);
any other value is one key. The list is normalised here once, so Flask's session signer and
privacy.Keys see the same keys (a plain string is never taken as a list of characters).
"""

from __future__ import annotations

import json
import logging
import secrets
import typing as t
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_PREFIX = "COMMENTSVC_"
# Secrets, read as written: never JSON-parsed into a number or a boolean.
RAW_STRING_KEYS = ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "METRICS_TOKEN", "AKISMET_KEY")
SECRET_MIN_LENGTH = 32
# Known weak values, compared case-blind: word-list favourites, framework and tutorial keys,
# and the placeholders of this project's README and examples.
WEAK_SECRETS = frozenset({
    "changeme", "change-me", "change_me", "change me", "changeit", "changethis",
    "change-this-secret", "replace-me", "replaceme", "secret", "secret-key", "secret_key",
    "secretkey", "mysecret", "supersecret", "password", "passw0rd", "p@ssw0rd", "admin",
    "letmein", "qwerty", "123456", "12345678", "default", "insecure", "dev", "devkey",
    "dev-key", "development", "development-key", "development key", "test", "testing",
    "test-key", "key", "x", "...", "<secret>", "your-secret-key", "your_secret_key",
    "your-secret-key-here", "django-insecure", "you-will-never-guess", "flask-insecure",
    "commentsvc", "commentsvc-secret",
    "please-change-me-to-a-long-random-value",
})

DEFAULTS: dict[str, t.Any] = {
    "ENV": "development",
    "SQLALCHEMY_DATABASE_URI": None,  # None: a SQLite file in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SECRET_KEY": None,  # None in development: generated once into the instance folder
    "SECRET_KEY_FALLBACKS": [],
    "RATELIMIT_ENABLED": True,  # explicit, so the shared limiter never keeps an earlier app's
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # A limit check or header that fails once the fallback is on (another thread of the worker
    # switched meanwhile) is logged and the request served, never answered 500.
    "RATELIMIT_SWALLOW_ERRORS": True,
    # X-RateLimit-* on every limited answer: two more reads of the limit's storage (Redis) per
    # request, for headers the widget cannot read (CORS does not expose them). A 429 always
    # says when to come back (Retry-After, `extensions.retry_after`).
    "RATELIMIT_HEADERS_ENABLED": False,
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
    "EMAIL_CHECK_DELIVERABILITY": False,
    "EMAIL_DNS_TIMEOUT": 3,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "DATABASE_CONNECT_TIMEOUT": 5,
    # The service's public address, e.g. https://comments.example.org, for links in mail.
    "PUBLIC_URL": None,
    "REVIEW_SESSION_SECONDS": 12 * 3600,  # a review-page login lasts this long
    # /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; unset in production: 404.
    "METRICS_TOKEN": None,
    "MIGRATIONS_DIR": None,  # None: the repository's migrations/ folder
    # Bytes of serialised thread pages kept per worker (LRU keyed by ETag, bounded by size).
    "THREAD_CACHE_BYTES": 32 * 1024 * 1024,
    "THREAD_CDN_SECONDS": 10,  # s-maxage: how long a CDN may serve a thread without asking
    # Seconds a worker may trust an article version without asking the database (0: never).
    "THREAD_HEAD_TTL": 0,
    # Reader notifications: mails per recipient per hour before the rest waits for a digest.
    "READER_MAIL_MAX_PER_HOUR": 10,
    # `commentsvc purge`: days a done reader-mail record is kept (one mail per recipient per
    # comment holds that long), and days after a moderator's decision a flag keeps its reader hash.
    "PURGE_READER_MAIL_DAYS": 90,
    "PURGE_FLAG_HASH_DAYS": 30,
    # The learned spam filter: share of ham it may mark spam (sets its spam threshold); the
    # worker retrains after this many moderators' decisions or once one has waited this long;
    # no filter before this many examples of each kind.
    "SPAM_HAM_BLOCKED_BUDGET": 0.005,
    "SPAM_RETRAIN_BATCH": 25,
    "SPAM_RETRAIN_SECONDS": 3600,
    "SPAM_MIN_EXAMPLES": 10,
    # PostgreSQL: each worker listens for changes and serves thread versions from memory.
    "THREAD_VERSION_PUSH": True,
}


class UnsafeConfig(RuntimeError):
    """The configuration must not be used to serve production traffic."""


def raw_secrets(config: t.MutableMapping[str, t.Any], environ: t.Mapping[str, str]) -> None:
    """Take the secrets (SECRET_KEY, its fallbacks, METRICS_TOKEN, AKISMET_KEY) as given."""
    for key in RAW_STRING_KEYS:
        if ENV_PREFIX + key in environ:
            config[key] = environ[ENV_PREFIX + key]


def fallback_keys(value: t.Any) -> list[str]:
    """SECRET_KEY_FALLBACKS as a list: a JSON list, one key as a string, or a list already.

    :raises UnsafeConfig: a value that starts like a JSON list but is not a list of strings.
    """
    if value is None or value == "":
        return []
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        if not value.lstrip().startswith("["):
            return [value]
        try:
            value = json.loads(value)
        except ValueError:
            raise UnsafeConfig("COMMENTSVC_SECRET_KEY_FALLBACKS starts with '[' but is not a "
                               "JSON list; give a JSON list of strings or one key") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UnsafeConfig("COMMENTSVC_SECRET_KEY_FALLBACKS must be a JSON list of strings")
    if isinstance(value, (list, tuple)):
        return [v.decode() if isinstance(v, bytes) else str(v) for v in value if v]
    return [str(value)]


def normalise_secrets(config: t.MutableMapping[str, t.Any]) -> None:
    """Make SECRET_KEY a string (or None) and SECRET_KEY_FALLBACKS a list of strings, once."""
    key = config.get("SECRET_KEY")
    if isinstance(key, bytes):
        key = key.decode()
    config["SECRET_KEY"] = str(key) if key is not None and key != "" else None
    config["SECRET_KEY_FALLBACKS"] = fallback_keys(config.get("SECRET_KEY_FALLBACKS"))
    token = config.get("METRICS_TOKEN")
    config["METRICS_TOKEN"] = str(token) if token is not None and token != "" else None


def weak_secret(value: str | None) -> str | None:
    """Why a secret is too weak for production, or None when it is not."""
    if not value:
        return "it is empty"
    if len(value) < SECRET_MIN_LENGTH:
        return f"it is shorter than {SECRET_MIN_LENGTH} characters"
    if value.strip().casefold() in WEAK_SECRETS:
        return "it is a well-known example value"
    return None


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
    # merged into the operator's connect_args (a PgBouncer's prepare_threshold, say), so a
    # database that does not answer is still a 503 within the timeout
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", timeout)
    else:
        connect_args.setdefault("connect_timeout", timeout)
        options.setdefault("pool_timeout", timeout)
    options["connect_args"] = connect_args
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
    secret = config.get("SECRET_KEY")
    if not secret:
        problems.append("COMMENTSVC_SECRET_KEY must be set")
    elif (why := weak_secret(str(secret))) is not None:
        problems.append(f"COMMENTSVC_SECRET_KEY is too weak ({why}); make one with "
                        "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
    for old in fallback_keys(config.get("SECRET_KEY_FALLBACKS")):
        if weak_secret(old) is not None:  # still accepted: it is how a weak key is rotated out
            logging.getLogger(__name__).warning(
                "a key in SECRET_KEY_FALLBACKS is weak; drop it once its data has moved on")
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
