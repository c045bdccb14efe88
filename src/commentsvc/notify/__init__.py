"""Deliveries that are never lost and never wait in a request: outbox rows and a worker.

    notify.queue_held(comment, site)      # write path, before its commit: one "held" row
    notify.queue_report(comment, "spam")  # a moderator's decision, for Akismet: one row
    notify.worker.run_once()              # `commentsvc worker --once`: deliver what is due
    notify.worker.run_forever(stop)       # `commentsvc worker`: poll until SIGTERM

A request only adds rows to `outbox_messages` in its own transaction; it never talks to a
mail server, a webhook receiver or Akismet. The worker turns a "held" row into one "mail" row
per moderator with an address and one "webhook" row when the site has a webhook URL, then
delivers those and the "akismet" rows with retries and backoff.

Reader mail (issue 16) rides the same rails: a comment that becomes approved adds one
"reader" row (`reader.queue_approved`, in the approving transaction); the worker turns it into
one "reader_mail" row per subscriber, or folds it into a digest above the hourly cap.

Modules: `outbox` (the table's SQL), `mail` (SMTP URL, message, sending over a reused
connection), `webhook` (JSON, HMAC signature, POST), `links` (signing and verifying one-click
link tokens, building their URLs; what a link does is `commentsvc.mail_actions`), `reader`
(reader-mail rows: fan-out, caps, digests, stopped addresses), `reader_mail` (the reader
messages), `reader_links` (confirm, unsubscribe and manage tokens; what they do is
`commentsvc.subscriptions`), `worker` (the loop). This package imports only models, sites,
privacy, i18n and spam.akismet: never the services that call it.
"""

from __future__ import annotations

from .outbox import notifications_on, queue_held, queue_report

__all__ = ["notifications_on", "queue_held", "queue_report"]
