"""The public JSON API: read a thread, submit a comment, counts, the form token."""

from __future__ import annotations

import typing as t
from dataclasses import replace
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, request, url_for

from .. import authors, comments, fastpath, i18n, metrics, serialize, sites, subscriptions, threads
from ..errors import BadRequest, CommentsClosed, FormPost, ValidationFailed, form_post
from ..extensions import limiter
from ..models import BODY_MAX, EMAIL_MAX, NAME_MAX, URL_MAX
from ..paging import parse_paging
from ..spam import formtoken
from ..validation import parse_article_key, parse_edit, read_body, validate_submission
from . import cors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(cors.refuse_foreign_origin)
bp.after_request(cors.add_cors_headers)

THREAD = "/sites/<site>/articles/<article:article>/comments"


def submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _article_key(article: str) -> str:
    return parse_article_key(article)


def _cache_headers(etag: str) -> dict[str, str]:
    """Browsers revalidate every time (a 304 is cheap); a CDN may serve it for a few seconds.

    max-age=0 keeps a reader's own reload honest the moment a moderator approves; s-maxage lets
    a shared cache absorb bursts on a popular article, bounded to THREAD_CDN_SECONDS of delay;
    stale-while-revalidate / stale-if-error are given only to CDNs (CDN-Cache-Control,
    RFC 9213), because browsers honour stale-while-revalidate too and would show old threads.
    """
    return dict(fastpath.cache_headers(etag, int(current_app.config.get("THREAD_CDN_SECONDS", 10))))


@bp.get(THREAD)
@limiter.exempt  # the hot path: never limited, and spared the limiter's per-request bookkeeping
def read_thread(site: str, article: str) -> t.Any:
    paging = parse_paging(request.args)
    found = threads.page(site, _article_key(article), paging, request.if_none_match)
    cors.remember_site_origins(found.head.site.origins)
    headers = _cache_headers(found.etag)
    if found.body is None:
        return Response(status=304, headers=headers)
    return Response(found.body, status=200, headers=headers, mimetype="application/json")


@bp.post(THREAD)
@limiter.limit(submit_limit)
def submit(site: str, article: str) -> t.Any:
    article = _article_key(article)
    body = read_body(request)
    form = return_to = None
    if body.is_form:  # refusals answer with a page that gives the reader's text back
        action = url_for(".submit", site=site, article=article, lang=i18n.asked_lang())
        form = FormPost(body.typed_values(), action=action)
        with form_post(form):
            return_to = checked_return_to(
                body.data.get("return_to"), sites.get(site).origins, own_origins()
            )
        form = replace(form, return_to=return_to)
    with form_post(form):
        try:
            sub = validate_submission(body)
        except ValidationFailed:
            _refuse_if_closed(site, article)
            raise
        client = comments.Client(ip=request.remote_addr, user_agent=request.user_agent.string,
                                 lang=request.accept_languages.best)
        comment, edit_token = comments.submit(site, article, sub, client)
    metrics.submission(comment.status)
    if return_to is not None:
        anchor = f"#comment-{comment.id}" if comment.status == "approved" else "#comment-pending"
        return redirect(return_to.split("#")[0] + anchor, 303)
    answer = serialize.submitted(comment, edit_token, current_app.config["EDIT_WINDOW_SECONDS"])
    return answer, 201 if comment.status == "approved" else 202


def _refuse_if_closed(site: str, article: str) -> None:
    """Before naming a refused field: an unknown site or an article that takes no comments is
    said first, as WordPress does; asked only once a field is refused (no cost to the rest).

    :raises NotFound: unknown site. :raises CommentsClosed: read-only, closed or quiet hours.
    """
    if not threads.thread_head(site, article).comments_open:
        raise CommentsClosed()


def own_origins() -> list[str]:
    """The service's own origin(s): its no-JavaScript embed page posts back to itself."""
    origins = [request.host_url]
    if current_app.config.get("PUBLIC_URL"):
        origins.append(str(current_app.config["PUBLIC_URL"]))
    return origins


_RETURN_TO_REFUSED = i18n.N_("return_to must be an address on the site.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL without user info, else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or not parts.hostname.isascii():
        return None  # non-ASCII hosts are refused: no look-alike (IDN) hosts
    if parts.username is not None or parts.password is not None:
        return None
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme]


def checked_return_to(value: t.Any, origins: list[str], extra: t.Sequence[str] = ()) -> str:
    """An absolute URL under one of the site's origins (scheme, host and port exactly).

    `extra` names further allowed origins (the service's own, for its embed page).

    :raises BadRequest: for anything else, so the service never redirects elsewhere.
    """
    if not isinstance(value, str) or not value or len(value) > 2000:
        raise BadRequest(_RETURN_TO_REFUSED)
    # Browsers drop tabs and newlines from URLs and read "\\" as "/": refuse both outright.
    if "\\" in value or any(ord(ch) < 0x21 or ord(ch) == 0x7F or 0xD800 <= ord(ch) < 0xE000
                            for ch in value):
        raise BadRequest(_RETURN_TO_REFUSED)
    if not value.lower().startswith(("http://", "https://")):
        raise BadRequest(_RETURN_TO_REFUSED)  # also refuses "//host" and "https:host"
    target = _origin_of(value)
    if target is not None:
        for origin in [*origins, *extra]:
            if _origin_of(origin) == target:
                return value
    raise BadRequest(i18n.N_("return_to is not under one of the site's origins."))


@bp.get("/sites/<site>/counts")
def counts(site: str) -> t.Any:
    keys = request.args.getlist("article")
    if len(keys) > 200:
        raise BadRequest(i18n.nt("Ask for at most %(num)s article at once.",
                                 "Ask for at most %(num)s articles at once.", 200))
    return {"counts": threads.article_counts(site, [_article_key(k) for k in keys])}


@bp.get("/sites/<site>/articles/<article:article>/form")
def form(site: str, article: str) -> t.Any:
    found = sites.get(site)
    return {
        "reader_notifications": subscriptions.offered(found),
        "form_token": formtoken.issue(site, _article_key(article)),
        "fields": {
            "name": {"required": True, "max_length": NAME_MAX},
            "email": {"required": True, "max_length": EMAIL_MAX},
            "url": {"required": False, "max_length": URL_MAX},
            "body": {"required": True, "max_length": BODY_MAX},
        },
    }


@bp.get("/sites/<site>/articles/<article:article>/feed.atom")
def article_feed(site: str, article: str) -> t.Any:
    found = threads.feed(site, _article_key(article), request.base_url, request.if_none_match)
    cors.remember_site_origins(found.head.site.origins)
    headers = _cache_headers(found.etag)
    if found.body is None:
        return Response(status=304, headers=headers)
    return Response(found.body, 200, headers, content_type="application/atom+xml; charset=utf-8")


COMMENT = "/comments/<int:comment_id>"


@bp.patch(COMMENT)
def author_edit(comment_id: int) -> t.Any:
    edit = parse_edit(request)
    comment = authors.edit(comment_id, request.headers.get("X-Edit-Token"), edit.body)
    return serialize.authored(comment, current_app.config["EDIT_WINDOW_SECONDS"]), 200


@bp.delete(COMMENT)
def author_withdraw(comment_id: int) -> t.Any:
    authors.withdraw(comment_id, request.headers.get("X-Edit-Token"))
    return "", 204
