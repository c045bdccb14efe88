"""The delivery worker: `commentsvc worker [--once]`: mail, webhooks and Akismet reports.

    tally = run_once()               # deliver everything due now, then return
    run_forever(threading.Event())   # poll every NOTIFY_POLL_SECONDS until the event is set

Any number of workers may run against PostgreSQL (rows are claimed with SKIP LOCKED and
leased); with SQLite run one.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import typing as t

from flask import current_app

from ..extensions import db
from ..models import OutboxMessage, utcnow
from ..spam import akismet
from ..spam.store import retrain_if_due
from . import mail, outbox, webhook
from .outbox import Outcome, PermanentFailure, Skipped, TemporaryFailure

log = logging.getLogger(__name__)

MAX_ROUNDS = 1000  # a bound on one run_once, whatever happens


def deliver(row: OutboxMessage, now: dt.datetime) -> Outcome:
    """Try one claimed row once; the outcome says what to record."""
    try:
        if row.kind == outbox.HELD:
            return outbox.fan_out(row, now, webhook.event_body)
        if row.kind == outbox.MAIL:
            smtp_url = current_app.config.get("SMTP_URL")
            if not smtp_url:
                raise TemporaryFailure("SMTP_URL is not set")
            settings = mail.parse_smtp_url(str(smtp_url))
            message = mail.prepare(row.payload, now)
            db.session.rollback()  # end the read transaction before waiting on the network
            mail.send(settings, message)
            return Outcome("sent")
        if row.kind == outbox.WEBHOOK:
            webhook.post(row.payload, row.id, now)
            return Outcome("sent")
        if row.kind == outbox.AKISMET:
            return _report_to_akismet(row.payload)
        raise PermanentFailure(f"unknown outbox kind {row.kind!r}")
    except Skipped as e:
        return Outcome("skipped", str(e))
    except TemporaryFailure as e:
        return Outcome("retry", str(e))
    except (PermanentFailure, ValueError) as e:  # ValueError: a malformed SMTP_URL or message
        return Outcome("failed", str(e))


def _report_to_akismet(payload: dict[str, t.Any]) -> Outcome:
    """Send an "akismet" row: submit-spam or submit-ham for the comment as it is now.

    :raises Skipped: AKISMET_KEY was unset, or the comment erased, since the decision.
    :raises TemporaryFailure: Akismet is down, slow, or refused the key.
    """
    if not akismet.enabled():
        raise Skipped("AKISMET_KEY is not set any more")
    report = akismet.report_for(int(payload.get("comment_id") or 0), str(payload.get("label")))
    if report is None:
        raise Skipped("the comment was erased")
    db.session.rollback()  # end the read transaction before waiting on the network
    try:
        akismet.send(report)
    except akismet.ReportFailed as e:
        raise TemporaryFailure(str(e)) from None
    return Outcome("sent")


def run_once(now: dt.datetime | None = None) -> collections.Counter[str]:
    """Deliver every row due at `now` (default: the clock), including rows that creates."""
    tally: collections.Counter[str] = collections.Counter()
    for _ in range(MAX_ROUNDS):
        moment = now or utcnow()
        rows = outbox.claim(moment)
        if not rows:
            break
        for row_id, kind in [(r.id, r.kind) for r in rows]:
            row = db.session.get(OutboxMessage, row_id)
            if row is None:
                continue
            try:
                outcome = deliver(row, moment)
            except Exception as e:  # noqa: BLE001 - one bad row must not stop the worker
                db.session.rollback()
                log.exception("outbox row %s (%s) raised; it will be retried", row_id, kind)
                outcome = Outcome("retry", f"{type(e).__name__}: {e}")
            if outcome.state == "failed":
                log.error("outbox row %s (%s) given up: %s", row_id, kind, outcome.note)
            elif outcome.state == "retry":
                log.warning("outbox row %s (%s) will be retried: %s", row_id, kind, outcome.note)
            outbox.record(row_id, outcome, moment)
            tally[outcome.state] += 1
    return tally


def run_forever(stop: threading.Event, echo: t.Callable[[str], None] = log.info) -> None:
    """Poll until `stop` is set; a poll that fails (database down) is logged and retried."""
    interval = float(outbox.setting("NOTIFY_POLL_SECONDS"))
    while not stop.is_set():
        try:
            tally = run_once()
            if retrain_if_due() is not None:  # the learned filter, from moderators' decisions
                tally["spam filter retrained"] += 1
            if tally:
                echo(", ".join(f"{n} {state}" for state, n in sorted(tally.items())))
        except Exception:  # noqa: BLE001 - keep polling through a database outage
            db.session.rollback()
            log.exception("worker poll failed; trying again in %s s", interval)
        finally:
            db.session.remove()
        stop.wait(interval)
