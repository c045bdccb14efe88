"""Removing comments for good: purging old spam, erasing everything one person wrote.

    purge_spam(days=30)                      # how many spam comments went
    erase_person("ana@example.org")          # Erasure(erased=3, reattached=1, subscriptions=2)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select

from . import subscriptions
from .comments import bump_article
from .extensions import db
from .fields import normalize_email
from .models import Comment, ModerationEvent, utcnow
from .privacy import keys


def purge_spam(days: int, now: dt.datetime | None = None) -> int:
    """Erase comments that are spam and older than `days`; how many went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    result = db.session.execute(
        delete(Comment).where(Comment.status == "spam", Comment.created_at < cutoff)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Erasure:
    erased: int  # comments removed
    reattached: int  # replies of other people moved up to the erased comment's parent
    subscriptions: int = 0  # reader-mail subscriptions removed with the address


def erase_person(address: str, actor: str = "cli") -> Erasure:
    """Erase every comment of one address (under the current and fallback keys); one transaction.

    Replies by others stay: each moves up to the nearest ancestor that is not erased. Approved
    counts and versions of the articles touched are kept exact, and an audit event per erased
    comment records the erasure (without the address).
    """
    hashes = keys().email_hashes(normalize_email(address))
    unsubscribed = subscriptions.erase(hashes)
    doomed = list(db.session.scalars(select(Comment).where(Comment.email_hash.in_(hashes))))
    if not doomed:
        db.session.commit()
        return Erasure(0, 0, unsubscribed)
    doomed_ids = {c.id for c in doomed}
    parent_of = {c.id: c.parent_id for c in doomed}

    def surviving_ancestor(parent_id: int | None) -> int | None:
        seen: set[int] = set()
        while parent_id in doomed_ids and parent_id not in seen:
            seen.add(parent_id)
            parent_id = parent_of[parent_id]
        return None if parent_id in doomed_ids else parent_id

    replies = list(db.session.scalars(
        select(Comment).where(Comment.parent_id.in_(doomed_ids), Comment.id.not_in(doomed_ids))
    ))
    touched: dict[int, int] = {}  # article id -> approved delta
    for reply in replies:
        reply.parent_id = surviving_ancestor(reply.parent_id)
        if reply.status == "approved":
            touched.setdefault(reply.article_id, 0)
    for comment in doomed:
        delta = -1 if comment.status == "approved" else 0
        touched[comment.article_id] = touched.get(comment.article_id, 0) + delta
        db.session.add(ModerationEvent(comment_id=comment.id, actor=actor, action="erase",
                                       from_status=comment.status, to_status=None,
                                       reason="erased at the author's request"))
    db.session.flush()  # re-attach replies before their parents go
    for comment in doomed:
        db.session.delete(comment)
    for article_id, delta in touched.items():
        bump_article(article_id, delta)
    db.session.commit()
    return Erasure(len(doomed), len(replies), unsubscribed)
