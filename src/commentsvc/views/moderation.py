"""The moderation JSON API, for moderators with a Bearer token."""

from __future__ import annotations

import functools
import typing as t

from flask import Blueprint, g, request

from .. import context, moderation, serialize
from ..comments import comments_open
from ..errors import BadRequest, Unauthorized, ValidationFailed
from ..extensions import limiter
from ..models import ARTICLE_KEY_MAX, BODY_MAX, STATUSES
from ..validation import clean_text, read_body

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
    flagged = request.args.get("flagged") == "1"
    page = moderation.list_queue(
        g.moderator,
        status=request.args.get("status", "" if flagged else "pending") or None,
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


def _reason(data: dict[str, t.Any]) -> str | None:
    """An optional note for the audit trail.

    :raises BadRequest: not a string. :raises ValidationFailed: too long.
    """
    value = data.get("reason")
    if value is None:
        return None
    try:
        reason = clean_text(value, multiline=True)
    except ValueError as e:
        raise ValidationFailed({"reason": str(e)}) from None
    if len(reason) > moderation.REASON_MAX:
        raise ValidationFailed({"reason": f"must be at most {moderation.REASON_MAX} characters"})
    return reason or None


def _status(data: dict[str, t.Any]) -> str | None:
    value = data.get("status")
    if value is not None and not isinstance(value, str):
        raise BadRequest("status must be a string.")
    if value is not None and value not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}.")
    return value


def _body(data: dict[str, t.Any]) -> str | None:
    if data.get("body") is None:
        return None
    try:
        body = clean_text(data["body"], multiline=True)
    except ValueError as e:
        raise ValidationFailed({"body": str(e)}) from None
    if not body:
        raise ValidationFailed({"body": "is required"})
    if len(body) > BODY_MAX:
        raise ValidationFailed({"body": f"must be at most {BODY_MAX} characters"})
    return body


def _ids(data: dict[str, t.Any]) -> list[int]:
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids:
        raise BadRequest("ids must be a non-empty list of comment ids.")
    if len(ids) > moderation.BULK_MAX:
        raise BadRequest(f"Send at most {moderation.BULK_MAX} ids at once.")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise BadRequest("ids must be whole numbers naming comments.")
    return ids


@bp.patch("/comments/<int:comment_id>")
@require_moderator
def update(comment_id: int) -> t.Any:
    data, _ = read_body(request)
    pinned = data.get("pinned")
    if pinned is not None and not isinstance(pinned, bool):
        raise ValidationFailed({"pinned": "must be true or false"})
    comment = moderation.update_comment(g.moderator, comment_id, status=_status(data),
                                        body=_body(data), reason=_reason(data), pinned=pinned)
    return context.moderation_items([comment])[0]


@bp.post("/comments/bulk")
@require_moderator
def bulk() -> t.Any:
    data, _ = read_body(request)
    status = _status(data)
    if status is None:
        raise BadRequest("status is required.")
    if "author_of" in data:  # every comment by the author of that one (issue 17)
        author_of = data["author_of"]
        if isinstance(author_of, bool) or not isinstance(author_of, int) \
                or not 0 < author_of < 2**31:
            raise ValidationFailed({"author_of": "must be a comment id"})
        return {"updated": moderation.bulk_author_of(g.moderator, author_of, status,
                                                     _reason(data))}
    return {"updated": moderation.bulk_status(g.moderator, _ids(data), status, _reason(data))}


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
    if len(article) > ARTICLE_KEY_MAX:
        raise BadRequest(f"An article key is at most {ARTICLE_KEY_MAX} characters.")
    is_open = data.get("comments_open")
    if not isinstance(is_open, bool):
        raise BadRequest("comments_open must be true or false.")
    site_obj, article_obj = moderation.set_comments_open(g.moderator, site, article, is_open)
    return {"site": site_obj.key, "article": article_obj.key,
            "comments_open": comments_open(site_obj, article_obj)}
