"""What readers' browsers load: the widget, the no-JavaScript embed page, avatars, the demo page."""

from __future__ import annotations

import functools
import hashlib
import re
import typing as t
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from .. import serialize, sites, threads
from ..errors import ApiError, BadRequest, page_policy
from ..models import ARTICLE_KEY_MAX
from ..spam import formtoken
from ..validation import link_number, parse_page_link

bp = Blueprint("embed", __name__)

DEMO_SITE = "demo"
DEMO_ARTICLE = "hello-world"
EMBED_PER_PAGE = 50
ASSET_MAX_AGE = 3600  # the widget's URL is not versioned: let caches revalidate hourly
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


@bp.get("/avatars/<key>.svg")
def avatar(key: str) -> t.Any:
    """A 5x5 symmetric identicon drawn from the keyed avatar digest: no third-party request."""
    digest = hashlib.sha256(key.encode()).digest()
    hue = digest[0] * 360 // 256
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" height="48">'
        '<rect x="-0.5" y="-0.5" width="6" height="6" fill="#f0f0f0"/>'
        f'<g fill="hsl({hue},55%,50%)">{"".join(cells)}</g></svg>'
    )
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@functools.lru_cache(maxsize=8)
def _asset_bytes(folder: str, name: str) -> tuple[bytes, str]:
    """A static asset's bytes and ETag, read once per worker (no file handle per request)."""
    data = (Path(folder) / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:20]


def _asset(name: str, mimetype: str) -> Response:
    data, etag = _asset_bytes(t.cast(str, current_app.static_folder), name)
    response = Response(data, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.max_age = ASSET_MAX_AGE
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return t.cast(Response, response.make_conditional(request))


@bp.get("/embed.js")
def script() -> t.Any:
    """The widget: plain JavaScript, no dependencies."""
    return _asset("embed.js", "text/javascript")


@bp.get("/embed.css")
def stylesheet() -> t.Any:
    """The widget's and the embed page's styles (CSS variables a site may override)."""
    return _asset("embed.css", "text/css")


def frame_policy(origins: list[str]) -> str:
    """The embed page's CSP: nothing but its own styles, avatars and form; framed by the site."""
    ancestors = " ".join(["'self'", *(o for o in origins if ORIGIN_RE.match(o))])
    return ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {ancestors}")


def error_page_policy() -> str:
    """The CSP of an HTML error page: a form post from the no-JavaScript page is answered inside
    the iframe, so the site the request names may frame it (and no one else)."""
    key = (request.view_args or {}).get("site")
    origins: list[str] = []
    if isinstance(key, str):
        try:
            origins = [o for o in sites.get(key).origins if ORIGIN_RE.match(o)]
        except (ApiError, SQLAlchemyError):  # unknown site, or the database is what failed
            origins = []
    return page_policy(origins)


@bp.get("/embed/<site>/<article:article>")
def page(site: str, article: str) -> t.Any:
    """The thread and the form rendered on the server: works with JavaScript off, in an iframe."""
    if len(article) > ARTICLE_KEY_MAX:
        raise BadRequest(f"An article key is at most {ARTICLE_KEY_MAX} characters.")
    found = threads.page(site, article, parse_page_link(request.args, EMBED_PER_PAGE))
    data = threads.tree(found)
    shown = serialize.flatten(data["comments"])
    reply_id = link_number(request.args, "replytocom")
    reply_to = next((s.c for s in shown if s.c["id"] == reply_id), None) if reply_id else None
    html = render_template(
        "embed.html",
        thread=data,
        shown=shown,
        article_key=article,
        reply_to=reply_to,
        form_token=formtoken.issue(site, article) if data["comments_open"] else None,
        page_url=request.base_url,
        return_to=request.base_url + "?posted=1",
        held=request.args.get("posted") is not None and found.head.site.moderation == "all",
    )
    return html, 200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": frame_policy(found.head.site.origins),
        "Cache-Control": "private, no-store",  # each page holds a fresh form token
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


@bp.get("/demo/")
def demo() -> t.Any:
    """The demo article page: a news page that embeds the widget like any site would."""
    site = sites.get(DEMO_SITE)
    return render_template("demo.html", site=site, article_key=DEMO_ARTICLE)
