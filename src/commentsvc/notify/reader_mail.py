"""The mails readers receive: confirmation, notification, digest, "now published".

    message, mail_id = prepare(payload, now)    # for a "reader_mail" outbox row; or Skipped
    url = comment_url(comment)                  # where "#comment-ID" lives for readers

Each is plain text and HTML, rendered in the reader's language, holds no address but the
recipient's own in To, and carries `List-Unsubscribe` (this article's subscriptions, or every
subscription on the site for confirmations and digests) with `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058). Everything is read from the rows as they are now: a
comment unpublished since it was queued is not mailed.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from urllib.parse import quote, urlsplit

from flask import render_template

from ..extensions import db
from ..i18n import force_locale, gettext, ngettext
from ..models import Article, Comment, Confirmation, ReaderMail, Site
from ..privacy import keys
from . import reader, reader_links
from .links import public_base
from .mail import one_line, sender
from .outbox import Skipped

# Long header lines up to SMTP's 998: a List-Unsubscribe URL folded into RFC 2047 encoded
# words ("=?utf-8?q?=3Chttps...") is one that mail providers cannot use.
HEADER_POLICY = default_policy.clone(max_line_length=998)


def comment_url(comment: Comment) -> str:
    """The comment on its article page: the article's stored URL when known, else the site's
    first origin plus the article key when that key is a path, else the no-JS embed page."""
    article: Article = comment.article
    site: Site = article.site
    if article.url:
        base = article.url.split("#")[0]
    elif article.key.startswith("/") and site.origins:
        base = site.origins[0].rstrip("/") + quote(article.key, safe="/%?=&")
    else:
        base = f"{public_base()}/embed/{quote(site.key)}/{quote(article.key, safe='')}"
    return f"{base}#comment-{comment.id}"


def _message(confirmation: Confirmation, kind: str, subject: str, unsubscribe: str,
             **context: t.Any) -> EmailMessage:
    address = keys().decrypt(confirmation.email_cipher)
    if not address:
        raise Skipped("the address cannot be decrypted any more (SECRET_KEY changed)")
    site = t.cast(Site, db.session.get(Site, confirmation.site_id))
    context.update(kind=kind, site=site, site_name=site.name or site.key, _=gettext,
                   ngettext=ngettext, unsubscribe_url=unsubscribe,
                   manage_url=reader_links.manage_url(confirmation.id))
    message = EmailMessage(policy=HEADER_POLICY)
    message["Subject"] = one_line(subject, 150)
    message["From"] = sender()
    message["To"] = address
    message["Date"] = format_datetime(context["now"])
    message["Message-ID"] = make_msgid(domain=urlsplit(public_base()).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("notify/reader.txt", **context))
    message.add_alternative(render_template("notify/reader.html", **context), subtype="html")
    return message


def _item(comment: Comment) -> dict[str, t.Any]:
    return {"id": comment.id, "author": comment.author_name, "body": comment.body,
            "body_html": comment.body_html, "url": comment_url(comment),
            "article": comment.article.title or comment.article.key}


def prepare(payload: dict[str, t.Any], now: dt.datetime) -> tuple[EmailMessage, int]:
    """The message a "reader_mail" row stands for, and the mail's id.

    :raises Skipped: the mail, address or comment is gone, unpublished, or no longer wanted.
    """
    mail = db.session.get(ReaderMail, payload.get("mail_id"))
    if mail is None:
        raise Skipped("the mail was erased with its address")
    confirmation = db.session.get(Confirmation, mail.confirmation_id)
    if confirmation is None:
        raise Skipped("the address was erased")
    if confirmation.stopped_at is not None:
        raise Skipped("mail to this address stopped after a permanent refusal")
    site = db.session.get(Site, confirmation.site_id)
    name = site.name or site.key if site is not None else ""
    with force_locale(confirmation.lang):
        if mail.kind == "confirm":
            if confirmation.confirmed_at is not None:
                raise Skipped("the address was confirmed meanwhile")
            return _message(confirmation, "confirm",
                            gettext("Confirm your subscription to comments on %(site)s",
                                    site=name),
                            reader_links.unsubscribe_url(confirmation.id, None), now=now,
                            confirm_url=reader_links.confirm_url(confirmation.id, now),
                            days=reader_links.CONFIRM_DAYS), mail.id
        if mail.kind == "digest":
            comments = [c for c in (db.session.get(Comment, m.comment_id)
                                    for m in reader.digest_items(mail))
                        if c is not None and c.status == "approved"
                        and reader.recipients(c, confirmation.id)]
            if not comments:
                raise Skipped("nothing left to tell in this digest")
            return _message(confirmation, "digest",
                            ngettext("%(num)s new comment on %(site)s",
                                     "%(num)s new comments on %(site)s", len(comments),
                                     site=name),
                            reader_links.unsubscribe_url(confirmation.id, None), now=now,
                            items=[_item(c) for c in comments]), mail.id
        comment = db.session.get(Comment, mail.comment_id)
        if comment is None or comment.status != "approved":
            raise Skipped("the comment is no longer published")
        title = comment.article.title or comment.article.key
        if mail.kind == "published":
            return _message(confirmation, "published",
                            gettext("Your comment is now published on %(article)s",
                                    article=title),
                            reader_links.unsubscribe_url(confirmation.id, comment.article_id),
                            now=now, item=_item(comment)), mail.id
        if not reader.recipients(comment, confirmation.id):
            raise Skipped("the reader unsubscribed meanwhile")
        return _message(confirmation, "notify",
                        gettext("New comment by %(author)s on %(article)s",
                                author=comment.author_name, article=title),
                        reader_links.unsubscribe_url(confirmation.id, comment.article_id),
                        now=now, item=_item(comment)), mail.id
