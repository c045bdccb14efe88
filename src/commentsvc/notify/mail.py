"""Mail to moderators: the SMTP_URL, the message for a held comment, and sending it.

    settings = parse_smtp_url("smtp+starttls://user:pass@mail.example:587")
    message = held_message(comment, moderator, now)
    send(settings, message, timeout=10)   # raises TemporaryFailure or PermanentFailure
    with Mailer(settings) as mailer: ...  # one connection for a batch of messages

SMTP_URL forms: `smtp://host[:25]` (plain), `smtp+starttls://user:pass@host[:587]` (STARTTLS
required), `smtps://user:pass@host[:465]` (TLS from the first byte). User and password are
percent-decoded. Headers are built with `EmailMessage` and the default policy, which refuses
CR or LF in a header value; every text placed in a header is also reduced to one line first.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import typing as t
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

from babel.units import format_unit
from flask import current_app, render_template

from ..extensions import db
from ..models import Comment, Moderator
from ..privacy import keys, mask_email
from ..sites import moderates
from .links import ACTIONS, link_url, public_base, sign
from .outbox import PermanentFailure, Skipped, TemporaryFailure, setting

SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # plain, starttls, tls
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpSettings:
    """:raises ValueError: for a scheme other than smtp, smtp+starttls, smtps, or no host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise ValueError(f"SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)}")
    if not parts.hostname:
        raise ValueError("SMTP_URL names no host")
    security, default_port = SCHEMES[parts.scheme]
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def one_line(text: str, limit: int = 80) -> str:
    """Text safe for a header: control and line-separator characters become spaces."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def sender() -> str:
    configured = current_app.config.get("MAIL_FROM")
    if configured:
        return str(configured)
    host = urlsplit(public_base()).hostname or "localhost"
    return f"commentsvc <noreply@{host}>"


def held_message(comment: Comment, moderator: Moderator, now: dt.datetime) -> EmailMessage:
    """The notice of one held comment for one moderator, with their own one-click links."""
    article = comment.article
    site = article.site
    address = keys().decrypt(comment.email_cipher) if comment.email_cipher else None
    links = {action: link_url(sign(comment, moderator, action, now)) for action in ACTIONS}
    context = {
        "comment": comment, "article": article, "site": site, "moderator": moderator,
        "email_masked": mask_email(address) if address else "(address unavailable)",
        "links": links,
        # "1 hour", "72 hours", "1.5 hours" (the setting may be fractional)
        "link_life": format_unit(float(setting("NOTIFY_LINK_HOURS")), "duration-hour",
                                 locale="en"),
        "review_url": f"{public_base()}/moderate/",
        "reasons": list(comment.spam_reasons or []),
    }
    message = EmailMessage()
    message["Subject"] = one_line(
        f"[{site.name or site.key}] Comment by {comment.author_name} awaits moderation "
        f"({article.key})", 150)
    message["From"] = sender()
    message["To"] = t.cast(str, moderator.email)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=urlsplit(public_base()).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template("notify/held.txt", **context))
    message.add_alternative(render_template("notify/held.html", **context), subtype="html")
    return message


def prepare(payload: dict[str, t.Any], now: dt.datetime) -> EmailMessage:
    """The message a "mail" outbox row stands for, built from the comment as it is now.

    :raises Skipped: the comment is no longer pending, or the moderator no longer listens.
    """
    comment = db.session.get(Comment, payload.get("comment_id"))
    if comment is None:
        raise Skipped("the comment was erased")
    if comment.status != "pending":
        raise Skipped(f"the comment is {comment.status} already")
    moderator = db.session.get(Moderator, payload.get("moderator_id"))
    if moderator is None or moderator.revoked_at is not None or not moderator.email \
            or not moderates(moderator, comment.article.site_id):
        raise Skipped("the moderator no longer receives these notices")
    return held_message(comment, moderator, now)


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    # Our public host name for EHLO: smtplib's default asks DNS for it on every connection.
    helo = urlsplit(public_base()).hostname or "localhost"
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, local_hostname=helo,
                                timeout=timeout, context=ssl.create_default_context())
    client = smtplib.SMTP(settings.host, settings.port, local_hostname=helo, timeout=timeout)
    if settings.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


class Mailer:
    """One SMTP connection, opened on the first message and reused for the next ones.

        with Mailer(settings) as mailer:   # the worker keeps one per batch
            mailer.send(message)           # TemporaryFailure or PermanentFailure

    A refused recipient leaves the connection usable (smtplib resets the transaction); any
    other failure closes it, and the next message opens a new one.
    """

    def __init__(self, settings: SmtpSettings, timeout: float | None = None) -> None:
        self.settings = settings
        self.timeout = float(timeout if timeout is not None else setting("NOTIFY_SMTP_TIMEOUT"))
        self.client: smtplib.SMTP | None = None
        self.connections = 0  # how many were opened (the tests read it)
        self.down: str | None = None  # why the server could not be reached, once it could not

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the SMTP server.

        :raises TemporaryFailure: unreachable, timed out, 4xx, or refused our login.
        :raises PermanentFailure: 5xx for this message (sender, recipient or content refused).
        """
        if self.down is not None:  # the rest of the batch waits for the next round
            raise TemporaryFailure(self.down)
        try:
            if self.client is None:
                try:
                    self.client = _connect(self.settings, self.timeout)
                except (smtplib.SMTPException, OSError) as e:
                    self.down = f"SMTP server unreachable: {type(e).__name__}: {e}"
                    raise
                self.connections += 1
                if self.settings.username:
                    self.client.login(self.settings.username, self.settings.password or "")
            self.client.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = next(iter(e.recipients.values()))
            _raise_for(code, reply)
        except smtplib.SMTPAuthenticationError as e:
            self.close()
            # The operator's configuration, not this message: keep it until the login works.
            raise TemporaryFailure(f"SMTP login refused: {e.smtp_code} {_text(e.smtp_error)}"
                                   ) from None
        except smtplib.SMTPResponseException as e:
            self.close()
            _raise_for(e.smtp_code, e.smtp_error)
        except (smtplib.SMTPException, OSError) as e:  # OSError covers timeouts
            self.close()
            raise TemporaryFailure(f"SMTP server unreachable: {type(e).__name__}: {e}") from None


def send(settings: SmtpSettings, message: EmailMessage, timeout: float | None = None) -> None:
    """Hand one message to the SMTP server on a connection of its own (see Mailer.send)."""
    with Mailer(settings, timeout) as mailer:
        mailer.send(message)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _raise_for(code: int, reply: bytes | str) -> t.NoReturn:
    text = f"SMTP {code} {_text(reply)}"
    if 500 <= code < 600:
        raise PermanentFailure(text)
    raise TemporaryFailure(text)
