"""Signed form tokens: issued with the form, checked with the submission.

    token = issue("demo", "hello-world")
    stamp = read(token, "demo", "hello-world")   # FormStamp(nonce, age_seconds) or None

A token binds a nonce to one article of one site and to the time it was issued, so the
spam checks can tell a form filled too fast, one kept too long, and one used twice.
"""

from __future__ import annotations

import secrets
import typing as t
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from .. import clock
from ..privacy import signer

SALT = "commentsvc form token v1"


@dataclass(frozen=True)
class FormStamp:
    nonce: str
    age_seconds: float


def _serializer() -> URLSafeSerializer:
    return signer(SALT)


def issue(site_key: str, article_key: str) -> str:
    """A new token for a form of this article, stamped with clock.now()."""
    issued = clock.timestamp()
    return _serializer().dumps([secrets.token_urlsafe(12), site_key, article_key, round(issued, 1)])


def read(token: str, site_key: str, article_key: str) -> FormStamp | None:
    """The token's nonce and age, or None when it is forged or for another article."""
    try:
        nonce, site, article, issued = t.cast(list[t.Any], _serializer().loads(token))
    except (BadSignature, ValueError, TypeError):
        return None
    if site != site_key or article != article_key or not isinstance(issued, (int, float)):
        return None
    return FormStamp(nonce=str(nonce), age_seconds=clock.timestamp() - float(issued))
