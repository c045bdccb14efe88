"""Helpers for the reader-mail tests: a site with reader mail on, readers who post, the worker."""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from commentsvc.notify import worker

from .notify_servers import Inbox, Received

PUBLIC = "https://comments.example.org"


@dataclass
class Readers:
    """Readers posting comments on one site with reader mail on, and the inbox they read."""

    app: Flask
    client: FlaskClient
    inbox: Inbox
    site: str = "demo"
    posted: int = field(default=0)

    def post(self, email: str, notify: str | None = None, parent_id: int | None = None,
             article: str = "hello-world", name: str = "Ana", **extra: t.Any) -> t.Any:
        self.posted += 1
        body = {"name": name, "email": email, "body": f"Comment number {self.posted}",
                **({"notify": notify} if notify else {}),
                **({"parent_id": parent_id} if parent_id else {}), **extra}
        answer = self.client.post(f"/api/v1/sites/{self.site}/articles/{article}/comments",
                                  json=body)
        assert answer.status_code in (201, 202), answer.get_json()
        return answer.get_json()["id"]

    def work(self, now: dt.datetime | None = None) -> dict[str, int]:
        with self.app.app_context():
            return dict(worker.run_once(now))

    def mails_to(self, address: str) -> list[Received]:
        return [m for m in self.inbox.received if address in m.rcpt_tos]

    def confirm(self, address: str) -> None:
        """Open the newest confirmation link mailed to the address, and press its button."""
        path = local(link(self.mails_to(address)[-1], "/subscriptions/confirm/"))
        assert self.client.get(path).status_code == 200
        assert self.client.post(path).status_code == 200

    def subscribe(self, address: str, notify: str = "replies", **fields: t.Any) -> int:
        """Post with the box ticked, deliver, and confirm from the mail; the comment's id."""
        comment_id = self.post(address, notify, **fields)
        self.work()
        if self.mails_to(address) and "Confirm" in self.mails_to(address)[-1].message["Subject"]:
            self.confirm(address)
        return int(comment_id)


def link(mail: Received, path: str) -> str:
    """The first link in the plain-text part whose path starts with `path`."""
    found = re.search(rf"(https?://\S+{re.escape(path)}\S+)", mail.part("plain"))
    assert found, mail.part("plain")
    return found.group(1)


def local(url: str) -> str:
    return urlsplit(url).path


def setup_site(app: Flask, key: str = "demo", moderation: str = "none") -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["site", "add", key, "--origin", "https://blog.example",
                                 "--moderation", moderation])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["site", "set", key, "--reader-notifications", "on"])
    assert result.exit_code == 0, result.output
