"""Security headers on the HTML error pages, in one place: CSP, X-Frame-Options, nosniff.

    app.after_request(error_headers.secure)   # registered with the blueprints

A browser's plain form post that fails (422 with the form again, 400, 409, 429, ...) gets an
HTML page from errors.py, which says only who may frame it (`ErrorPageResponse.framers`).
Pages that set no policy of their own get one here: nothing may run, styles only the page's
own inline blocks (allowed by their SHA-256, so no 'unsafe-inline'), forms post only back
here. Framing follows the embed page: a page about a site (its form posted from the embed
iframe) may be framed by the site's origins, any other page (an unknown site, or an HTML
error page that names no one) by no one. X-Frame-Options says the same for browsers without
CSP (DENY, or SAMEORIGIN where the site may frame it: browsers with CSP follow
frame-ancestors instead).
"""

from __future__ import annotations

import re

from flask import Response

from ..errors import ErrorPageResponse, style_hashes

NONE = "'none'"
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def _ancestors(response: Response) -> list[str]:
    """Who may frame the page: this service and the origins its handler named, else no one."""
    framers = response.framers if isinstance(response, ErrorPageResponse) else ()
    allowed = [o for o in framers if ORIGIN_RE.match(o)]  # nothing that could end the header
    return ["'self'", *allowed] if allowed else []


def secure(response: Response) -> Response:
    """Add CSP, X-Frame-Options and nosniff to an HTML error page that has no policy."""
    if (response.status_code < 400 or response.mimetype != "text/html"
            or "Content-Security-Policy" in response.headers or response.is_streamed):
        return response
    ancestors = _ancestors(response)
    styles = " ".join(style_hashes(response.get_data(as_text=True))) or NONE
    framers = " ".join(ancestors) or NONE
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {styles}; img-src 'self'; form-action 'self'; "
        f"base-uri 'none'; frame-ancestors {framers}")
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if ancestors else "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Not no-referrer: the page's form posts again, and a retry without a Referrer would send
    # `Origin: null`, which the submit endpoint's origin check refuses.
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
