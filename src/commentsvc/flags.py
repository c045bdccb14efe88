"""Reader reports (flags): one count per reader per comment; the site's threshold sends a
comment back to pending. Owns the flags table's SQL.

    flags.report(comment_id, reader_hash, "abuse", "a note")  # NotFound unless approved
    flags.summaries([12, 13])            # {12: FlagSummary(count, reasons, notes)} unresolved
    flags.resolve(comment_id)            # a moderator decided; the caller commits
    flags.flagged_ids()                  # a subquery: comments with unresolved flags

Reports never teach the spam filter and never reach Akismet: readers alone are not evidence.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .comments import bump_article
from .errors import NotFound
from .extensions import db
from .i18n import N_
from .models import ID_MAX, Comment, Flag, ModerationEvent, utcnow

FLAG_THRESHOLD_DEFAULT = 3
READERS = "readers"  # the audit actor of a threshold reached


@dataclass(frozen=True)
class FlagSummary:
    """The unresolved flags of one comment, as moderation items show them."""

    count: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def threshold(site: t.Any) -> int:
    """The site's flag_threshold (a site switch), 3 when the site has none."""
    value = getattr(site, "flag_threshold", None)
    return int(value) if value else FLAG_THRESHOLD_DEFAULT


def report(comment_id: int, reader_hash: str, reason: str, note: str | None) -> bool:
    """Record a reader's flag; True when it counted (a repeat by the same reader does not).

    At the site's threshold of distinct unresolved flags an approved comment goes back to
    pending with an audit event by `readers`, in the same transaction.

    :raises NotFound: the comment does not exist or is not public.
    """
    comment = db.session.scalar(
        select(Comment).where(Comment.id == comment_id).with_for_update()  # one threshold move
    ) if 0 < comment_id <= ID_MAX else None
    if comment is None or comment.status != "approved":
        raise NotFound(N_("There is no such comment."))
    try:
        with db.session.begin_nested():
            db.session.add(Flag(comment_id=comment.id, reader_hash=reader_hash, reason=reason,
                                note=note))
    except IntegrityError:  # this reader reported it already
        db.session.rollback()
        return False
    count = db.session.scalar(
        select(func.count()).select_from(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
    ) or 0
    if count >= threshold(comment.article.site):
        comment.status = "pending"
        comment.moderated_at = utcnow()
        db.session.add(ModerationEvent(
            comment_id=comment.id, actor=READERS, action="status", from_status="approved",
            to_status="pending", reason=f"{count} reader reports"))
        bump_article(comment.article_id, -1)
    db.session.commit()
    return True


def resolve(comment_id: int) -> None:
    """Mark the comment's open flags resolved (a moderator decided); the caller commits."""
    db.session.execute(
        update(Flag).where(Flag.comment_id == comment_id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )


def flagged_ids() -> t.Any:
    """A subquery of the ids of comments with unresolved flags (the queue's `flagged=1`)."""
    return select(Flag.comment_id).where(Flag.resolved_at.is_(None)).distinct()


def summaries(comment_ids: list[int]) -> dict[int, FlagSummary]:
    """The unresolved flags of many comments in one query; comments without any are absent."""
    if not comment_ids:
        return {}
    rows = db.session.execute(
        select(Flag.comment_id, Flag.reason, Flag.note)
        .where(Flag.comment_id.in_(comment_ids), Flag.resolved_at.is_(None))
        .order_by(Flag.created_at, Flag.id)
    )
    found: dict[int, tuple[dict[str, int], list[str]]] = {}
    for comment_id, reason, note in rows:
        reasons, notes = found.setdefault(comment_id, ({}, []))
        reasons[reason] = reasons.get(reason, 0) + 1
        if note:
            notes.append(note)
    return {cid: FlagSummary(sum(r.values()), r, n) for cid, (r, n) in found.items()}
