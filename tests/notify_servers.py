"""Loopback servers for the notification tests: an SMTP inbox (aiosmtpd) and a webhook receiver."""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.server
import re
import socket
import threading
import typing as t
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from .servers import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return t.cast(str, body.get_content())

    def link(self, action: str) -> str:
        """The one-click link for an action, as written in the plain-text part."""
        label = {"approve": "Approve", "reject": "Reject", "spam": "Mark as spam"}[action]
        found = re.search(rf"^{label}:[ \t]+(\S+)", self.part("plain"), re.M)
        assert found, self.part("plain")
        return found.group(1)


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what it accepts; `reply` makes it refuse DATA instead."""

    reply: str | None = None
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      t.cast(EmailMessage, message)))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int | None = None, reply: str | None = None) -> t.Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a loopback port, stopped afterwards."""
    inbox = Inbox(reply=reply)
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@contextlib.contextmanager
def silent_listener() -> t.Iterator[socket.socket]:
    """A port that accepts TCP connections into its backlog and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock
    finally:
        sock.close()


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    hooks: list[Hook]
    status: list[int]  # answer with status[0]; tests change it


@contextlib.contextmanager
def webhook_receiver(status: int = 204) -> t.Iterator[WebhookReceiver]:
    """A small HTTP server on loopback recording each POST."""
    hooks: list[Hook] = []
    answer = [status]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            hooks.append(Hook(dict(self.headers.items()), self.rfile.read(length)))
            self.send_response(answer[0])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: t.Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield WebhookReceiver(f"http://127.0.0.1:{server.server_address[1]}/hooks", hooks, answer)
    finally:
        server.shutdown()
        server.server_close()
