"""Moderator notifications that are never lost: outbox rows, a worker, SMTP and webhooks.

    notify.queue_held(comment, site)   # in the write path, before its commit: one outbox row
    notify.worker.run_once()           # `commentsvc worker --once`: deliver what is due
    notify.worker.run_forever(stop)    # `commentsvc worker`: poll until SIGTERM

The request only adds a row to `outbox_messages` in its own transaction; it never talks to a
mail server. The worker turns a "held" row into one "mail" row per moderator with an address
and one "webhook" row when the site has a webhook URL, then delivers those with retries.

Modules: `outbox` (the table's SQL), `mail` (SMTP URL, message, sending), `webhook` (JSON,
HMAC signature, POST), `links` (signed one-click links and their actions), `worker` (the loop).
"""

from __future__ import annotations

from .outbox import notifications_on, queue_held, queue_report

__all__ = ["notifications_on", "queue_held", "queue_report"]
