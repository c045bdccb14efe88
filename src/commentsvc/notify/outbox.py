"""The outbox table: queueing, claiming due rows, recording outcomes, listing; owns its SQL.

    queue_held(comment, site)                  # write path: a held comment; the caller commits
    queue_report(comment, "spam")              # a decision for Akismet (spam/ham); ditto
    rows = claim(now, limit=20)                # leased to this worker, committed
    record(row_id, Outcome("sent" | "skipped" | "retry" | "failed", note), now)
    fan_out(held_row, now, webhook.event_body) # a "held" row -> "mail" and "webhook" rows
    summary(); retry_failed([row_id])          # `commentsvc outbox [--retry ID]`

Kinds: "held" (fanned out by the worker), "mail", "webhook" and "akismet". A claimed row is
leased: its `next_attempt_at` moves `NOTIFY_LEASE_SECONDS` ahead, so a worker that dies
mid-delivery leaves it to be retried, and PostgreSQL's `FOR UPDATE SKIP LOCKED` keeps two
workers from claiming the same row; a retry waits `backoff(attempts)`. Reads of moderators,
sites and comments here are only what a delivery needs; every change to those tables stays in
their own modules.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Comment, Moderator, OutboxMessage, Site, moderator_sites, utcnow

log = logging.getLogger(__name__)

SETTINGS: dict[str, t.Any] = {
    "NOTIFY_LINK_HOURS": 72,  # one-click links in mail expire after this
    "NOTIFY_POLL_SECONDS": 5,  # the worker's sleep between polls
    "NOTIFY_RETRY_BASE_SECONDS": 60,  # first retry after this; doubled each time
    "NOTIFY_RETRY_MAX_SECONDS": 3600,  # ... up to this
    "NOTIFY_LEASE_SECONDS": 300,  # a claimed row is retried after this if its worker died
    "NOTIFY_BATCH": 20,
    "NOTIFY_SMTP_TIMEOUT": 10,
    "NOTIFY_WEBHOOK_TIMEOUT": 10,
}

HELD, MAIL, WEBHOOK, AKISMET = "held", "mail", "webhook", "akismet"


def setting(name: str) -> t.Any:
    """A notification setting from the app config, else its default here."""
    value = current_app.config.get(name)
    return SETTINGS[name] if value is None else value


class TemporaryFailure(Exception):
    """Try again later: the server is down, busy, or answered 4xx."""


class PermanentFailure(Exception):
    """Give up: the server refused this message for good (5xx)."""


class Skipped(Exception):
    """Nothing to deliver any more (the comment was moderated or erased meanwhile)."""


def notifications_on(site: Site) -> bool:
    return bool(current_app.config.get("SMTP_URL") or site.webhook_url)


def queue_held(comment: Comment, site: Site) -> None:
    """Add the "held" outbox row for a comment waiting for moderation; the caller commits."""
    if comment.status != "pending" or not notifications_on(site):
        return
    db.session.add(OutboxMessage(kind=HELD, payload={"comment_id": comment.id},
                                 next_attempt_at=comment.created_at or utcnow()))


def queue_report(comment: Comment, label: str | None) -> None:
    """Add an "akismet" row reporting a moderator's decision, when AKISMET_KEY is set.

    `label` is "spam" (submit-spam), "ham" (submit-ham) or None (nothing to report); the
    caller commits. The row names the comment; the worker reads what it sends when it sends it.
    """
    if label is None or not current_app.config.get("AKISMET_KEY"):
        return
    db.session.add(OutboxMessage(kind=AKISMET, next_attempt_at=utcnow(),
                                 payload={"comment_id": comment.id, "label": label}))


def backoff(attempts: int) -> dt.timedelta:
    """Exponential: base, 2 base, 4 base, ... capped at NOTIFY_RETRY_MAX_SECONDS."""
    base = float(setting("NOTIFY_RETRY_BASE_SECONDS"))
    cap = float(setting("NOTIFY_RETRY_MAX_SECONDS"))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, min(attempts - 1, 30))))


def claim(now: dt.datetime, limit: int | None = None) -> list[OutboxMessage]:
    """Lease up to `limit` due rows to this worker and commit."""
    rows = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
                   OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit or int(setting("NOTIFY_BATCH")))
            .with_for_update(skip_locked=True)
        )
    )
    lease = dt.timedelta(seconds=float(setting("NOTIFY_LEASE_SECONDS")))
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + lease
    db.session.commit()
    return rows


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, skipped, retry, failed
    note: str | None = None


def record(row_id: int, outcome: Outcome, now: dt.datetime) -> None:
    """Store a delivery's outcome on its row and commit."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None:
        return
    if outcome.state in ("sent", "skipped"):
        row.sent_at = now
        row.last_error = f"skipped: {outcome.note}"[:1000] if outcome.state == "skipped" else None
    elif outcome.state == "retry":
        row.next_attempt_at = now + backoff(row.attempts)
        row.last_error = (outcome.note or "temporary failure")[:1000]
    else:
        row.failed_at = now
        row.last_error = (outcome.note or "failed")[:1000]
    db.session.commit()


def recipients(site: Site) -> list[Moderator]:
    """Active moderators with an address who moderate the site, admins included."""
    of_site = select(moderator_sites.c.moderator_id).where(moderator_sites.c.site_id == site.id)
    return list(
        db.session.scalars(
            select(Moderator)
            .where(Moderator.revoked_at.is_(None), Moderator.email.is_not(None),
                   Moderator.email != "", or_(Moderator.is_admin, Moderator.id.in_(of_site)))
            .order_by(Moderator.id)
        )
    )


def fan_out(row: OutboxMessage, now: dt.datetime,
            webhook_body: t.Callable[[Comment], dict[str, t.Any]]) -> Outcome:
    """Turn a "held" row into one mail row per recipient and a webhook row; the caller commits."""
    comment = db.session.get(Comment, row.payload.get("comment_id"))
    if comment is None:
        return Outcome("skipped", "the comment was erased")
    site = comment.article.site
    made = 0
    if current_app.config.get("SMTP_URL"):
        for moderator in recipients(site):
            db.session.add(OutboxMessage(kind=MAIL, next_attempt_at=now, payload={
                "comment_id": comment.id, "moderator_id": moderator.id}))
            made += 1
    if site.webhook_url:
        db.session.add(OutboxMessage(kind=WEBHOOK, next_attempt_at=now, payload={
            "site_id": site.id, "event": "comment.held", "body": webhook_body(comment)}))
        made += 1
    if not made:
        return Outcome("skipped", "no moderator with an address and no webhook")
    return Outcome("sent")


@dataclass(frozen=True)
class Summary:
    pending: int
    failed: int
    sent: int
    rows: list[OutboxMessage]  # pending and failed, oldest first


def summary(limit: int = 100) -> Summary:
    """Counts by state and the rows that still need attention."""
    def count(*where: t.Any) -> int:
        return int(db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where))
                   or 0)

    open_ = (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    rows = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)
    ))
    return Summary(count(*open_), count(OutboxMessage.failed_at.is_not(None)),
                   count(OutboxMessage.sent_at.is_not(None)), rows)


def retry_failed(ids: t.Sequence[int], now: dt.datetime | None = None) -> int:
    """Put given-up rows back in line (after the operator fixed the cause); how many."""
    rows = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.failed_at.is_not(None))
    ))
    for row in rows:
        row.failed_at = None
        row.next_attempt_at = now or utcnow()
    db.session.commit()
    return len(rows)
