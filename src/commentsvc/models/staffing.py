"""Moderators' sessions on the review page, readers' reports and sanctions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .core import UTCDateTime, utcnow


class ReviewSession(db.Model):  # type: ignore[name-defined]
    """A moderator logged in on the review page. The cookie holds a random id; only its
    SHA-256 is stored, so a copy of this table opens no session."""

    __tablename__ = "review_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    moderator_id: Mapped[int] = mapped_column(
        ForeignKey("moderators.id", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(String(64))  # the forms' token for this session
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


FLAG_REASONS = ("spam", "abuse", "offensive", "off_topic", "other")
FLAG_NOTE_MAX = 500
BAN_KINDS = ("email", "ip", "domain")
BAN_MODES = ("reject", "shadow")


class Flag(db.Model):  # type: ignore[name-defined]
    """A reader's report of a comment; one per reader (keyed IP hash) per comment."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("comment_id", "reader_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reader_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(FLAG_NOTE_MAX), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ban(db.Model):  # type: ignore[name-defined]
    """A sanction on a site: an email hash, an IP prefix or an email domain's hash."""

    __tablename__ = "bans"
    __table_args__ = (Index("ix_bans_lookup", "site_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(64))  # keyed hash, or the IP prefix
    shown: Mapped[str] = mapped_column(String(100))  # the masked value for listings
    mode: Mapped[str] = mapped_column(String(8), default="reject")
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
