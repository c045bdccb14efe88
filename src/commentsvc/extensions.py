"""Flask extensions as unbound instances: db, migrate, limiter; `reading()`, the connection of one
read; `one_of()`, a column matching a list parameter. Imports nothing from the package."""

from __future__ import annotations

import contextlib
import ipaddress
import time
import typing as t

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ARRAY, Connection, MetaData, any_, bindparam
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: t.Any, name: str, postgresql: bool) -> t.Any:
    """`column` equals one of the list parameter `name`: `= ANY(:name)` with one array on
    PostgreSQL (one SQL text whatever the length, rendered once), an expanding `IN` elsewhere
    (rendered again at every execution with one placeholder per item)."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def rate_limit_key() -> str:
    """Key a client by its address: the whole IPv4 address, or the /64 of an IPv6 one."""
    addr = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return addr
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return addr


def is_read() -> bool:
    """Reads are never rate limited: only submissions are, so skip the limiter's work on them."""
    return request.method in ("GET", "HEAD", "OPTIONS")


class CookieSessionOnDemand(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only when the request carries the cookie.

    Readers and widgets never send one, so the hot read path skips building a signer.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
# Only the key function: constructor arguments would beat RATELIMIT_* settings from the environment.
limiter = Limiter(key_func=rate_limit_key)
limiter.request_filter(is_read)
RETRY_AFTER_UNKNOWN = 60


def retry_after() -> int:
    """Seconds until the limit this request broke lets it in again: one read of the limit's
    storage, on a 429 only (RETRY_AFTER_UNKNOWN when it cannot tell: it went away since it
    counted the request)."""
    broken = limiter.current_limit
    if broken is None:
        return RETRY_AFTER_UNKNOWN
    try:
        return max(1, int(broken.reset_at - time.time()))
    except limiter.storage.base_exceptions:
        return RETRY_AFTER_UNKNOWN


Connect = t.Callable[[], Connection]


def session_connection() -> Connection:
    return db.session.connection()


@contextlib.contextmanager
def reading() -> t.Iterator[Connect]:
    """The connection of one read, taken on first use. On PostgreSQL, when the request's session
    holds no transaction, its own connection in autocommit: no BEGIN and no ROLLBACK, two round
    trips fewer; each statement sees the latest commit, as under READ COMMITTED already. Inside
    a transaction (a writer reading back) the session's, which sees its own changes."""
    taken: list[Connection] = []

    def connect() -> Connection:
        if not taken:
            begun = db.session.registry.has() and db.session().in_transaction()
            if begun or db.engine.dialect.name != "postgresql":
                return session_connection()
            taken.append(db.engine.connect().execution_options(isolation_level="AUTOCOMMIT"))
        return taken[0]

    try:
        yield connect
    finally:
        for conn in taken:
            conn.close()
