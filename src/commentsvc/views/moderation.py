"""The moderation JSON API, for moderators with a Bearer token."""

from __future__ import annotations

import functools
import typing as t

from flask import Blueprint, g, request

from .. import moderation, serialize
from ..errors import BadRequest, Unauthorized
from ..extensions import limiter
from ..validation import read_body

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
        raise BadRequest("limit must be a whole number.") from None
    page = moderation.list_queue(
        g.moderator,
        status=request.args.get("status", "pending") or None,
        site_key=request.args.get("site") or None,
        article_key=request.args.get("article") or None,
        limit=limit,
        cursor=request.args.get("cursor") or None,
    )
    return {"items": [serialize.moderation_item(c) for c in page.items],
            "next_cursor": page.next_cursor}


@bp.get("/comments/<int:comment_id>")
@require_moderator
def item(comment_id: int) -> t.Any:
    comment = moderation.get_comment(g.moderator, comment_id)
    body = serialize.moderation_item(comment)
    body["history"] = [serialize.event(e) for e in moderation.history(comment.id)]
    return body


@bp.patch("/comments/<int:comment_id>")
@require_moderator
def update(comment_id: int) -> t.Any:
    data, _ = read_body(request)
    status = data.get("status")
    reason = data.get("reason")
    if status is not None and not isinstance(status, str):
        raise BadRequest("status must be a string.")
    if reason is not None and not isinstance(reason, str):
        raise BadRequest("reason must be a string.")
    comment = moderation.get_comment(g.moderator, comment_id)
    if status is not None:
        comment = moderation.change_status(g.moderator, comment_id, status,
                                           reason[:500] if reason else None)
    return serialize.moderation_item(comment)
