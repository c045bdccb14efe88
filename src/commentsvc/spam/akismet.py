"""Akismet, when AKISMET_KEY is set: comment-check on submit, submit-spam/ham on decisions.

    verdict = check(site_url, ip, name, email, url, body, user_agent)  # "spam", "ham" or None
    label_of("approved")                      # "ham": what a decision reports (or None)
    report = report_for(comment_id, "spam")   # a moderator's decision, read from the database
    send(report)                              # submit-spam / submit-ham; raises ReportFailed

Uses the `akismet` package. AKISMET_URL replaces https://rest.akismet.com (tests run a small
Akismet-compatible server on loopback). Akismet being slow or down never blocks a comment:
the check reports nothing and the rest of the pipeline decides. Decisions are never reported
from a request: moderation writes an "akismet" outbox row in its own transaction and the
worker (`commentsvc worker`) calls `report_for` and `send`, retrying with backoff.
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

import akismet
import httpx
from flask import current_app

from ..extensions import db
from ..models import Comment
from ..privacy import keys

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


LABELS = ("spam", "ham")


def label_of(status: str | None) -> str | None:
    """What a moderator's decision reports: spam is "spam", approved is "ham", others nothing."""
    return {"spam": "spam", "approved": "ham"}.get(status or "")


class ReportFailed(Exception):
    """Akismet could not be told (down, slow, or it refused the key): try again later."""


@dataclass(frozen=True)
class Report:
    """One submit-spam or submit-ham call, with everything it sends."""

    label: str
    site_url: str
    ip: str
    arguments: dict[str, t.Any]


def report_for(comment_id: int, label: str) -> Report | None:
    """The report of a decision on a comment as it is stored now; None once it is erased.

    :raises ValueError: for a label other than spam or ham.
    """
    if label not in LABELS:
        raise ValueError(f"an Akismet report is spam or ham, not {label!r}")
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return None
    site = comment.article.site
    email = keys().decrypt(comment.email_cipher) if comment.email_cipher else None
    return Report(
        label=label,
        site_url=(site.origins or [f"https://{site.key}.invalid"])[0],
        ip=(comment.ip_prefix or "127.0.0.1/32").split("/")[0],  # the full address is never kept
        arguments=_arguments(comment.author_name, email, comment.author_url, comment.body,
                             comment.user_agent),
    )


def send(report: Report) -> None:
    """Tell Akismet a moderator's decision (submit-spam or submit-ham).

    :raises ReportFailed: when Akismet could not be told.
    """
    operation = "submit_spam" if report.label == "spam" else "submit_ham"
    try:
        done = _call(report.site_url,
                     lambda client: getattr(client, operation)(report.ip, **report.arguments))
    except akismet.AkismetError as e:
        raise ReportFailed(f"akismet submit-{report.label} failed: {e}") from None
    if not done:
        raise ReportFailed(f"akismet submit-{report.label} was not acknowledged")
