"""The hot read, answered before Flask: a thread GET whose head is in the live version map.

    app.wsgi_app = ThreadFastPath(app, app.wsgi_app)    # setup.register does this last

`GET /api/v1/sites/<site>/articles/<article>/comments` without a query string, when this
worker's version map is live (cache.VersionMap: exact, kept by push) and holds the article's
head, is a `304` if the client's copy is current, else the cached bytes when the page cache
holds them. The answer carries exactly the headers of the Flask view (ETag, Cache-Control,
CDN-Cache-Control, Vary, CORS for an allowed Origin, X-Request-ID) and is counted in the same
metrics. Everything else (a miss, another page, a HEAD, a write, any doubt) goes to Flask
unchanged. The map only holds heads that a Flask read produced, so the site and article key
were checked then; nothing here touches the database.
"""

from __future__ import annotations

import random
import re
import time
import typing as t

from flask import Flask
from werkzeug.http import parse_etags

from . import logs, metrics, sites
from .cache import caches
from .paging import Paging
from .threads import ThreadHead, reopened

THREAD_PATH = re.compile(r"/api/v1/sites/([^/]+)/articles/(.+)/comments")
ENDPOINT = "api.read_thread"
DEFAULT_PAGING = Paging()
StartResponse = t.Callable[..., t.Any]


def cache_headers(etag: str, seconds: int) -> list[tuple[str, str]]:
    """The read's caching headers (the Flask view uses the same function)."""
    return [
        ("ETag", f'"{etag}"'),
        ("Cache-Control", f"public, max-age=0, s-maxage={seconds}"),
        ("CDN-Cache-Control", f"public, max-age={seconds}, stale-while-revalidate=60, "
                              "stale-if-error=86400"),
    ]


def request_id(given: str) -> str:
    """The caller's X-Request-ID when it is plain, else a new random one."""
    if given and logs.SANE_REQUEST_ID.match(given):
        return given
    return f"{random.getrandbits(128):032x}"


class ThreadFastPath:
    """WSGI middleware serving exact cached thread reads without a request context."""

    def __init__(self, app: Flask, wsgi_app: t.Callable[..., t.Any]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.caches = caches(app)

    def __call__(self, environ: dict[str, t.Any], start_response: StartResponse) -> t.Any:
        started = time.perf_counter()
        answer = self._answer(environ) if environ.get("REQUEST_METHOD") == "GET" else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        metrics.observe(ENDPOINT, "GET", int(status[:3]), time.perf_counter() - started)
        return [body]

    def _answer(self, environ: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        if environ.get("QUERY_STRING") or not self.caches.versions.live:
            return None
        match = THREAD_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        try:  # WSGI hands the path as latin-1; Flask reads it as UTF-8, and so do we
            site_key = match.group(1).encode("latin-1").decode()
            article_key = match.group(2).encode("latin-1").decode()
        except UnicodeError:
            return None
        found: ThreadHead | None = self.caches.versions.get(site_key, article_key)
        if found is None:
            return None
        head = reopened(found)
        p = DEFAULT_PAGING
        etag = head.etag(p.page, p.per_page, p.order)
        headers = cache_headers(etag, int(self.app.config.get("THREAD_CDN_SECONDS", 10)))
        headers.append(("Vary", "Origin"))
        origin = environ.get("HTTP_ORIGIN")
        if origin:
            try:
                allowed = sites.normalize_origin(origin) in head.site.origins
            except ValueError:
                allowed = False
            if allowed:
                headers += [("Access-Control-Allow-Origin", origin),
                            ("Access-Control-Expose-Headers", "ETag, Retry-After")]
        headers.append((logs.REQUEST_ID_HEADER, request_id(environ.get("HTTP_X_REQUEST_ID", ""))))
        given = environ.get("HTTP_IF_NONE_MATCH")
        if given and parse_etags(given).contains_weak(etag):
            return "304 NOT MODIFIED", headers, b""
        body = self.caches.threads.get(etag)
        if body is None:
            return None
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body
