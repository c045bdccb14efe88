"""Reader subscriptions and their confirmations (double opt-in); owns their SQL.

    subscribe(site, article, comment, email, "replies", lang=None)  # write path; caller commits
    confirmation = pending(token)       # GET of a confirmation link: changes nothing
    confirmation = confirm(token)       # POST: confirms the address on that site; commits
    page = unsubscribe(token)           # POST /u/TOKEN (RFC 8058 one-click); commits
    page = manage(token)                # the address's subscriptions on that site
    unsubscribe_from(token, subscription_id | None)  # one, or all; commits
    erase(email_hashes)                 # `erase --email`; the caller commits
    scopes_by_comment(site_id)          # `export --with-emails`

One `Confirmation` row per address per site holds the encrypted address and when it was
confirmed; one confirmation covers every later subscription there. Unconfirmed subscriptions
count for 7 days; confirming later drops them. Mail goes only through the outbox
(`notify.reader`), written in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .i18n import N_
from .models import SUBSCRIPTION_SCOPES, Article, Comment, Confirmation, Site, Subscription, utcnow
from .notify import reader, reader_links
from .notify.links import LinkDead
from .privacy import keys

EXPIRY = dt.timedelta(days=reader_links.CONFIRM_DAYS)


@dataclass(frozen=True)
class Listing:
    """What the manage page shows: the site and one line per subscription (no address)."""

    confirmation_id: int
    site_name: str
    confirmed: bool
    items: list[tuple[int, str, str]]  # (subscription id, article title or key, scope)


def offered(site: reader.ReaderSwitch) -> bool:
    """Whether forms should show the "Notify me of follow-up comments" box for this site."""
    return reader.enabled(site)


def _confirmation(site: Site, email_hash: str, email: str, lang: str | None) -> Confirmation:
    found = db.session.scalar(select(Confirmation).where(Confirmation.site_id == site.id,
                                                         Confirmation.email_hash == email_hash))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = Confirmation(site_id=site.id, email_hash=email_hash,
                                 email_cipher=keys().encrypt(email),
                                 lang=lang[:16] if lang else None)
            db.session.add(found)
    except IntegrityError:  # a concurrent first subscription of the same address
        found = db.session.scalar(select(Confirmation).where(
            Confirmation.site_id == site.id, Confirmation.email_hash == email_hash))
        assert found is not None
    return found


def subscribe(site: Site, article: Article, comment: Comment, email: str, scope: str,
              lang: str | None = None, now: dt.datetime | None = None) -> Subscription | None:
    """Subscribe the author of a new comment; queue a confirmation mail if the address is new.

    Nothing happens when reader mail is off for the site, for spam (a spammer must not mail
    strangers through us), or for an address whose mail stopped after a permanent refusal.
    The caller commits.
    """
    if scope not in SUBSCRIPTION_SCOPES or not reader.enabled(site) or comment.status == "spam" \
            or comment.email_hash is None:
        return None
    now = now or utcnow()
    confirmation = _confirmation(site, comment.email_hash, email, lang)
    if confirmation.stopped_at is not None:
        return None
    _drop_expired(confirmation.id, now)
    confirmed = confirmation.confirmed_at is not None
    if scope == "all":
        same = db.session.scalar(select(Subscription).where(
            Subscription.confirmation_id == confirmation.id, Subscription.article_id == article.id,
            Subscription.scope == "all"))
        if same is not None and (same.confirmed or not confirmed):
            return same
    subscription = Subscription(site_id=site.id, confirmation_id=confirmation.id,
                                email_hash=comment.email_hash, article_id=article.id, scope=scope,
                                comment_id=comment.id, confirmed=confirmed, created_at=now)
    db.session.add(subscription)
    if not confirmed:
        reader.queue_confirmation(confirmation, now)
    return subscription


def _confirmation_by_id(confirmation_id: int) -> Confirmation:
    confirmation = db.session.get(Confirmation, confirmation_id)
    if confirmation is None:
        raise LinkDead(N_("These subscriptions no longer exist."))
    return confirmation


def _drop_expired(confirmation_id: int, now: dt.datetime) -> None:
    """Unconfirmed subscriptions older than 7 days are gone; the caller commits."""
    db.session.execute(delete(Subscription).where(
        Subscription.confirmation_id == confirmation_id, Subscription.confirmed.is_(False),
        Subscription.created_at < now - EXPIRY))


def pending(token: str, now: dt.datetime | None = None) -> Confirmation:
    """The address-on-a-site a confirmation link is for; reads only.

    :raises LinkError: forged (400), older than 7 days (410), or erased since (410).
    """
    return _confirmation_by_id(reader_links.verify_confirm(token, now))


def confirm(token: str, now: dt.datetime | None = None) -> Confirmation:
    """Confirm the address on its site: its subscriptions of the last 7 days start; commits.

    :raises LinkError: forged (400), older than 7 days (410), or erased since (410).
    """
    now = now or utcnow()
    confirmation = pending(token, now)
    if confirmation.confirmed_at is None:
        confirmation.confirmed_at = now
    _drop_expired(confirmation.id, now)
    for subscription in db.session.scalars(select(Subscription).where(
            Subscription.confirmation_id == confirmation.id, Subscription.confirmed.is_(False))):
        subscription.confirmed = True
    db.session.commit()
    return confirmation


def unsubscribe(token: str) -> Listing:
    """Drop the subscriptions a List-Unsubscribe link names (one article, or the whole site).

    Idempotent: a second POST, or one after erasure, still answers with what remains.
    :raises LinkForged: a damaged link (400).
    """
    confirmation_id, article_id = reader_links.verify_unsubscribe(token)
    query = delete(Subscription).where(Subscription.confirmation_id == confirmation_id)
    if article_id is not None:
        query = query.where(Subscription.article_id == article_id)
    db.session.execute(query)
    db.session.commit()
    return _listing(confirmation_id)


def manage_id(token: str) -> int:
    """The confirmation id an unsubscribe link names (for its link to the manage page)."""
    return reader_links.verify_unsubscribe(token)[0]


def _listing(confirmation_id: int) -> Listing:
    confirmation = db.session.get(Confirmation, confirmation_id)
    if confirmation is None:
        return Listing(confirmation_id, "", False, [])
    site = db.session.get(Site, confirmation.site_id)
    rows = db.session.execute(
        select(Subscription.id, Article.title, Article.key, Subscription.scope)
        .join(Article, Article.id == Subscription.article_id)
        .where(Subscription.confirmation_id == confirmation_id,
               Subscription.confirmed | (Subscription.created_at >= utcnow() - EXPIRY))
        .order_by(Subscription.created_at, Subscription.id))
    return Listing(confirmation_id, (site.name or site.key) if site else "",
                   confirmation.confirmed_at is not None,
                   [(sid, title or key, scope) for sid, title, key, scope in rows])


def manage(token: str) -> Listing:
    """The subscriptions of the address a manage link names, on that site.

    :raises LinkForged: a damaged link (400).
    """
    return _listing(reader_links.verify_manage(token))


def unsubscribe_from(token: str, subscription_id: int | None) -> Listing:
    """From the manage page: drop one subscription, or all of them (None); commits."""
    confirmation_id = reader_links.verify_manage(token)
    query = delete(Subscription).where(Subscription.confirmation_id == confirmation_id)
    if subscription_id is not None:
        query = query.where(Subscription.id == subscription_id)
    db.session.execute(query)
    db.session.commit()
    return _listing(confirmation_id)


def scopes_by_comment(site_id: int) -> dict[int, str]:
    """The confirmed subscription each comment's author made with it ("all" beats "replies")."""
    found: dict[int, str] = {}
    for comment_id, scope in db.session.execute(
            select(Subscription.comment_id, Subscription.scope)
            .where(Subscription.site_id == site_id, Subscription.confirmed,
                   Subscription.comment_id.is_not(None))):
        if comment_id is not None and found.get(comment_id) != "all":
            found[int(comment_id)] = str(scope)
    return found


def erase(email_hashes: list[str]) -> int:
    """Remove every subscription, confirmation and mail record of an address; the caller commits.

    Returns how many subscriptions went. Links made for the address die with it.
    """
    doomed = db.session.scalar(select(func.count()).select_from(Subscription)
                               .where(Subscription.email_hash.in_(email_hashes))) or 0
    db.session.execute(delete(Subscription).where(Subscription.email_hash.in_(email_hashes)))
    confirmations = select(Confirmation.id).where(Confirmation.email_hash.in_(email_hashes))
    reader.erase_mails(confirmations)
    db.session.execute(delete(Confirmation).where(Confirmation.email_hash.in_(email_hashes)))
    return int(doomed)
