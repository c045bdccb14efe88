"""Reader notifications: double opt-in per address and site, subscriptions, reader mail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .core import UTCDateTime, utcnow

SUBSCRIPTION_SCOPES = ("replies", "all")


class Confirmation(db.Model):  # type: ignore[name-defined]
    """One address on one site: its double opt-in, and whether mail to it has stopped."""

    __tablename__ = "confirmations"
    __table_args__ = (UniqueConstraint("site_id", "email_hash"),
                      Index("ix_confirmations_email_hash", "email_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    email_hash: Mapped[str] = mapped_column(String(64))
    email_cipher: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A permanent SMTP refusal (5xx) for this address: no more mail to it.
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(db.Model):  # type: ignore[name-defined]
    """A reader follows an article (scope "all") or the replies under their comment ("replies")."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_article", "article_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    confirmation_id: Mapped[int] = mapped_column(
        ForeignKey("confirmations.id", ondelete="CASCADE"), index=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))  # replies, all
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), nullable=True, index=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReaderMail(db.Model):  # type: ignore[name-defined]
    """One mail to a reader, queued, folded into a digest, or sent: the caps count these."""

    __tablename__ = "reader_mails"
    __table_args__ = (
        # At most one mail of a kind per recipient per comment, whatever happens twice.
        UniqueConstraint("email_hash", "comment_id", "kind"),
        Index("ix_reader_mails_recent", "email_hash", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    confirmation_id: Mapped[int] = mapped_column(
        ForeignKey("confirmations.id", ondelete="CASCADE"), index=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # confirm, notify, digest, published
    comment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # kept when erased
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("reader_mails.id", ondelete="SET NULL"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
