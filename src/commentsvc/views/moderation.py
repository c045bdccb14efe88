"""The moderation JSON API, for moderators with a Bearer token."""

from __future__ import annotations

import functools
import typing as t

from flask import Blueprint, g, request

from .. import context, i18n, moderation, serialize, sites, stats
from ..comments import comments_open
from ..errors import BadRequest, Unauthorized
from ..extensions import limiter
from ..site_inputs import parse_site_patch
from ..validation import (
    parse_article_key,
    parse_bulk,
    parse_days,
    parse_flag,
    parse_moderator_patch,
    parse_status,
    read_body,
)

bp = Blueprint("moderation", __name__, url_prefix="/api/v1/moderation")
limiter.exempt(bp)


def require_moderator(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """Let the request through only with a valid, unrevoked Bearer token (g.moderator)."""

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        moderator = moderation.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if moderator is None:
            raise Unauthorized()
        g.moderator = moderator
        return view(*args, **kwargs)

    return wrapped


@bp.get("/comments")
@require_moderator
def queue() -> t.Any:
    try:
        limit = min(max(int(request.args.get("limit", 50)), 1), 200)
    except ValueError:
        raise BadRequest(i18n.N_("%(name)s must be a whole number.", name="limit")) from None
    flagged = request.args.get("flagged") == "1"
    status = request.args.get("status", "" if flagged else "pending")
    page = moderation.list_queue(
        g.moderator,
        status=parse_status(status) if status else None,
        site_key=request.args.get("site") or None,
        article_key=request.args.get("article") or None,
        limit=limit,
        cursor=request.args.get("cursor") or None,
        flagged=flagged,
    )
    return {"items": context.moderation_items(page.items),
            "next_cursor": page.next_cursor}


@bp.get("/comments/<int:comment_id>")
@require_moderator
def item(comment_id: int) -> t.Any:
    comment = moderation.get_comment(g.moderator, comment_id)
    body = context.moderation_items([comment])[0]
    body["history"] = [serialize.event(e) for e in moderation.history(comment.id)]
    return body


@bp.patch("/comments/<int:comment_id>")
@require_moderator
def update(comment_id: int) -> t.Any:
    patch = parse_moderator_patch(request)
    comment = moderation.update_comment(g.moderator, comment_id, status=patch.status,
                                        body=patch.body, reason=patch.reason,
                                        pinned=patch.pinned)
    return context.moderation_items([comment])[0]


@bp.post("/comments/bulk")
@require_moderator
def bulk() -> t.Any:
    req = parse_bulk(request)
    if req.author_of is not None:  # every comment by the author of that one (issue 17)
        return {"updated": moderation.bulk_author_of(g.moderator, req.author_of, req.status,
                                                     req.reason)}
    return {"updated": moderation.bulk_status(g.moderator, req.ids, req.status, req.reason)}


@bp.delete("/comments/<int:comment_id>")
@require_moderator
def delete(comment_id: int) -> t.Any:
    moderation.delete_comment(g.moderator, comment_id)
    return "", 204


@bp.get("/comments/<int:comment_id>/email")
@require_moderator
def email(comment_id: int) -> t.Any:
    return serialize.revealed_email(moderation.reveal_email(g.moderator, comment_id))


@bp.patch("/sites/<site>/articles/<article:article>")
@require_moderator
def article_settings(site: str, article: str) -> t.Any:
    data, _ = read_body(request)
    article = parse_article_key(article)
    is_open = parse_flag(data, "comments_open")
    site_obj, article_obj = moderation.set_comments_open(g.moderator, site, article, is_open)
    return {"site": site_obj.key, "article": article_obj.key,
            "comments_open": comments_open(site_obj, article_obj)}


@bp.get("/sites/<site>")
@require_moderator
def site_settings(site: str) -> t.Any:
    return sites.settings(sites.in_reach(g.moderator, site)).as_dict()


@bp.patch("/sites/<site>")
@require_moderator
def configure_site(site: str) -> t.Any:
    key = sites.in_reach(g.moderator, site).key
    options = parse_site_patch(request)
    configured = sites.configure(key, actor=g.moderator.name, moderator_id=g.moderator.id,
                                 **options)
    return sites.settings(configured).as_dict()


@bp.get("/stats")
@require_moderator
def figures() -> t.Any:
    days = parse_days(request.args)
    site = request.args.get("site") or None
    scope = [sites.in_reach(g.moderator, site).id] if site else sites.site_scope(g.moderator)
    return stats.figures(scope, days).as_dict()
