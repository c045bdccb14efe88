"""Signed links in reader mail: confirm a subscription, unsubscribe, manage; tokens only.

    url = confirm_url(confirmation_id, now)        # /subscriptions/confirm/TOKEN, 7 days
    url = unsubscribe_url(confirmation_id, article_id)  # /u/TOKEN (article_id None: all)
    url = manage_url(confirmation_id)              # /subscriptions/manage/TOKEN
    confirmation_id = verify_confirm(token, now)   # or LinkForged (400) / LinkExpired (410)
    confirmation_id, article_id = verify_unsubscribe(token)
    confirmation_id = verify_manage(token)

A token names the address-on-a-site record (`Confirmation`) by id, never the address or its
hash. Erasing the address deletes that record, which kills every link made for it. Unsubscribe
and manage links never expire (RFC 8058 one-click must keep working); confirmation links do.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from itsdangerous import BadSignature

from ..i18n import N_, nt
from ..models import utcnow
from ..privacy import signer
from .links import LinkExpired, LinkForged, public_base

SALT = "commentsvc reader mail link v1"
CONFIRM_DAYS = 7  # the contract: unconfirmed subscriptions expire after 7 days
CONFIRM_PATH = "/subscriptions/confirm/"
UNSUBSCRIBE_PATH = "/u/"
MANAGE_PATH = "/subscriptions/manage/"


def _sign(claims: dict[str, t.Any]) -> str:
    return str(signer(SALT).dumps(claims))


def _load(token: str, kind: str) -> dict[str, t.Any]:
    try:
        claims = signer(SALT).loads(token)
    except BadSignature:
        raise LinkForged(N_("The link is damaged or was not made by this service. "
                            "Copy the whole link from the mail.")) from None
    if not isinstance(claims, dict) or claims.get("k") != kind \
            or not isinstance(claims.get("c"), int):
        raise LinkForged(N_("The link is not one this service makes."))
    return claims


def confirm_token(confirmation_id: int, now: dt.datetime | None = None) -> str:
    return _sign({"k": "confirm", "c": confirmation_id, "t": int((now or utcnow()).timestamp())})


def confirm_url(confirmation_id: int, now: dt.datetime | None = None) -> str:
    return f"{public_base()}{CONFIRM_PATH}{confirm_token(confirmation_id, now)}"


def verify_confirm(token: str, now: dt.datetime | None = None) -> int:
    """The confirmation a genuine link names, while it is at most 7 days old.

    :raises LinkForged: damaged or not ours (400). :raises LinkExpired: too old (410).
    """
    claims = _load(token, "confirm")
    issued = claims.get("t")
    if not isinstance(issued, int):
        raise LinkForged(N_("The link is not one this service makes."))
    if (now or utcnow()).timestamp() - issued > CONFIRM_DAYS * 86400:
        raise LinkExpired(nt("Confirmation links work for %(num)s day. Subscribe again with "
                             "your next comment to get a new one.",
                             "Confirmation links work for %(num)s days. Subscribe again with "
                             "your next comment to get a new one.", CONFIRM_DAYS))
    return int(claims["c"])


def unsubscribe_token(confirmation_id: int, article_id: int | None) -> str:
    return _sign({"k": "unsub", "c": confirmation_id, "a": article_id or 0})


def unsubscribe_url(confirmation_id: int, article_id: int | None) -> str:
    return f"{public_base()}{UNSUBSCRIBE_PATH}{unsubscribe_token(confirmation_id, article_id)}"


def verify_unsubscribe(token: str) -> tuple[int, int | None]:
    """(confirmation id, article id or None for every article of the site)."""
    claims = _load(token, "unsub")
    article = claims.get("a")
    if not isinstance(article, int):
        raise LinkForged(N_("The link is not one this service makes."))
    return int(claims["c"]), article or None


def manage_token(confirmation_id: int) -> str:
    return _sign({"k": "manage", "c": confirmation_id})


def manage_url(confirmation_id: int) -> str:
    return f"{public_base()}{MANAGE_PATH}{manage_token(confirmation_id)}"


def verify_manage(token: str) -> int:
    return int(_load(token, "manage")["c"])
