"""Review-page sessions, stored in the database: the cookie holds only a random id.

    opened = review_sessions.start(moderator)      # new id + CSRF token; commits
    live = review_sessions.find(opened.id)         # LiveSession, or None (ended, expired, revoked)
    review_sessions.end(opened.id)                 # logout; commits
    review_sessions.forget_moderator(moderator.id) # revoke: inside the caller's transaction
    review_sessions.drop_expired(now)              # retention: inside the caller's transaction

Only the SHA-256 of an id is stored, so a copy of the table opens no session. Because the rows
live in the database, logout and `moderator revoke` end a session at once on every gunicorn
worker and every host. A session lasts REVIEW_SESSION_SECONDS from login (12 h by default);
expired rows are deleted whenever someone logs in, and by `commentsvc purge`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from .extensions import db
from .models import Moderator, ReviewSession, utcnow

ID_MAX = 100  # longer cookie values are not ours: not even hashed


@dataclass(frozen=True)
class OpenedSession:
    id: str  # goes into the cookie; never stored
    csrf: str


@dataclass(frozen=True)
class LiveSession:
    moderator: Moderator
    csrf: str
    expires_at: dt.datetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config["REVIEW_SESSION_SECONDS"]))


def drop_expired(now: dt.datetime) -> int:
    """Delete the sessions that have expired by `now`; how many. The caller commits."""
    result = db.session.execute(delete(ReviewSession).where(ReviewSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def start(moderator: Moderator, now: dt.datetime | None = None) -> OpenedSession:
    """Open a session for a moderator who has just proved their token; drop expired ones."""
    now = now or utcnow()
    opened = OpenedSession(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32))
    drop_expired(now)
    db.session.add(ReviewSession(id_hash=_hash(opened.id), moderator_id=moderator.id,
                                 csrf=opened.csrf, created_at=now, expires_at=now + lifetime()))
    db.session.commit()
    return opened


def find(session_id: str | None, now: dt.datetime | None = None) -> LiveSession | None:
    """The live session of a cookie's id: not ended, not expired, its moderator not revoked."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > ID_MAX:
        return None
    row = db.session.execute(
        select(ReviewSession, Moderator)
        .join(Moderator, Moderator.id == ReviewSession.moderator_id)
        .where(ReviewSession.id_hash == _hash(session_id),
               ReviewSession.expires_at > (now or utcnow()),
               Moderator.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    stored, moderator = row
    return LiveSession(moderator=moderator, csrf=stored.csrf, expires_at=stored.expires_at)


def end(session_id: str | None) -> None:
    """Log out: the id opens nothing any more, on any worker or host."""
    if session_id and isinstance(session_id, str) and len(session_id) <= ID_MAX:
        db.session.execute(delete(ReviewSession).where(ReviewSession.id_hash == _hash(session_id)))
        db.session.commit()


def forget_moderator(moderator_id: int) -> None:
    """Delete every session of a moderator, in the caller's transaction (it commits)."""
    db.session.execute(delete(ReviewSession).where(ReviewSession.moderator_id == moderator_id))
