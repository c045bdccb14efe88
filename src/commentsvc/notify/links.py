"""Signed one-click links in moderator mail: approve, reject or mark spam.

    url = link_url(sign(comment, moderator, "approve", now))
    target = check(token)          # what the link would do; changes nothing (GET)
    target = act(token)            # does it through moderation.apply_status, commits (POST)

A token binds the comment, the moderator, the action, the comment's status when it was signed
and the signing time. It dies when the comment's status changes (the bound status no longer
matches), when the moderator is revoked or loses the site, and after NOTIFY_LINK_HOURS.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import typing as t
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import moderation
from ..errors import ApiError, InvalidTransition
from ..extensions import db
from ..fields import Status
from ..models import Comment, Moderator, utcnow
from ..privacy import signer
from .outbox import moderates, setting

log = logging.getLogger(__name__)

SALT = "commentsvc one-click mail link v1"
PATH = "/moderate/mail/"
ACTIONS: dict[str, Status] = {"approve": "approved", "reject": "rejected", "spam": "spam"}
REASON = "one-click mail link"
DEFAULT_BASE = "http://localhost:5000"


class LinkError(ApiError):
    """A link that cannot act; shown as its own page (never JSON, never a 500)."""

    status, code, title = 400, "invalid_link", "This link is not valid"
    template = "notify/action.html"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Cache-Control": "no-store",
                                           "Referrer-Policy": "no-referrer",
                                           "X-Robots-Tag": "noindex"})

    def page_context(self) -> dict[str, t.Any]:
        return {"title": self.title}


class LinkForged(LinkError):
    status, title = 400, "This link is not valid"


class LinkExpired(LinkError):
    status, title = 410, "This link has expired"


class LinkDead(LinkError):
    status, title = 410, "This link can no longer be used"


@dataclass(frozen=True)
class Target:
    comment: Comment
    moderator: Moderator
    action: str
    to_status: Status


def _serializer() -> URLSafeSerializer:
    return signer(SALT)


def sign(comment: Comment, moderator: Moderator, action: str, now: dt.datetime | None = None
         ) -> str:
    """A token for one action on one comment by one moderator, bound to the current status."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    issued = int((now or utcnow()).timestamp())
    return str(_serializer().dumps({"c": comment.id, "m": moderator.id, "a": action,
                                    "s": comment.status, "t": issued}))


def public_base() -> str:
    """Where links in mail point: PUBLIC_URL, else SERVER_NAME, else a local default.

    Never the request's Host header: a poster could aim moderators' links at their own server.
    """
    config = current_app.config
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    _warn_default_base()
    return DEFAULT_BASE


@functools.cache
def _warn_default_base() -> None:
    log.warning("PUBLIC_URL is not set; links in mail point at %s", DEFAULT_BASE)


def link_url(token: str) -> str:
    return f"{public_base()}{PATH}{token}"


def _claims(token: str, now: dt.datetime) -> dict[str, t.Any]:
    try:
        claims = _serializer().loads(token)
    except BadSignature:
        raise LinkForged("The link is damaged or was not made by this service. "
                         "Copy the whole link from the mail, or use the review page.") from None
    if not isinstance(claims, dict) or claims.get("a") not in ACTIONS or not all(
        isinstance(claims.get(k), int) for k in ("c", "m", "t")
    ):
        raise LinkForged("The link is not one this service makes.")
    hours = float(setting("NOTIFY_LINK_HOURS"))
    if now.timestamp() - claims["t"] > hours * 3600:
        raise LinkExpired(f"Links in notification mail work for {hours:g} hours. "
                          "Use the review page to moderate this comment.")
    return claims


def check(token: str, now: dt.datetime | None = None, lock: bool = False) -> Target:
    """What the link would do, if it may still act.

    :raises LinkError: forged (400), expired or dead (410).
    """
    claims = _claims(token, now or utcnow())
    comment = db.session.get(Comment, claims["c"], with_for_update=lock or None)
    if comment is None:
        raise LinkDead("The comment no longer exists.")
    if comment.status != claims["s"]:
        raise LinkDead(f"The comment was moderated since this mail was sent: it is "
                       f"{comment.status} now. Use the review page to change it again.")
    moderator = db.session.scalar(
        select(Moderator).where(Moderator.id == claims["m"], Moderator.revoked_at.is_(None))
    )
    if moderator is None or not moderates(moderator, comment.article.site_id):
        raise LinkDead("The moderator this link was made for may no longer moderate here.")
    return Target(comment, moderator, claims["a"], ACTIONS[claims["a"]])


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
