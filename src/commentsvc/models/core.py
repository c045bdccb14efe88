"""The core tables: sites, articles, comments, moderators, the audit trail, outbox, spam filter."""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db

STATUSES = ("pending", "approved", "spam", "rejected", "deleted")
MODERATION_MODES = ("all", "first-time", "none")

# Field limits shared by validation, the form endpoint and the columns below.
NAME_MAX = 100
EMAIL_MAX = 254
URL_MAX = 200
BODY_MAX = 5000
ARTICLE_KEY_MAX = 512
ARTICLE_TITLE_MAX = 200  # what a page may send as its article's title and URL
ARTICLE_URL_MAX = 2000
USER_AGENT_MAX = 200
ID_MAX = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: larger ones exist nowhere
SITE_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # a site key, as the contract says


def utcnow() -> dt.datetime:
    """The column default: `clock.now()`, so a frozen clock stamps rows too."""
    return clock.now()


QUIET_ACTIONS = ("hold", "close")


def _minutes(hhmm: str) -> int:
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes)


def quiet_action(site: t.Any, now: dt.datetime | None = None) -> str | None:
    """"hold" or "close" while the site's quiet hours are on (in the site's time zone; a window
    may cross midnight: 22:00-07:00), else None. `site` is a row or the read path's head."""
    quiet = getattr(site, "quiet_hours", None)
    if not quiet:
        return None
    try:
        zone = ZoneInfo(str(quiet.get("tz") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):  # stored valid; tzdata may lose a name later
        zone = ZoneInfo("UTC")
    local = (now or utcnow()).astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = _minutes(quiet["from"]), _minutes(quiet["to"])
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    return str(quiet.get("action") or "hold") if inside else None


def comments_open(site: t.Any, article: t.Any, now: dt.datetime | None = None) -> bool:
    """Whether an article takes comments: the site is not read-only nor in "close" quiet
    hours, the article not closed by a moderator nor past the site's close_after_days.
    `site`/`article` are rows or the read path's heads (same field names); no article yet
    means open. Depends on the time: never cache the answer past a quiet-hours boundary."""
    if getattr(site, "read_only", False) or quiet_action(site, now) == "close":
        return False
    if article is None:
        return True
    if not article.comments_open:
        return False
    if site.close_after_days:
        now = now or utcnow()
        return bool(now - article.created_at < dt.timedelta(days=site.close_after_days))
    return True


class UTCDateTime(db.TypeDecorator):  # type: ignore[name-defined]
    """A timezone-aware UTC datetime on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: t.Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC datetime")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: t.Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


moderator_sites = Table(
    "moderator_sites",
    db.metadata,
    Column("moderator_id", ForeignKey("moderators.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class Site(db.Model):  # type: ignore[name-defined]
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    moderation: Mapped[str] = mapped_column(String(16), default="all")
    disallowed_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    moderation_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocked_emails: Mapped[list[str]] = mapped_column(JSON, default=list)  # keyed email hashes
    blocked_ip_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_links: Mapped[int] = mapped_column(Integer, default=2)
    close_after_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_depth: Mapped[int] = mapped_column(Integer, default=5)
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Share of ham the site accepts to see held when the learned filter is unsure (issue 18).
    spam_hold_budget: Mapped[float] = mapped_column(Float, default=0.10, server_default="0.1")
    # Site switches (issue 17): read-only, quiet hours {from, to, tz, action}, flags, language.
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    quiet_hours: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    default_lang: Mapped[str | None] = mapped_column(String(35), nullable=True)
    reader_notifications: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class Article(db.Model):  # type: ignore[name-defined]
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(ARTICLE_KEY_MAX))
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    comments_open: Mapped[bool] = mapped_column(Boolean, default=True)
    approved_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship(back_populates="articles")


class Comment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "comments"
    __table_args__ = (
        # One person, one text, one article: the duplicate rule, enforced by the database. The
        # text leads the address, so "this text here from anyone" (a copy, comment_sql.checks)
        # is a look-up too, never a walk over the article's comments.
        UniqueConstraint("article_id", "body_fingerprint", "email_hash"),
        # Imports: the same source comment is never stored twice.
        UniqueConstraint("article_id", "source", "source_id"),
        Index("ix_comments_thread", "article_id", "status", "created_at"),
        Index("ix_comments_queue", "status", "created_at", "id"),
        Index("ix_comments_email_hash", "email_hash", "created_at"),
        Index("ix_comments_ip_hash", "ip_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    author_name: Mapped[str] = mapped_column(String(NAME_MAX))
    author_url: Mapped[str | None] = mapped_column(String(URL_MAX), nullable=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email_cipher: Mapped[str | None] = mapped_column(Text, nullable=True)
    avatar_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Hash of the normalised text; cleared when a comment is withdrawn so it may be posted again.
    body_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    spam_score: Mapped[float] = mapped_column(Float, default=0.0)
    spam_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    edit_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Written through moderator authentication (a staff reply): the only way to the badge.
    staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    pinned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    article: Mapped[Article] = relationship()


class Decoy(db.Model):  # type: ignore[name-defined]
    """The trace of a repeat answered like a held comment and never stored (issue 12 item 3):
    someone else sent the exact text of an address's comment. No text or address; its
    id is taken from the comments' sequence and its edit token works like a real one, so a
    guesser cannot tell a right guess from a wrong one; it counts for flood and duplicates.
    It holds only what its sender typed (name, url, parent) to answer an edit in full."""

    __tablename__ = "decoys"
    __table_args__ = (Index("ix_decoys_article", "article_id", "body_fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    body_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    edit_token_hash: Mapped[str] = mapped_column(String(64))
    # What the sender typed, to answer an edit in the shape of a real one (never shown elsewhere)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_name: Mapped[str] = mapped_column(String(NAME_MAX))
    author_url: Mapped[str | None] = mapped_column(String(URL_MAX), nullable=True)
    avatar_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)


class Moderator(db.Model):  # type: ignore[name-defined]
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # where notices go
    display_name: Mapped[str | None] = mapped_column(String(NAME_MAX), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    sites: Mapped[list[Site]] = relationship(secondary=moderator_sites)


class ModerationEvent(db.Model):  # type: ignore[name-defined]
    """The audit trail. Kept when its comment is erased, so comment_id is not a foreign key."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL"), nullable=True
    )
    actor: Mapped[str] = mapped_column(String(100))  # moderator name, "author", "system", "cli"
    action: Mapped[str] = mapped_column(String(32))  # submit, status, edit, reveal, delete, ...
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # held, mail, webhook, akismet
    payload: Mapped[dict[str, t.Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpamModel(db.Model):  # type: ignore[name-defined]
    """One trained version of the learned filter; the newest under the current key is used."""

    __tablename__ = "spam_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32))  # of the feature-hashing key
    kind: Mapped[str] = mapped_column(String(16), default="logreg")
    header: Mapped[dict[str, t.Any]] = mapped_column(JSON)  # bias, calibration scores, sizes
    weights: Mapped[bytes] = mapped_column(LargeBinary)  # packed and compressed (spam/store.py)
    events_through: Mapped[int] = mapped_column(Integer, default=0)  # decisions learned so far
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpamExample(db.Model):  # type: ignore[name-defined]
    """A labelled text kept for retraining: a training-file row or a moderator's decision.

    A decision's example goes with its comment (ON DELETE CASCADE), so erasing a comment
    erases the copy of its text here too.
    """

    __tablename__ = "spam_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    origin: Mapped[str] = mapped_column(String(100))  # "file:<name>#<n>" or "site:<key>"
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    url: Mapped[str | None] = mapped_column(String(URL_MAX), nullable=True)
    spam: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UsedFormToken(db.Model):  # type: ignore[name-defined]
    """Form token nonces already spent, so a replayed token is recognised."""

    __tablename__ = "used_form_tokens"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
