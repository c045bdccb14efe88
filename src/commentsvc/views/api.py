"""The public JSON API: read a thread, submit a comment, counts, the form token."""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request

from .. import comments, serialize
from .. import metrics
from ..errors import BadRequest
from ..extensions import limiter
from ..spam import formtoken
from ..models import ARTICLE_KEY_MAX, BODY_MAX, EMAIL_MAX, NAME_MAX, URL_MAX
from ..validation import parse_submission

bp = Blueprint("api", __name__, url_prefix="/api/v1")

THREAD = "/sites/<site>/articles/<article:article>/comments"


def submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _article_key(article: str) -> str:
    if len(article) > ARTICLE_KEY_MAX:
        raise BadRequest(f"An article key is at most {ARTICLE_KEY_MAX} characters.")
    return article


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    return min(max(value, low), high)


@bp.get(THREAD)
def read_thread(site: str, article: str) -> t.Any:
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", 50, 1, comments.PER_PAGE_MAX)
    order = request.args.get("order", "oldest")
    if order not in ("oldest", "newest"):
        raise BadRequest("order must be oldest or newest.")
    thread = comments.read_thread(site, _article_key(article), page, per_page, order)
    version = thread.article.version if thread.article else 0
    body = serialize.thread(thread, order)
    response = current_app.make_response((body, 200))
    response.set_etag(f"{site}.{thread.article.id if thread.article else 0}.{version}."
                      f"{page}.{per_page}.{order}")
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response.make_conditional(request)


@bp.post(THREAD)
@limiter.limit(submit_limit)
def submit(site: str, article: str) -> t.Any:
    article = _article_key(article)
    sub = parse_submission(request)
    if sub.is_form:
        site_obj = comments.get_site(site)
        return_to = checked_return_to(sub.return_to, site_obj.origins)
    client = comments.Client(ip=request.remote_addr, user_agent=request.user_agent.string)
    comment, edit_token = comments.submit(site, article, sub, client)
    metrics.submission(comment.status)
    if sub.is_form:
        anchor = f"#comment-{comment.id}" if comment.status == "approved" else "#comment-pending"
        return redirect(return_to.split("#")[0] + anchor, 303)
    body = serialize.submitted(comment, edit_token, current_app.config["EDIT_WINDOW_SECONDS"])
    return body, 201 if comment.status == "approved" else 202


def checked_return_to(value: str | None, origins: list[str]) -> str:
    """An absolute URL under one of the site's origins (scheme, host and port exactly).

    :raises BadRequest: for anything else, so the service never redirects elsewhere.
    """
    if not value or "\\" in value or any(ord(ch) < 0x21 for ch in value):
        raise BadRequest("return_to must be an address on the site.")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username \
            or parts.password:
        raise BadRequest("return_to must be an address on the site.")
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port or default
    except ValueError:
        raise BadRequest("return_to must be an address on the site.") from None
    for origin in origins:
        o = urlsplit(origin)
        if (o.scheme, o.hostname, o.port or {"http": 80, "https": 443}[o.scheme]) == (
            parts.scheme, parts.hostname, port
        ):
            return value
    raise BadRequest("return_to is not under one of the site's origins.")


@bp.get("/sites/<site>/counts")
def counts(site: str) -> t.Any:
    keys = request.args.getlist("article")
    if len(keys) > 200:
        raise BadRequest("Ask for at most 200 articles at once.")
    return {"counts": comments.article_counts(site, [_article_key(k) for k in keys])}


@bp.get("/sites/<site>/articles/<article:article>/form")
def form(site: str, article: str) -> t.Any:
    comments.get_site(site)
    return {
        "form_token": formtoken.issue(site, _article_key(article)),
        "fields": {
            "name": {"required": True, "max_length": NAME_MAX},
            "email": {"required": True, "max_length": EMAIL_MAX},
            "url": {"required": False, "max_length": URL_MAX},
            "body": {"required": True, "max_length": BODY_MAX},
        },
    }
