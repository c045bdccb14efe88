"""The moderation queue, status changes, audit events and moderators; owns their SQL.

    moderator = authenticate(token)                       # or None
    page = list_queue(moderator, status="pending", limit=50, cursor=None)
    change_status(moderator, comment_id, "approved", reason="fine")

Every status change writes a ModerationEvent and, when what the public sees changes, moves
the article's version on and keeps its approved count exact, in the same transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import select, tuple_

from .comments import bump_article
from .errors import BadRequest, Forbidden, InvalidTransition, NotFound
from .extensions import db
from .models import STATUSES, Article, Comment, ModerationEvent, Moderator, Site, utcnow
from .privacy import keys

# What a moderator may move a comment to, from each status. "deleted" is the author's withdrawal.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "spam", "rejected"}),
    "approved": frozenset({"pending", "spam", "rejected"}),
    "spam": frozenset({"pending", "approved", "rejected"}),
    "rejected": frozenset({"pending", "approved", "spam"}),
    "deleted": frozenset(),
}


@dataclass(frozen=True)
class QueuePage:
    items: list[Comment]
    next_cursor: str | None


def add_moderator(name: str, site_keys: list[str], admin: bool) -> str:
    """Create a moderator and return their token; only its hash is stored.

    :raises ValueError: the name is taken or a site is unknown.
    """
    if db.session.scalar(select(Moderator).where(Moderator.name == name)) is not None:
        raise ValueError(f"a moderator named {name!r} exists already")
    sites = []
    for key in site_keys:
        site = db.session.scalar(select(Site).where(Site.key == key))
        if site is None:
            raise ValueError(f"there is no site {key!r}")
        sites.append(site)
    token = secrets.token_urlsafe(32)
    db.session.add(Moderator(name=name, token_hash=keys().token_hash(token), is_admin=admin,
                             sites=sites))
    db.session.commit()
    return token


def list_moderators() -> list[Moderator]:
    return list(db.session.scalars(select(Moderator).order_by(Moderator.name)))


def revoke_moderator(name: str) -> bool:
    moderator = db.session.scalar(
        select(Moderator).where(Moderator.name == name, Moderator.revoked_at.is_(None))
    )
    if moderator is None:
        return False
    moderator.revoked_at = utcnow()
    db.session.commit()
    return True


def authenticate(token: str) -> Moderator | None:
    if not token:
        return None
    return db.session.scalar(
        select(Moderator).where(
            Moderator.token_hash == keys().token_hash(token), Moderator.revoked_at.is_(None)
        )
    )


def site_ids_of(moderator: Moderator) -> list[int] | None:
    """The sites a moderator may act on; None means every site (admin)."""
    return None if moderator.is_admin else [s.id for s in moderator.sites]


def _encode_cursor(comment: Comment) -> str:
    raw = json.dumps([comment.created_at.isoformat(), comment.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, ident = json.loads(raw)
        return dt.datetime.fromisoformat(when), int(ident)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise BadRequest("The cursor is not one this service gave out.") from None


def list_queue(moderator: Moderator, status: str | None, site_key: str | None,
               article_key: str | None, limit: int, cursor: str | None) -> QueuePage:
    """Newest first, keyset-paginated on (created_at, id) so inserts never shift a page.

    :raises BadRequest: for an unknown status or a bad cursor.
    :raises Forbidden: for a site the moderator may not see.
    """
    query = select(Comment).join(Article).join(Site)
    if status:
        if status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
        query = query.where(Comment.status == status)
    allowed = site_ids_of(moderator)
    if site_key:
        site = db.session.scalar(select(Site).where(Site.key == site_key))
        if site is None:
            raise NotFound(f"There is no site {site_key!r}.")
        if allowed is not None and site.id not in allowed:
            raise Forbidden("You do not moderate this site.")
        query = query.where(Article.site_id == site.id)
    elif allowed is not None:
        query = query.where(Article.site_id.in_(allowed))
    if article_key:
        query = query.where(Article.key == article_key)
    if cursor:
        when, ident = _decode_cursor(cursor)
        # A row comparison, so PostgreSQL seeks ix_comments_queue (status, created_at, id)
        # instead of filtering every newer row: page 1,000 costs what page 1 does.
        query = query.where(tuple_(Comment.created_at, Comment.id) < tuple_(when, ident))
    rows = list(
        db.session.scalars(query.order_by(Comment.created_at.desc(), Comment.id.desc())
                           .limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(rows, _encode_cursor(rows[-1]) if more and rows else None)


def get_comment(moderator: Moderator, comment_id: int) -> Comment:
    """:raises NotFound: no such comment. :raises Forbidden: not the moderator's site."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("There is no such comment.")
    allowed = site_ids_of(moderator)
    if allowed is not None and comment.article.site_id not in allowed:
        raise Forbidden("You do not moderate this site.")
    return comment


def history(comment_id: int) -> list[ModerationEvent]:
    return list(
        db.session.scalars(
            select(ModerationEvent)
            .where(ModerationEvent.comment_id == comment_id)
            .order_by(ModerationEvent.created_at, ModerationEvent.id)
        )
    )


def apply_status(comment: Comment, to: str, actor: str, moderator_id: int | None,
                 reason: str | None) -> None:
    """Change a comment's status with its audit event; the caller commits.

    :raises InvalidTransition: when `to` may not follow the current status.
    """
    if to not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    if to == comment.status:
        return
    if to not in TRANSITIONS[comment.status]:
        raise InvalidTransition(f"A {comment.status} comment cannot become {to}.")
    was = comment.status
    comment.status = to
    comment.moderated_at = utcnow()
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator_id, actor=actor,
                                   action="status", from_status=was, to_status=to, reason=reason))
    if "approved" in (was, to):
        bump_article(comment.article_id, +1 if to == "approved" else -1)


def change_status(moderator: Moderator, comment_id: int, to: str, reason: str | None) -> Comment:
    comment = get_comment(moderator, comment_id)
    apply_status(comment, to, moderator.name, moderator.id, reason)
    db.session.commit()
    return comment
