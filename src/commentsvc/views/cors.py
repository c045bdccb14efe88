"""CORS for the public API: the site's own origins only, never credentials.

    bp.before_request(refuse_foreign_origin)   # 403 origin_not_allowed on writes from elsewhere
    bp.after_request(add_cors_headers)         # Access-Control-* for allowed origins, Vary: Origin

The site is the one named in the URL, or for /comments/{id} the comment's site. Requests
without an Origin header (curl, servers, some plain form posts) are not cross-origin and pass.
The service's own origin (its /embed/ page posting a form) always passes.
"""

from __future__ import annotations

from flask import Response, g, request

from .. import sites
from ..errors import OriginNotAllowed

ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Content-Type, X-Edit-Token, If-None-Match"
EXPOSE_HEADERS = "ETag, Retry-After"
PREFLIGHT_MAX_AGE = "600"
UNSAFE = ("POST", "PATCH", "DELETE", "PUT")


def remember_site_origins(origins: list[str]) -> None:
    """Let a view that already loaded the site spare the CORS lookup a query."""
    g.commentsvc_site_origins = origins


def _site_origins() -> list[str] | None:
    if "commentsvc_site_origins" in g:
        return g.commentsvc_site_origins  # type: ignore[no-any-return]
    args = request.view_args or {}
    origins: list[str] | None = None
    if "site" in args:
        origins = sites.site_origins(args["site"])
    elif "comment_id" in args:
        origins = sites.comment_site_origins(args["comment_id"])
    g.commentsvc_site_origins = origins
    return origins


def _normalized(origin: str) -> str | None:
    try:
        return sites.normalize_origin(origin)
    except ValueError:  # "null", opaque or malformed origins are never allowed
        return None


def _own_origin() -> str | None:
    return _normalized(f"{request.scheme}://{request.host}")


def origin_allowed(origin: str) -> bool:
    normalized = _normalized(origin)
    if normalized is None:
        return False
    origins = _site_origins()
    return bool(origins) and normalized in origins  # type: ignore[operator]


def refuse_foreign_origin() -> None:
    """Refuse a write sent by a browser from a page that is not the site's (nor ours)."""
    origin = request.headers.get("Origin")
    if request.method not in UNSAFE or not origin:
        return
    if _normalized(origin) == _own_origin():
        return
    if _site_origins() is None:
        return  # unknown site or comment: the view answers 404
    if not origin_allowed(origin):
        raise OriginNotAllowed()


def add_cors_headers(response: Response) -> Response:
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin or response.status_code >= 500 or not origin_allowed(origin):
        return response  # on 5xx the database may be down: do not ask it again
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
