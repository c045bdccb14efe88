"""JSON log lines with a request id, scrubbed of addresses and escaped of control characters.

    logs.init_app(app)     # request ids in and out, JSON on stderr for the whole process
    log.info("stored comment %s", comment.id)
    # {"ts": "...", "level": "INFO", "logger": "...", "message": "stored comment 7",
    #  "request_id": "5f0c..."}

Every line passes through `scrub()`: email and IP addresses become `[email]` and `[ip]`, so a
value that slipped into a message (an article key, an exception text) never leaks one. Only
real addresses: an IP must parse as one and not be a product version (`Chrome/120.0.0.0`), an
email's domain must end in a top-level domain of letters (a request id `id@edge-2` stays). JSON
with `ensure_ascii` escapes every control character, so a value cannot forge a second line.
gunicorn's access log uses `AccessLogger`, the same format, without the client address, and
with `redact_path()`: the one-click token of a mail link (/moderate/mail/<token>) is a bearer
secret, so the log keeps /moderate/mail/[token] (scrub() does the same in any message, e.g.
gunicorn's "Error handling request /moderate/mail/...").
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import re
import sys
import typing as t
import uuid

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is short and plain, so it can be searched for across services.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")

# An address is local@domain where the domain is dotted labels ending in a top-level domain
# of letters (or an IDN's xn--): "id-7f3a@edge-2" or "build@1701.42" are ids, not addresses.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
EMAIL = re.compile(r"[^\s@<>\"'(),;:/\[\]]+@(?:" + _LABEL + r"\.)+(?:[^\W\d_]{2,63}|xn--[\w-]+)"
                   r"(?![\w-])")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# "Chrome/120.0.0.0", "Version/17.4.1.2": a product's version, right after its name and "/".
_PRODUCT_BEFORE = re.compile(r"(?<![/\w])[A-Za-z][\w.-]{0,40}/$")
# Paths whose tail is a bearer secret: notify/links.py's PATH (mail links), however spelled;
# in a path the whole tail goes, in free text (a URL in an error message) the token.
SECRET_PATH = re.compile(r"^(/+moderate/+mail/+)[^/].*$", re.IGNORECASE | re.DOTALL)
SECRET_IN_TEXT = re.compile(r"(/+moderate/+mail/+)[^\s/?#\"'<>]+", re.IGNORECASE)
# Standard LogRecord attributes; anything else on a record was passed with extra={...}.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def scrub(text: str) -> str:
    """Replace email and IP addresses and mail-link tokens in free text; leave look-alikes
    (versions, ids) alone."""
    text = SECRET_IN_TEXT.sub(r"\1[token]", text)
    # Each pattern needs its separator: skip the regex when the text cannot match (the access
    # log scrubs a path and a user agent on every request).
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if "." in text:
        text = IPV4.sub(_ipv4, text)
    return IPV6.sub(_ipv6, text) if ":" in text else text


def _ipv4(match: re.Match[str]) -> str:
    found = match.group(0)
    if not _is_ip(found):
        return found  # 999.1.2.3 is no address
    before = match.string[max(0, match.start() - 42):match.start()]
    return found if _PRODUCT_BEFORE.search(before) else "[ip]"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def redact_path(path: str | None) -> str | None:
    """The path with any token a link carries replaced by [token]."""
    if not path:
        return path
    return SECRET_PATH.sub(lambda m: m.group(1) + "[token]", path)


def _ipv6(match: re.Match[str]) -> str:
    # "::" or five colons: an address, not a time of day such as 06:43:58.
    found = match.group(0)
    is_address = ("::" in found and len(found) > 2) or found.count(":") >= 5
    return "[ip]" if is_address and _is_ip(found) else found


def _clean(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return scrub(str(value))


def current_request_id() -> str | None:
    if has_request_context():
        return t.cast("str | None", g.get("request_id"))
    return None


def line(fields: dict[str, t.Any]) -> str:
    """One log line: scrubbed values, JSON with every non-ASCII and control character escaped."""
    return json.dumps(_clean(fields), ensure_ascii=True, default=str)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, t.Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            fields["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in fields and not key.startswith("_"):
                fields[key] = value
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return line(fields)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever sys.stderr is now (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> t.Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: t.Any) -> None:
        pass


def configure_logging(level: int | str = logging.INFO) -> None:
    """Send the process's log records to stderr as JSON; idempotent."""
    root = logging.getLogger()
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)


def _assign_request_id() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if SANE_REQUEST_ID.match(given) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def init_app(app: Flask) -> None:
    """Give every request an id (echoed in X-Request-ID) and log JSON to stderr."""
    app.logger.removeHandler(default_handler)
    configure_logging(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency; keep imports safe anyway
    _GunicornLogger = object  # type: ignore[assignment,misc]


class AccessLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with JSON access and error lines; the client address is left out."""

    def setup(self, cfg: t.Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(_Passthrough())

    def access(self, resp: t.Any, req: t.Any, environ: dict[str, t.Any],
               request_time: dt.timedelta) -> None:
        if not self.cfg.accesslog:
            return
        headers = dict((k.lower(), v) for k, v in resp.headers)
        fields = {
            "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": "request",
            "request_id": headers.get("x-request-id"),
            "method": environ.get("REQUEST_METHOD"),
            # No query string (it may hold search terms); no token of a mail link.
            "path": redact_path(environ.get("PATH_INFO")),
            "status": resp.status_code if hasattr(resp, "status_code") else resp.status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "user_agent": (environ.get("HTTP_USER_AGENT") or "")[:200],
        }
        try:
            self.access_log.info(line(fields))
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.error("failed to log access line")


class _Passthrough(logging.Formatter):
    """The access log's records are already JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()
