"""What readers' browsers load: the widget, the no-JavaScript embed page, avatars, the demo page."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from .. import i18n, serialize, sites, subscriptions, threads
from ..errors import BadRequest, NotFound
from ..models import ARTICLE_KEY_MAX
from ..paging import link_number, parse_page_link
from ..spam import formtoken

bp = Blueprint("embed", __name__)

DEMO_SITE = "demo"
DEMO_ARTICLE = "hello-world"
EMBED_PER_PAGE = 50
ASSET_MAX_AGE = 3600  # embed.js and count.js have fixed URLs: caches revalidate hourly
ONE_YEAR = 31536000  # a versioned URL (?v=digest, or a digest in the name) never changes
AVATAR_KEY_RE = re.compile(r"^[0-9a-f]{20}$")
BUILD_RE = re.compile(r"/\*@BUILD@\*/[^;\n]*")
BLOCK_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
LINE_COMMENT_RE = re.compile(r"(^\s*|  )// .*$", re.M)
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


@bp.get("/avatars/<key>.svg")
def avatar(key: str) -> t.Any:
    """A 5x5 symmetric identicon drawn from the keyed avatar digest: no third-party request.

    The widget draws the same picture itself from the key in the URL (embed.js `avatar`).
    """
    bits = bytes.fromhex(key) if AVATAR_KEY_RE.match(key) else hashlib.sha256(key.encode()).digest()
    hue = bits[0] * 360 // 256
    cells = []
    for cell in range(15):
        if bits[1 + (cell >> 3)] >> (cell & 7) & 1:
            row, col = divmod(cell, 3)
            for x in sorted({col, 4 - col}):
                cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" height="48">'
        '<rect x="-0.5" y="-0.5" width="6" height="6" fill="#ececec"/>'
        f'<g fill="hsl({hue},55%,50%)">{"".join(cells)}</g></svg>'
    )
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@dataclass(frozen=True)
class Asset:
    """One served file: its bytes, gzipped bytes and a content digest (ETag and URL version)."""

    data: bytes
    gzipped: bytes
    digest: str


def _pack(data: bytes) -> Asset:
    return Asset(data, gzip.compress(data, 9, mtime=0), hashlib.sha256(data).hexdigest()[:12])


@functools.lru_cache(maxsize=16)
def _static(folder: str, name: str) -> Asset:
    """A static asset read once per worker; the scripts learn the versioned URLs they load."""
    data = (Path(folder) / name).read_bytes()
    if name.endswith(".js"):
        build = dict(i18n.widget_build(), css=f"embed.css?v={_static(folder, 'embed.css').digest}")
        text = BUILD_RE.sub(lambda _m: json.dumps(build, separators=(",", ":")), data.decode(),
                            count=1)
        data = _strip(text).encode()
    return _pack(data)


def _strip(script: str) -> str:
    """The script without its comments and indentation (lines kept): a fifth fewer bytes.

    Only comments as the scripts here write them: block comments, and `//` at a line's start or
    after two spaces (never inside a string in these files).
    """
    text = BLOCK_COMMENT_RE.sub("", script)
    text = LINE_COMMENT_RE.sub("", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"


def _send(asset: Asset, mimetype: str, immutable: bool) -> Response:
    """The asset gzipped when the client takes it; a year's caching for a versioned URL."""
    zipped = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(asset.gzipped if zipped else asset.data, mimetype=mimetype)
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(asset.digest + ("-gz" if zipped else ""))
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR if immutable else ASSET_MAX_AGE
    if immutable:
        response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.access_control_allow_origin = "*"  # public, and fetched by host pages' scripts
    return t.cast(Response, response.make_conditional(request))


@bp.app_template_global()
def asset_version(name: str) -> str:
    """The digest naming a static file's current version, for a URL cached for a year."""
    return _static(t.cast(str, current_app.static_folder), name).digest


def _asset(name: str, mimetype: str) -> Response:
    asset = _static(t.cast(str, current_app.static_folder), name)
    return _send(asset, mimetype, request.args.get("v") == asset.digest)


@bp.get("/embed.js")
def script() -> t.Any:
    """The widget: plain JavaScript, no dependencies. Its URL is fixed, so caches revalidate."""
    return _asset("embed.js", "text/javascript")


@bp.get("/count.js")
def count_script() -> t.Any:
    """Fills every [data-commentsvc-count] element with its article's translated count."""
    return _asset("count.js", "text/javascript")


@bp.get("/frame.js")
def frame_script() -> t.Any:
    """Sizes an iframe of the embed page to its content (host side and page side)."""
    return _asset("frame.js", "text/javascript")


@bp.get("/embed.css")
def stylesheet() -> t.Any:
    """The widget's and the embed page's styles (CSS variables a site may override)."""
    return _asset("embed.css", "text/css")


@bp.get("/i18n/<tag>.<version>.json")
def strings(tag: str, version: str) -> t.Any:
    """One language's widget strings; the URL names its version, so it is cached for a year."""
    locale = i18n.match(tag)
    if locale is None or locale == i18n.SOURCE_LOCALE or i18n.to_tag(locale) != tag:
        raise NotFound("There are no strings for that language.")
    asset = _strings_asset(locale)
    return _send(asset, "application/json", version == asset.digest)


@functools.lru_cache(maxsize=64)
def _strings_asset(locale: str) -> Asset:
    return _pack(i18n.widget_strings(locale))


def frame_policy(origins: list[str]) -> str:
    """The embed page's CSP: nothing but its own styles, avatars and form; framed by the site."""
    ancestors = " ".join(["'self'", *(o for o in origins if ORIGIN_RE.match(o))])
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {ancestors}")


def error_page_framers() -> list[str]:
    """Who may frame an HTML error page: a form post from the no-JavaScript page is answered
    inside the iframe, so the origins of the site the request names (no site, an unknown one
    or a database that failed: no one). errors.py asks; views/error_headers.py sets the CSP."""
    key = (request.view_args or {}).get("site")
    if not isinstance(key, str):
        return []
    try:
        return list(sites.site_origins(key) or [])
    except SQLAlchemyError:  # the database is what failed: the page is simply not framed
        return []


@bp.get("/embed/<site>/<article:article>")
def page(site: str, article: str) -> t.Any:
    """The thread and the form rendered on the server: works with JavaScript off, in an iframe."""
    if len(article) > ARTICLE_KEY_MAX:
        raise BadRequest(i18n.nt("An article key is at most %(num)s character.",
                                 "An article key is at most %(num)s characters.", ARTICLE_KEY_MAX))
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
        report_id=link_number(request.args, "report"),  # the no-JS "Report" form's comment
        form_token=formtoken.issue(site, article) if data["comments_open"] else None,
        page_url=request.base_url,
        return_to=request.base_url + "?posted=1",
        held=request.args.get("posted") is not None and found.head.site.moderation == "all",
        notify_offered=subscriptions.offered(found.head.site),
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
