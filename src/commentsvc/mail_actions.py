"""What a one-click link from moderator mail does: look (GET) or act (POST) on its comment.

    target = check(token)          # what the link would do; changes nothing
    target = act(token)            # does it through moderation.apply_status and commits

`notify.links` signs and verifies the tokens; this module decides whether a genuine token may
still act. A link dies when the comment's status changed since it was signed (the bound status
no longer matches), when the comment is gone, and when the moderator is revoked or no longer
moderates the comment's site. Errors are the LinkError family: forged 400, expired or dead 410.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from . import moderation, sites
from .errors import InvalidTransition
from .extensions import db
from .fields import Status
from .i18n import N_
from .models import Comment, Moderator
from .notify.links import LinkDead, LinkError, verify

log = logging.getLogger(__name__)

REASON = "one-click mail link"


@dataclass(frozen=True)
class Target:
    comment: Comment
    moderator: Moderator
    action: str  # approve, reject, spam
    to_status: Status


def check(token: str, now: dt.datetime | None = None, lock: bool = False) -> Target:
    """What the link would do, if it may still act; with `lock`, the comment's row is locked.

    :raises LinkError: forged (400), expired or dead (410).
    """
    claims = verify(token, now)
    comment = db.session.get(Comment, claims.comment_id, with_for_update=lock or None)
    if comment is None:
        raise LinkDead(N_("The comment no longer exists."))
    if comment.status != claims.status:
        raise LinkDead(N_("The comment was moderated since this mail was sent: it is "
                          "%(status)s now. Use the review page to change it again.",
                          status=comment.status))
    moderator = db.session.scalar(
        select(Moderator).where(Moderator.id == claims.moderator_id,
                                Moderator.revoked_at.is_(None))
    )
    if moderator is None or not sites.moderates(moderator, comment.article.site_id):
        raise LinkDead(N_("The moderator this link was made for may no longer moderate here."))
    return Target(comment, moderator, claims.action, claims.to_status)


def act(token: str, now: dt.datetime | None = None) -> Target:
    """Carry out the link's action as its moderator and commit.

    :raises LinkError: forged (400), expired or dead (410).
    """
    try:
        target = check(token, now, lock=True)
        moderation.apply_status(target.comment, target.to_status, target.moderator.name,
                                target.moderator.id, REASON)
    except LinkError:
        db.session.rollback()
        raise
    except InvalidTransition as e:
        db.session.rollback()
        raise LinkDead(e.message) from None
    db.session.commit()
    log.info("comment %s %s by %s through a mail link", target.comment.id, target.to_status,
             target.moderator.name)
    return target
