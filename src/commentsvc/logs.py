"""JSON log lines with a request id, scrubbed of addresses and escaped of control characters.

    logs.init_app(app)     # request ids in and out, JSON on stderr for the whole process
    log.info("stored comment %s", comment.id)
    # {"ts": "...", "level": "INFO", "logger": "...", "message": "stored comment 7",
    #  "request_id": "5f0c..."}

Every line passes through `scrub()`: email and IP addresses become `[email]` and `[ip]`, so a
value that slipped into a message (an article key, an exception text) never leaks one. JSON
with `ensure_ascii` escapes every control character, so a value cannot forge a second line.
gunicorn's access log uses `AccessLogger`, the same format, without the client address.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import typing as t
import uuid

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is short and plain, so it can be searched for across services.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")

EMAIL = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[^\s@<>\"'(),;:]+")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# Standard LogRecord attributes; anything else on a record was passed with extra={...}.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def scrub(text: str) -> str:
    """Replace email and IP addresses in free text."""
    # Each pattern needs its separator: skip the regex when the text cannot match (the access
    # log scrubs a path and a user agent on every request).
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if "." in text:
        text = IPV4.sub("[ip]", text)
    return IPV6.sub(_ipv6, text) if ":" in text else text


def _ipv6(match: re.Match[str]) -> str:
    # "::" or five colons: an address, not a time of day such as 06:43:58.
    found = match.group(0)
    is_address = ("::" in found and len(found) > 2) or found.count(":") >= 5
    return "[ip]" if is_address else found


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
    from flask.logging import default_handler

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
            "path": environ.get("PATH_INFO"),  # no query string: it may hold search terms
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
