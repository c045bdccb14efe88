"""Staff replies and editors' picks (pins); owns the SQL that writes them.

    comment = reply(moderator, parent_id, "Thanks, we corrected the date.")  # approved, staff
    set_pinned(comment, True, moderator)          # the caller (moderation) commits
    display_name("  Ana, Newsdesk ")              # "Ana, Newsdesk" (None for blank)

Only comments written here carry `staff`: a public submission never does, whatever its name.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, update

from . import sites
from .comments import bump_article, fingerprint, mark_approved
from .errors import InvalidTransition, ValidationFailed
from .extensions import db
from .i18n import N_, nt
from .models import ID_MAX, NAME_MAX, Article, Comment, ModerationEvent, Moderator, utcnow
from .privacy import keys
from .render import render_body
from .validation import clean_text

PINS_MAX = 5  # per article


def display_name(value: str | None) -> str | None:
    """A moderator's public name, cleaned.

    :raises ValueError: control characters or longer than NAME_MAX.
    """
    if value is None:
        return None
    name = clean_text(value)
    if len(name) > NAME_MAX:
        raise ValueError(f"a display name is at most {NAME_MAX} characters")
    return name or None


def reply(moderator: Moderator, parent_id: int, body: str) -> Comment:
    """Publish a staff reply under an approved comment, at once; one transaction.

    :raises NotFound: no such comment (admins). :raises OutOfReach: another site's comment,
        or (site-scoped moderators) none: see `sites.comment_in_reach`.
    :raises InvalidTransition: the comment is not public (approve it first).
    """
    parent = sites.comment_in_reach(
        moderator, db.session.get(Comment, parent_id) if 0 < parent_id <= ID_MAX else None)
    if parent.status != "approved":
        raise InvalidTransition(N_("Approve the comment before replying to it."))
    now = utcnow()
    comment = Comment(
        article_id=parent.article_id, parent_id=parent.id, status="approved",
        author_name=moderator.display_name or moderator.name, author_url=None,
        avatar_key=keys().avatar_key(f"staff:{moderator.id}", parent.article.site.key), body=body,
        body_html=render_body(body), body_fingerprint=fingerprint(body),
        spam_score=0.0, spam_reasons=[], staff=True, created_at=now, moderated_at=now,
        edit_token_hash=keys().token_hash(secrets.token_urlsafe(32)),  # no author can edit it
    )
    db.session.add(comment)
    db.session.flush()
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator.id,
                                   actor=moderator.name, action="reply", to_status="approved"))
    mark_approved(comment, parent.article.site, held=False)  # counted; readers are told
    db.session.commit()
    return comment


def _one_pinner_at_a_time(article_id: int) -> None:
    """Serialise pins of one article until this transaction ends, so the count below sees
    every pin committed before it (two moderators cannot both take the 5th place).

    PostgreSQL: a row lock on the article (FOR UPDATE), the row every pin bumps anyway.
    SQLite: the database's write lock, taken now by a no-op write (comments.py does the same).
    """
    query = select(Article.id).where(Article.id == article_id)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(query.with_for_update())
    else:
        db.session.execute(update(Article).where(Article.id == article_id).values(id=Article.id))


def set_pinned(comment: Comment, pinned: bool, moderator: Moderator) -> None:
    """Pin (editors' pick) or unpin; pinning needs an approved top-level comment and a free
    place among the article's PINS_MAX. The caller commits.

    :raises ValidationFailed: `pinned` named, for a reply, a comment not public or a 6th pin.
    """
    if pinned == (comment.pinned_at is not None):
        return
    if pinned:
        if comment.parent_id is not None:
            raise ValidationFailed({"pinned": N_("only top-level comments can be pinned")})
        if comment.status != "approved":
            raise ValidationFailed({"pinned": N_("only approved comments can be pinned")})
        _one_pinner_at_a_time(comment.article_id)
        # Every pin counts, shown or not: a pick that is unpublished and approved again comes
        # back pinned, so the article never shows more than PINS_MAX.
        count = db.session.scalar(
            select(func.count()).select_from(Comment).where(
                Comment.article_id == comment.article_id, Comment.pinned_at.is_not(None))
        ) or 0
        if count >= PINS_MAX:
            raise ValidationFailed({"pinned": nt(
                "at most %(num)s comment per article can be pinned: unpin one first",
                "at most %(num)s comments per article can be pinned: unpin one first", PINS_MAX)})
    comment.pinned_at = utcnow() if pinned else None
    db.session.add(ModerationEvent(comment_id=comment.id, moderator_id=moderator.id,
                                   actor=moderator.name, action="pin" if pinned else "unpin",
                                   from_status=comment.status, to_status=comment.status))
    bump_article(comment.article_id)  # the public order changed: caches and ETags move on
