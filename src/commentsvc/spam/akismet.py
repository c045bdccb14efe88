"""Akismet, when AKISMET_KEY is set: comment-check on submit, submit-spam/ham on decisions.

    verdict = check(site_url, ip, name, email, url, body, user_agent)  # "spam", "ham" or None
    report(comment, "spam")                                           # tell Akismet it was wrong

Uses the `akismet` package. AKISMET_URL replaces https://rest.akismet.com (tests run a small
Akismet-compatible server on loopback). Akismet being slow or down never blocks a comment:
the check reports nothing and the rest of the pipeline decides.
"""

from __future__ import annotations

import logging
import typing as t
from urllib.parse import urlsplit

import akismet
import httpx
from flask import current_app

if t.TYPE_CHECKING:
    from ..models import Comment

log = logging.getLogger(__name__)
API_HOST = "rest.akismet.com"


class _Rebase(httpx.BaseTransport):
    """Send the client's requests for rest.akismet.com to another base URL."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base.rstrip("/"))
        self.scheme, self.host, self.port = parts.scheme, parts.hostname or "", parts.port
        self.prefix = parts.path
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == API_HOST:
            request.url = request.url.copy_with(
                scheme=self.scheme, host=self.host, port=self.port,
                path=self.prefix + request.url.path,
            )
            request.headers["Host"] = request.url.netloc.decode()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def enabled() -> bool:
    return bool(current_app.config.get("AKISMET_KEY"))


def _call(site_url: str, operation: t.Callable[[akismet.SyncClient], t.Any]) -> t.Any:
    """Run one Akismet operation on a fresh client (no key verification round trip)."""
    config = current_app.config
    timeout = float(config.get("AKISMET_TIMEOUT", 2.0))
    base = config.get("AKISMET_URL")
    http = httpx.Client(
        timeout=timeout,
        headers={"User-Agent": akismet.USER_AGENT},
        transport=_Rebase(base) if base else None,
    )
    try:
        return operation(akismet.SyncClient(
            config=akismet.Config(key=config["AKISMET_KEY"], url=site_url), http_client=http))
    finally:
        http.close()


def _arguments(name: str, email: str | None, url: str | None, body: str,
               user_agent: str | None) -> dict[str, t.Any]:
    args: dict[str, t.Any] = {"comment_type": "comment", "comment_author": name,
                              "comment_content": body, "user_agent": user_agent or ""}
    if email:
        args["comment_author_email"] = email
    if url:
        args["comment_author_url"] = url
    if current_app.config.get("AKISMET_IS_TEST"):
        args["is_test"] = True
    return args


def check(site_url: str, ip: str | None, name: str, email: str, url: str | None, body: str,
          user_agent: str | None) -> str | None:
    """Akismet's classification, "spam" or "ham"; None when it could not be asked."""
    try:
        args = _arguments(name, email, url, body, user_agent)
        result = _call(site_url, lambda client: client.comment_check(ip or "127.0.0.1", **args))
    except akismet.AkismetError as e:
        log.warning("akismet comment-check failed: %s", e)
        return None
    return "ham" if result == akismet.CheckResponse.HAM else "spam"


def report(comment: Comment, label: str, site_url: str, email: str | None) -> bool:
    """Tell Akismet a moderator's decision (submit-spam or submit-ham); False if it failed."""
    ip = (comment.ip_prefix or "127.0.0.1/32").split("/")[0]  # the full address is never kept
    args = _arguments(comment.author_name, email, comment.author_url, comment.body,
                      comment.user_agent)
    try:
        operation = "submit_spam" if label == "spam" else "submit_ham"
        return bool(_call(site_url, lambda client: getattr(client, operation)(ip, **args)))
    except akismet.AkismetError as e:
        log.warning("akismet submit-%s failed: %s", label, e)
        return False
