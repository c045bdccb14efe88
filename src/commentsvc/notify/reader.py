"""Reader mail in the outbox: queueing, the fan-out on approval, the hourly cap and digests.

    queue_approved(comment, site, held=True)    # a comment became approved; caller commits
    queue_confirmation(confirmation, now)       # a double opt-in mail, at most 3 a day
    fan_out(reader_row, now)                    # worker: one "reader_mail" row per recipient
    recipients(comment)                         # confirmed, not stopped, not the author
    mark(mail_id, "sent", now); stop_address(email_hash, reason, now)

Owns the `reader_mails` table (one row per mail: what the caps count and what makes "one mail
per recipient per comment" a database rule). Above READER_MAIL_MAX_PER_HOUR mails in the last
hour, a recipient's next notifications are folded into one digest, sent an hour later. A
permanent refusal (5xx) stops mail to that address on every site (`confirmations.stopped_at`).
"""

from __future__ import annotations

import datetime as dt
import typing as t

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Comment, Confirmation, OutboxMessage, ReaderMail, Site, Subscription
from .outbox import Outcome

READER, READER_MAIL = "reader", "reader_mail"  # outbox kinds
CONFIRMS_PER_DAY = 3  # the contract: at most 3 confirmation mails per address per day
DEFAULT_MAX_PER_HOUR = 10
DIGEST_DELAY = dt.timedelta(hours=1)
MAX_ANCESTORS = 1000  # a bound on walking up a thread (imports could make cycles)


def max_per_hour() -> int:
    value = current_app.config.get("READER_MAIL_MAX_PER_HOUR")
    return DEFAULT_MAX_PER_HOUR if value is None else int(value)


class ReaderSwitch(t.Protocol):
    """A site, or the read path's head of one (threads.SiteHead): what `enabled` reads."""

    @property
    def reader_notifications(self) -> bool: ...


def enabled(site: ReaderSwitch) -> bool:
    """Reader mail is on for the site and a mail server is configured."""
    return bool(site.reader_notifications and current_app.config.get("SMTP_URL"))


def queue_approved(comment: Comment, site: Site, held: bool) -> None:
    """Add the "reader" row for a comment that just became approved; the caller commits.

    `held`: it waited for a moderator, so its subscribed author hears it is published.
    """
    if not enabled(site):
        return
    db.session.add(OutboxMessage(kind=READER, next_attempt_at=comment.moderated_at
                                 or comment.created_at,
                                 payload={"comment_id": comment.id, "held": held}))


def _queue_mail(mail: ReaderMail, due: dt.datetime) -> None:
    db.session.add(mail)
    db.session.flush()
    db.session.add(OutboxMessage(kind=READER_MAIL, next_attempt_at=due,
                                 payload={"mail_id": mail.id}))


def queue_confirmation(confirmation: Confirmation, now: dt.datetime) -> bool:
    """Queue a confirmation mail unless the address had 3 today (any site); caller commits."""
    sent_today = db.session.scalar(
        select(func.count()).select_from(ReaderMail)
        .where(ReaderMail.email_hash == confirmation.email_hash, ReaderMail.kind == "confirm",
               ReaderMail.created_at > now - dt.timedelta(days=1))
    ) or 0
    if sent_today >= CONFIRMS_PER_DAY:
        return False
    _queue_mail(ReaderMail(site_id=confirmation.site_id, confirmation_id=confirmation.id,
                           email_hash=confirmation.email_hash, kind="confirm", created_at=now),
                now)
    return True


def _ancestors(comment: Comment) -> list[int]:
    ids: list[int] = []
    parent_id = comment.parent_id
    while parent_id is not None and parent_id not in ids and len(ids) < MAX_ANCESTORS:
        ids.append(parent_id)
        parent_id = db.session.scalar(select(Comment.parent_id).where(Comment.id == parent_id))
    return ids


def recipients(comment: Comment, confirmation_id: int | None = None) -> list[Confirmation]:
    """Who should hear of this comment: confirmed subscribers of its article ("all") or of a
    comment above it ("replies", any depth), never the comment's own author, nor stopped ones."""
    matching = (Subscription.scope == "all") & (Subscription.article_id == comment.article_id)
    ancestors = _ancestors(comment)
    if ancestors:
        matching = matching | ((Subscription.scope == "replies")
                               & Subscription.comment_id.in_(ancestors))
    query = (
        select(Confirmation).where(
            Confirmation.id.in_(select(Subscription.confirmation_id)
                                .where(Subscription.confirmed, matching)),
            Confirmation.confirmed_at.is_not(None), Confirmation.stopped_at.is_(None))
        .order_by(Confirmation.id)
    )
    if comment.email_hash is not None:
        query = query.where(Confirmation.email_hash != comment.email_hash)
    if confirmation_id is not None:
        query = query.where(Confirmation.id == confirmation_id)
    return list(db.session.scalars(query))


def _exists(email_hash: str, comment_id: int, kind: str) -> bool:
    return db.session.scalar(select(ReaderMail.id).where(
        ReaderMail.email_hash == email_hash, ReaderMail.comment_id == comment_id,
        ReaderMail.kind == kind)) is not None


def mails_last_hour(email_hash: str, now: dt.datetime) -> int:
    """Notifications and digests sent or queued for an address in the hour before `now`."""
    return int(db.session.scalar(
        select(func.count()).select_from(ReaderMail)
        .where(ReaderMail.email_hash == email_hash, ReaderMail.kind.in_(("notify", "digest")),
               ReaderMail.digest_id.is_(None), ReaderMail.created_at > now - DIGEST_DELAY)
    ) or 0)


