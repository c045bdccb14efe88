"""Signed one-click links in moderator mail: approve, reject or mark spam; tokens only.

    url = link_url(sign(comment, moderator, "approve", now))
    claims = verify(token, now)    # Claims(comment_id, moderator_id, action, status, issued)

A token binds the comment, the moderator, the action, the comment's status when it was signed
and the signing time; `verify` refuses a forged token (LinkForged, 400) and one older than
NOTIFY_LINK_HOURS (LinkExpired, 410). What a link does, and when it is dead because the comment
or the moderator changed since, is `mail_actions`' business: this module reads no rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import typing as t
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import ApiError
from ..fields import Status
from ..i18n import N_, Hours
from ..models import Comment, Moderator, utcnow
from ..privacy import signer
from .outbox import setting

log = logging.getLogger(__name__)

SALT = "commentsvc one-click mail link v1"
PATH = "/moderate/mail/"
ACTIONS: dict[str, Status] = {"approve": "approved", "reject": "rejected", "spam": "spam"}
DEFAULT_BASE = "http://localhost:5000"


class LinkError(ApiError):
    """A link that cannot act; shown as its own page (never JSON, never a 500)."""

    status, code, title = 400, "invalid_link", N_("This link is not valid")
    template = "notify/action.html"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Cache-Control": "no-store",
                                           "Referrer-Policy": "no-referrer",
                                           "X-Robots-Tag": "noindex"})

    def page_context(self) -> dict[str, t.Any]:
        return {"title": gettext(self.title)}


class LinkForged(LinkError):
    status, title = 400, N_("This link is not valid")


class LinkExpired(LinkError):
    status, title = 410, N_("This link has expired")


class LinkDead(LinkError):
    status, title = 410, N_("This link can no longer be used")


@dataclass(frozen=True)
class Claims:
    """What a genuine, unexpired token says."""

    comment_id: int
    moderator_id: int
    action: str  # approve, reject, spam
    status: str  # the comment's status when the link was made
    issued: int  # unix seconds

    @property
    def to_status(self) -> Status:
        return ACTIONS[self.action]


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


def verify(token: str, now: dt.datetime | None = None) -> Claims:
    """The claims of a token this service signed, while it is young enough.

    :raises LinkForged: damaged or not ours (400). :raises LinkExpired: too old (410).
    """
    try:
        claims = _serializer().loads(token)
    except BadSignature:
        raise LinkForged(N_("The link is damaged or was not made by this service. "
                            "Copy the whole link from the mail, or use the review page.")) from None
    if not isinstance(claims, dict) or claims.get("a") not in ACTIONS \
            or not isinstance(claims.get("s"), str) \
            or not all(isinstance(claims.get(k), int) for k in ("c", "m", "t")):
        raise LinkForged(N_("The link is not one this service makes."))
    hours = float(setting("NOTIFY_LINK_HOURS"))
    if (now or utcnow()).timestamp() - claims["t"] > hours * 3600:
        raise LinkExpired(N_("Links in notification mail work for %(duration)s. "
                             "Use the review page to moderate this comment.",
                             duration=Hours(hours)))
    return Claims(claims["c"], claims["m"], claims["a"], claims["s"], claims["t"])
