"""Webhooks: a JSON POST per event to the site's webhook URL, signed with HMAC-SHA256.

    body = event_body(comment)              # what fan_out stores in a "webhook" outbox row
    post(row.payload, row.id, now)          # raises Skipped / TemporaryFailure / PermanentFailure
    secret = site_secret("blog")            # what receivers check signatures with

Headers: `X-Commentsvc-Event: comment.held`, `X-Commentsvc-Delivery: <outbox id>` (the same on
every retry, for de-duplication), `X-Commentsvc-Timestamp: <unix seconds>` and
`X-Commentsvc-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`.
The secret is derived per site from SECRET_KEY; `commentsvc site webhook KEY URL` prints it.
The URL is set by `sites.configure(key, webhook_url=...)`, which owns its rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import typing as t
import urllib.error
import urllib.request

from flask import current_app

from ..extensions import db
from ..models import Comment, Site
from ..privacy import derive_key, keys, mask_email
from .links import public_base
from .outbox import PermanentFailure, Skipped, TemporaryFailure, setting

PURPOSE = b"commentsvc webhook signature v1 site="


def site_secret(site_key: str) -> str:
    """The site's signing secret (hex), derived from SECRET_KEY."""
    return derive_key(current_app.config["SECRET_KEY"], PURPOSE + site_key.encode()).hex()


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def event_body(comment: Comment, event: str = "comment.held") -> dict[str, t.Any]:
    """What receivers learn of a held comment: never the address, only its mask."""
    article = comment.article
    address = keys().decrypt(comment.email_cipher) if comment.email_cipher else None
    return {
        "event": event,
        "comment": {
            "id": comment.id,
            "site": article.site.key,
            "article": article.key,
            "parent_id": comment.parent_id,
            "status": comment.status,
            "author": {"name": comment.author_name, "url": comment.author_url,
                       "email_masked": mask_email(address) if address else None},
            "body": comment.body,
            "body_html": comment.body_html,
            "created_at": comment.created_at.isoformat().replace("+00:00", "Z"),
            "spam": {"score": comment.spam_score, "reasons": list(comment.spam_reasons or [])},
        },
        "review_url": f"{public_base()}/moderate/",
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: t.Any, **kwargs: t.Any) -> None:
        return None  # a redirect is answered as an error: the receiver must give its real URL


def post(payload: dict[str, t.Any], delivery_id: int, now: dt.datetime) -> None:
    """Deliver a "webhook" outbox row.

    :raises Skipped: the site or its webhook URL is gone.
    :raises TemporaryFailure: unreachable, timeout, 408, 429 or 5xx.
    :raises PermanentFailure: any other non-2xx answer.
    """
    site = db.session.get(Site, payload.get("site_id"))
    if site is None or not site.webhook_url:
        raise Skipped("the site has no webhook URL any more")
    url, secret = site.webhook_url, site_secret(site.key)
    raw = json.dumps(payload["body"], separators=(",", ":"), ensure_ascii=False).encode()
    stamp = int(now.timestamp())
    request = urllib.request.Request(url, data=raw, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": "commentsvc-webhook/1",
        "X-Commentsvc-Event": str(payload.get("event", "comment.held")),
        "X-Commentsvc-Delivery": str(delivery_id),
        "X-Commentsvc-Timestamp": str(stamp),
        "X-Commentsvc-Signature": signature(secret, stamp, raw),
    })
    db.session.rollback()  # end the read transaction before waiting on the network
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=float(setting("NOTIFY_WEBHOOK_TIMEOUT"))) as answer:
            answer.read(1024)
    except urllib.error.HTTPError as e:
        text = f"webhook answered {e.code} {e.reason}"
        if e.code >= 500 or e.code in (408, 429):
            raise TemporaryFailure(text) from None
        raise PermanentFailure(text) from None
    except (urllib.error.URLError, OSError) as e:
        raise TemporaryFailure(f"webhook unreachable: {type(e).__name__}: {e}") from None