def _notify(confirmation: Confirmation, comment: Comment, now: dt.datetime) -> str:
    """Queue one notification, or fold it into the recipient's digest; how it went."""
    mail = ReaderMail(site_id=confirmation.site_id, confirmation_id=confirmation.id,
                      email_hash=confirmation.email_hash, kind="notify", comment_id=comment.id,
                      created_at=now)
    if mails_last_hour(confirmation.email_hash, now) < max_per_hour():
        _queue_mail(mail, now)
        return "mail"
    digest = db.session.scalar(select(ReaderMail).where(
        ReaderMail.confirmation_id == confirmation.id, ReaderMail.kind == "digest",
        ReaderMail.state == "queued"))
    if digest is None:
        digest = ReaderMail(site_id=confirmation.site_id, confirmation_id=confirmation.id,
                            email_hash=confirmation.email_hash, kind="digest", created_at=now)
        _queue_mail(digest, now + DIGEST_DELAY)
    mail.digest_id, mail.state = digest.id, "digest"
    db.session.add(mail)
    return "digest"


def fan_out(row: OutboxMessage, now: dt.datetime) -> Outcome:
    """Turn a "reader" row into mail rows; the caller commits (with the row's outcome)."""
    comment = db.session.get(Comment, row.payload.get("comment_id"))
    if comment is None:
        return Outcome("skipped", "the comment was erased")
    if comment.status != "approved":
        return Outcome("skipped", f"the comment is {comment.status} now")
    if not enabled(comment.article.site):
        return Outcome("skipped", "reader notifications are off for the site now")
    made: dict[str, int] = {}
    for confirmation in recipients(comment):
        if _exists(confirmation.email_hash, comment.id, "notify"):
            continue  # approved, unpublished and approved again: one mail is enough
        try:
            with db.session.begin_nested():
                how = _notify(confirmation, comment, now)
        except IntegrityError:  # another worker queued it meanwhile
            continue
        made[how] = made.get(how, 0) + 1
    if row.payload.get("held") and _queue_published(comment, now):
        made["published"] = 1
    if not made:
        return Outcome("skipped", "no subscriber to tell")
    return Outcome("sent", ", ".join(f"{n} {how}" for how, n in sorted(made.items())))


def _queue_published(comment: Comment, now: dt.datetime) -> bool:
    """"Your comment is now published", to its author if they subscribed with it."""
    confirmation = db.session.scalar(
        select(Confirmation).join(Subscription, Subscription.confirmation_id == Confirmation.id)
        .where(Subscription.comment_id == comment.id, Subscription.confirmed,
               Confirmation.email_hash == comment.email_hash,
               Confirmation.stopped_at.is_(None)).limit(1))
    if confirmation is None or _exists(confirmation.email_hash, comment.id, "published"):
        return False
    try:
        with db.session.begin_nested():
            _queue_mail(ReaderMail(site_id=confirmation.site_id, confirmation_id=confirmation.id,
                                   email_hash=confirmation.email_hash, kind="published",
                                   comment_id=comment.id, created_at=now), now)
    except IntegrityError:
        return False
    return True


def digest_items(digest: ReaderMail) -> list[ReaderMail]:
    return list(db.session.scalars(select(ReaderMail).where(ReaderMail.digest_id == digest.id)
                                   .order_by(ReaderMail.id)))


def mark(mail_id: int, state: str, now: dt.datetime) -> None:
    """Record what became of a mail (and of the notifications a digest carried); caller commits."""
    mail = db.session.get(ReaderMail, mail_id)
    if mail is None:
        return
    mail.state = state
    if state == "sent":
        mail.sent_at = now
    if mail.kind == "digest":
        db.session.execute(update(ReaderMail).where(ReaderMail.digest_id == mail.id)
                           .values(state="digested" if state == "sent" else state))


def email_hash_of(mail_id: int) -> str | None:
    return db.session.scalar(select(ReaderMail.email_hash).where(ReaderMail.id == mail_id))


def stop_address(email_hash: str, reason: str, now: dt.datetime) -> int:
    """No more mail to this address on any site (a permanent refusal); the caller commits."""
    result = db.session.execute(
        update(Confirmation).where(Confirmation.email_hash == email_hash,
                                   Confirmation.stopped_at.is_(None))
        .values(stopped_at=now, stop_reason=reason[:500]))
    return int(getattr(result, "rowcount", 0) or 0)


def stopped_count() -> int:
    """How many address-site pairs receive no mail after a permanent refusal."""
    return int(db.session.scalar(select(func.count()).select_from(Confirmation)
                                 .where(Confirmation.stopped_at.is_not(None))) or 0)


def erase_mails(confirmation_ids: t.Any) -> None:
    """Forget the mail records of erased addresses (their queued rows then skip); caller commits."""
    db.session.execute(update(ReaderMail).where(ReaderMail.digest_id.is_not(None),
                                                ReaderMail.confirmation_id.in_(confirmation_ids))
                       .values(digest_id=None))
    db.session.execute(delete(ReaderMail).where(ReaderMail.confirmation_id.in_(confirmation_ids)))


def forget_old_mails(before: dt.datetime) -> int:
    """Delete the records of mails made before `before` that are done with (sent, digested,
    failed: neither queued nor waiting in a digest); how many. The caller commits.

    The caps look back a day at most; "one mail per recipient per comment" holds for as long
    as the record lives (PURGE_READER_MAIL_DAYS, see retention.purge_traces).
    """
    old = (ReaderMail.created_at < before, ReaderMail.state.not_in(("queued", "digest")))
    db.session.execute(update(ReaderMail).where(
        ReaderMail.digest_id.in_(select(ReaderMail.id).where(*old))).values(digest_id=None))
    result = db.session.execute(delete(ReaderMail).where(*old))
    return int(getattr(result, "rowcount", 0) or 0)
