"""Security headers on the HTML error pages: CSP, X-Frame-Options, nosniff.

    app.after_request(error_headers.secure)   # registered with the blueprints

A browser's plain form post that fails (422 with the form again, 400, 409, 429, ...) gets an
HTML page from errors.py. Pages that set no policy of their own get one here: nothing may run,
styles only the page's own inline blocks (allowed by their SHA-256, so no 'unsafe-inline'),
forms post only back here. Framing follows the embed page: a page about a site (its form
posted from the embed iframe) may be framed by the site's origins, any other page by no one.
X-Frame-Options says the same for browsers without CSP (DENY, or SAMEORIGIN where the site
may frame it: browsers with CSP follow frame-ancestors instead).
"""

from __future__ import annotations

import re

from flask import Response, request
from sqlalchemy.exc import SQLAlchemyError

from ..errors import style_hashes
from ..sites import site_origins

NONE = "'none'"
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def _ancestors() -> list[str]:
    """Who may frame the page: the site's origins for a page about a site, else no one."""
    site = (request.view_args or {}).get("site")
    if not isinstance(site, str):
        return []
    try:
        origins = site_origins(site)
    except SQLAlchemyError:  # the database is down: the 503 page is simply not framed
        return []
    if origins is None:  # no such site
        return []
    return ["'self'", *(o for o in origins if ORIGIN_RE.match(o))]


def secure(response: Response) -> Response:
    """Add CSP, X-Frame-Options and nosniff to an HTML error page that has no policy."""
    if (response.status_code < 400 or response.mimetype != "text/html"
            or "Content-Security-Policy" in response.headers or response.is_streamed):
        return response
    ancestors = _ancestors()
    styles = " ".join(style_hashes(response.get_data(as_text=True))) or NONE
    framers = " ".join(ancestors) or NONE
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {styles}; img-src 'self'; form-action 'self'; "
        f"base-uri 'none'; frame-ancestors {framers}")
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if ancestors else "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # No Referrer-Policy: no-referrer here: it would make the form's retry send `Origin: null`,
    # which the submit endpoint's origin check refuses.
    return response
