"""Removing data for good: purging old spam and the traces nothing needs any more, erasing
everything one person wrote.

    purge_spam(days=30)                      # how many spam comments went
    purge_traces()                           # Traces(decoys=2, review_sessions=5, ...)
    erase_person("ana@example.org")          # Erasure(erased=3, reattached=1, subscriptions=2)

`commentsvc purge` runs both purges; how long each trace is kept is in `purge_traces`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import String, and_, cast, delete, exists, literal, or_, select, update

from . import review_sessions, subscriptions
from .comments import bump_article
from .extensions import db
from .fields import normalize_email
from .models import Comment, Decoy, Flag, ModerationEvent, utcnow
from .notify import reader
from .privacy import keys

CLEARED = "cleared-"  # a flag's reader hash once cleared: this and the flag's id (never hex)


def purge_spam(days: int, now: dt.datetime | None = None) -> int:
    """Erase comments that are spam and older than `days`; how many went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    result = db.session.execute(
        delete(Comment).where(Comment.status == "spam", Comment.created_at < cutoff)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Traces:
    """What `purge_traces` removed or cleared."""

    decoys: int
    review_sessions: int
    reader_mails: int
    flag_hashes: int

    def lines(self) -> list[str]:
        return [f"purged {self.decoys} decoys, {self.review_sessions} expired review sessions, "
                f"{self.reader_mails} reader mail records",
                f"cleared the reader hash of {self.flag_hashes} decided flags"]


def retention_days(key: str) -> int:
    """A PURGE_*_DAYS setting as a whole number of days.

    :raises ValueError: naming the key, when it is not a whole number of days >= 0.
    """
    value = current_app.config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a whole number of days, 0 or more (got {value!r})")
    return value


def purge_traces(now: dt.datetime | None = None) -> Traces:
    """Delete or clear what no longer protects anything; one transaction.

    - Decoys (see `comments._decoy`) go once their edit window and the flood interval are
      over and no comment on their article carries their text any more: until then a repeat
      from the decoy's client must still answer `409 duplicate`, as a stored wrong guess would.
    - Review sessions go once expired.
    - Reader mail records go PURGE_READER_MAIL_DAYS after they were made, once done with
      (the caps look back a day; "one mail per recipient per comment" holds that long).
    - A flag's reader hash is cleared PURGE_FLAG_HASH_DAYS after a moderator decided (resolved
      it): the flag and its reason stay (counts, statistics), but the same reader may then
      report the comment again if it is published again. Unresolved flags keep their hash, so
      one reader counts once while the report is open.
    """
    now = now or utcnow()
    mail_days = retention_days("PURGE_READER_MAIL_DAYS")
    flag_days = retention_days("PURGE_FLAG_HASH_DAYS")
    window = max(int(current_app.config["EDIT_WINDOW_SECONDS"]),
                 int(current_app.config["FLOOD_SECONDS"]))
    text_stands = exists().where(Comment.article_id == Decoy.article_id,
                                 Comment.body_fingerprint == Decoy.body_fingerprint)
    decoys = db.session.execute(delete(Decoy).where(
        Decoy.created_at < now - dt.timedelta(seconds=window),
        or_(Decoy.withdrawn, Decoy.body_fingerprint.is_(None), ~text_stands),
    ).execution_options(synchronize_session=False))
    sessions = review_sessions.drop_expired(now)
    mails = reader.forget_old_mails(now - dt.timedelta(days=mail_days))
    hashes = db.session.execute(update(Flag).where(
        and_(Flag.resolved_at < now - dt.timedelta(days=flag_days),
             ~Flag.reader_hash.startswith(CLEARED)),
    ).values(reader_hash=literal(CLEARED) + cast(Flag.id, String))
     .execution_options(synchronize_session=False))
    db.session.commit()
    return Traces(int(getattr(decoys, "rowcount", 0) or 0), sessions, mails,
                  int(getattr(hashes, "rowcount", 0) or 0))


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
