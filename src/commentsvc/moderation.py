"""The moderation queue, status changes, audit events and moderators; owns their SQL.

    moderator = authenticate(token)                       # or None
    page = list_queue(moderator, status="pending", limit=50, cursor=None)
    update_comment(moderator, comment_id, body="Fixed", status="approved")  # PATCH
    bulk_status(moderator, [1, 2, 3], "spam")             # all or nothing
    delete_comment(moderator, comment_id)                 # replies move up to its parent
    set_comments_open(moderator, "demo", "hello-world", False)

Statuses, bodies and reasons arrive parsed (`validation`); nothing here re-checks them.
Every status change writes a ModerationEvent and, when what the public sees changes, moves
the article's version on and keeps its approved count exact, in the same transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import typing as t
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from . import bans, flags, notify, review_sessions, sites, staff
from .comments import article_for, bump_article, fingerprint, mark_approved
from .errors import BadRequest, Duplicate, InvalidTransition, NotFound, OutOfReach
from .extensions import db
from .fields import BULK_MAX as BULK_MAX
from .fields import REASON_MAX, Status, check_email
from .i18n import N_
from .models import STATUSES, Article, Comment, ModerationEvent, Moderator, Site, utcnow
from .privacy import keys
from .render import render_body
from .spam.akismet import label_of

# What a moderator may move a comment to, from each status. "deleted" is the author's withdrawal.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "spam", "rejected"}),
    "approved": frozenset({"pending", "spam", "rejected"}),
    "spam": frozenset({"pending", "approved", "rejected"}),
    "rejected": frozenset({"pending", "approved", "spam"}),
    "deleted": frozenset(),
}


@dataclass(frozen=True)
class QueuePage:
    items: list[Comment]
    next_cursor: str | None


def add_moderator(name: str, site_keys: list[str], admin: bool, email: str | None = None,
                  display_name: str | None = None) -> str:
    """Create a moderator and return their token; only its hash is stored.

    :raises ValueError: the name is taken, a site is unknown, or the email is not an address.
    """
    if email is not None:
        try:
            email = check_email(email, dns=False)
        except ValueError as e:
            raise ValueError(f"{email!r} is not an email address: {e}") from None
    if db.session.scalar(select(Moderator).where(Moderator.name == name)) is not None:
        raise ValueError(f"a moderator named {name!r} exists already")
    scope = []
    for key in site_keys:
        try:
            scope.append(sites.get(key))
        except NotFound:
            raise ValueError(f"there is no site {key!r}") from None
    token = secrets.token_urlsafe(32)
    db.session.add(Moderator(name=name, token_hash=keys().token_hash(token), is_admin=admin,
                             sites=scope, email=email,
                             display_name=staff.display_name(display_name)))
    db.session.commit()
    return token


def list_moderators() -> list[Moderator]:
    return list(db.session.scalars(select(Moderator).order_by(Moderator.name)))


def revoke_moderator(name: str) -> bool:
    moderator = db.session.scalar(
        select(Moderator).where(Moderator.name == name, Moderator.revoked_at.is_(None))
    )
    if moderator is None:
        return False
    moderator.revoked_at = utcnow()
    review_sessions.forget_moderator(moderator.id)  # logged-in review pages end too
    db.session.commit()
    return True


def authenticate(token: str) -> Moderator | None:
    if not token:
        return None
    return db.session.scalar(
        select(Moderator).where(
            Moderator.token_hash == keys().token_hash(token), Moderator.revoked_at.is_(None)
        )
    )


def _encode_cursor(comment: Comment) -> str:
    raw = json.dumps([comment.created_at.isoformat(), comment.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, ident = json.loads(raw)
        moment, ident = dt.datetime.fromisoformat(when), int(ident)
        if moment.tzinfo is None or not 0 < ident < 2**63:
            raise ValueError("out of range")
        return moment.astimezone(dt.UTC), ident
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise BadRequest(N_("The cursor is not one this service gave out.")) from None


def _in_scope(query: t.Any, moderator: Moderator, site_key: str | None) -> t.Any:
    """Narrow a query joined to Article to one site in reach, or to every site in reach.

    :raises NotFound: unknown site. :raises Forbidden: a site the moderator does not moderate.
    """
    if site_key:
        return query.where(Article.site_id == sites.in_reach(moderator, site_key).id)
    scope = sites.site_scope(moderator)
    return query if scope is None else query.where(Article.site_id.in_(scope))


def list_queue(moderator: Moderator, status: Status | None, site_key: str | None,
               article_key: str | None, limit: int, cursor: str | None,
               flagged: bool = False) -> QueuePage:
    """Newest first, keyset-paginated on (created_at, id) so inserts never shift a page.

    :raises BadRequest: for a bad cursor.
    :raises Forbidden: for a site the moderator may not see.
    """
    query = select(Comment).join(Article).join(Site)
    if status:
        query = query.where(Comment.status == status)
    query = _in_scope(query, moderator, site_key)
    if article_key:
        query = query.where(Article.key == article_key)
    if flagged:  # unresolved reader reports, any status
        query = query.where(Comment.id.in_(flags.flagged_ids()))
    if cursor:
        when, ident = _decode_cursor(cursor)
        # A row comparison, so PostgreSQL seeks ix_comments_queue (status, created_at, id)
        # instead of filtering every newer row: page 1,000 costs what page 1 does.
        query = query.where(tuple_(Comment.created_at, Comment.id) < tuple_(when, ident))
    rows = list(
        db.session.scalars(query.order_by(Comment.created_at.desc(), Comment.id.desc())
                           .limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(rows, _encode_cursor(rows[-1]) if more and rows else None)


def get_comment(moderator: Moderator, comment_id: int, lock: bool = False) -> Comment:
    """The comment; with `lock`, row-locked on PostgreSQL so two moderators cannot double-count it.

    :raises NotFound: no such comment (admins). :raises Forbidden: a site-scoped moderator's
        comment on another site, or one that does not exist (the same answer).
    """
    query = select(Comment).where(Comment.id == comment_id)
    return sites.comment_in_reach(
        moderator, db.session.scalar(query.with_for_update() if lock else query))


def history(comment_id: int) -> list[ModerationEvent]:
    return list(
        db.session.scalars(
            select(ModerationEvent)
            .where(ModerationEvent.comment_id == comment_id)
            .order_by(ModerationEvent.created_at, ModerationEvent.id)
        )
    )


def apply_status(comment: Comment, to: Status, actor: str, moderator_id: int | None,
                 reason: str | None) -> None:
    """Change a comment's status with its audit event; the caller commits.

    :raises InvalidTransition: when `to` may not follow the current status.
    """
    flags.resolve(comment.id)  # a decision, even "keep it approved", settles readers' reports
    if to == comment.status:
        return
    if to not in TRANSITIONS[comment.status]:
        raise InvalidTransition(N_("A %(status)s comment cannot become %(to)s.",
                                   status=comment.status, to=to))
    was = comment.status
    comment.status = to
    comment.moderated_at = utcnow()
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator_id, actor=actor,
                                   action="status", from_status=was, to_status=to, reason=reason))
    if to == "approved":
        mark_approved(comment, comment.article.site, held=True)
    elif was == "approved":
        bump_article(comment.article_id, -1)
    # The worker tells Akismet after this transaction; the spam filter learns the decision
    # from this event when the worker next retrains (spam.store.sync_decisions).
    notify.queue_report(comment, label_of(to))


def _edit_body(comment: Comment, moderator: Moderator, body: str, reason: str | None) -> None:
    """Replace the text, render it once, and record the edit; the caller commits.

    :raises Duplicate: the new text equals another comment of the same person here.
    """
    if comment.status == "deleted":
        raise InvalidTransition(N_("A withdrawn comment cannot be edited."))
    if body == comment.body:
        return
    comment.body = body
    comment.body_html = render_body(body)
    comment.body_fingerprint = fingerprint(body)
    comment.edited_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Duplicate(N_("This person already has a comment with that text here.")) from None
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator.id,
                                   actor=moderator.name, action="edit",
                                   from_status=comment.status, to_status=comment.status,
                                   reason=reason))
    if comment.status == "approved":
        bump_article(comment.article_id)


def update_comment(moderator: Moderator, comment_id: int, status: Status | None = None,
                   body: str | None = None, reason: str | None = None,
                   pinned: bool | None = None) -> Comment:
    """Apply a moderator's PATCH: new text, new status, or just a note; one transaction.

    :raises InvalidTransition: the status may not follow the current one.
    """
    comment = get_comment(moderator, comment_id, lock=True)
    before = (comment.status, comment.body)
    if body is not None:
        _edit_body(comment, moderator, body, reason)
    if status is not None:
        apply_status(comment, status, moderator.name, moderator.id, reason)
    if pinned is not None:
        staff.set_pinned(comment, pinned, moderator)
    if reason and (comment.status, comment.body) == before:
        db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator.id,
                                       actor=moderator.name, action="note",
                                       from_status=comment.status, to_status=comment.status,
                                       reason=reason))
    db.session.commit()
    return comment


def bulk_status(moderator: Moderator, ids: list[int], to: Status,
                reason: str | None = None) -> int:
    """Move many comments to one status, all or nothing; the number that changed.

    :raises NotFound: an id names no comment (admins). :raises Forbidden: one is on another
        site, or (site-scoped moderators) names no comment.
    :raises InvalidTransition: one of them may not move to `to` (nothing is changed then).
    """
    wanted = sorted(set(ids))
    found = list(db.session.scalars(
        select(Comment).where(Comment.id.in_(wanted)).order_by(Comment.id).with_for_update()
    ))
    missing = sorted(set(wanted) - {c.id for c in found})
    if missing and moderator.is_admin:
        raise NotFound(N_("There is no comment %(id)s.", id=missing[0]))
    if missing or not all(sites.moderates(moderator, c.article.site_id) for c in found):
        raise OutOfReach()
    changed = 0
    try:
        for comment in found:
            changed += comment.status != to
            apply_status(comment, to, moderator.name, moderator.id, reason)
    except InvalidTransition as e:
        db.session.rollback()
        raise InvalidTransition(N_("Comment %(id)s: %(problem)s Nothing was changed.",
                                   id=comment.id, problem=e.message)) from None
    db.session.commit()
    return changed


def bulk_author_of(moderator: Moderator, comment_id: int, to: Status,
                   reason: str | None = None) -> int:
    """bulk_status over every comment on the site with the address of comment `comment_id`."""
    comment = get_comment(moderator, comment_id)
    return bulk_status(moderator, bans.same_author_ids(comment), to, reason)


def delete_comment(moderator: Moderator, comment_id: int, reason: str | None = None) -> None:
    """Erase a comment; its replies move up to its parent and the audit trail stays."""
    comment = get_comment(moderator, comment_id, lock=True)
    was, article_id, parent_id = comment.status, comment.article_id, comment.parent_id
    db.session.execute(
        update(Comment).where(Comment.parent_id == comment.id).values(parent_id=parent_id)
    )
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator.id,
                                   actor=moderator.name, action="delete", from_status=was,
                                   to_status=None, reason=reason))
    db.session.delete(comment)
    # Replies may move in the public tree even when the comment itself was not public.
    bump_article(article_id, -1 if was == "approved" else 0)
    db.session.commit()


def reveal_email(moderator: Moderator, comment_id: int) -> Comment:
    """The comment whose address the moderator asked to see; the request is audited."""
    comment = get_comment(moderator, comment_id)
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator.id,
                                   actor=moderator.name, action="reveal",
                                   from_status=comment.status, to_status=comment.status))
    db.session.commit()
    return comment


def status_counts(moderator: Moderator, site_key: str | None = None) -> dict[str, int]:
    """How many comments of each status the moderator may see (for the review page's tabs)."""
    query = _in_scope(select(Comment.status, func.count()).join(Article), moderator, site_key)
    found = {status: n for status, n in db.session.execute(query.group_by(Comment.status))}
    reported = _in_scope(select(func.count(Comment.id)).join(Article), moderator, site_key)
    return {**{status: int(found.get(status, 0)) for status in STATUSES},  # and the Reported tab
            "reported": int(db.session.scalar(reported.where(Comment.id.in_(flags.flagged_ids())))
                            or 0)}


def set_comments_open(moderator: Moderator, site_key: str, article_key: str,
                      is_open: bool) -> tuple[Site, Article]:
    """Close or reopen an article to new comments (created if it has none yet); audited."""
    site = sites.in_reach(moderator, site_key)
    article = article_for(site, article_key)
    if article.comments_open != is_open:
        article.comments_open = is_open
        db.session.add(ModerationEvent(moderator_id=moderator.id, actor=moderator.name,
                                       action="open" if is_open else "close",
                                       reason=f"{site.key} {article.key}"[:REASON_MAX]))
        bump_article(article.id)  # comments_open is part of the public thread
    db.session.commit()
    db.session.refresh(article)
    return site, article


def moderator_sites(moderator: Moderator) -> list[Site]:
    """The sites a moderator works on, by key."""
    if moderator.is_admin:
        return list(db.session.scalars(select(Site).order_by(Site.key)))
    return sorted(moderator.sites, key=lambda s: s.key)

