"""The delivery worker: `commentsvc worker [--once]`: mail, webhooks and Akismet reports.

    tally = run_once()               # deliver everything due now, then return
    run_forever(threading.Event())   # poll every NOTIFY_POLL_SECONDS until the event is set

Any number of workers may run against PostgreSQL (rows are claimed with SKIP LOCKED and
leased); with SQLite run one.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import logging
import threading
import typing as t

from flask import current_app

from ..extensions import db
from ..models import OutboxMessage, utcnow
from ..spam import akismet
from ..spam.store import retrain_if_due
from . import mail, outbox, reader, reader_mail, webhook
from .outbox import Outcome, PermanentFailure, Skipped, TemporaryFailure

log = logging.getLogger(__name__)

MAX_ROUNDS = 1000  # a bound on one run_once, whatever happens


class Mailers:
    """The SMTP connection of one batch: opened on its first message, reused by the others."""

    def __init__(self) -> None:
        self.mailer: mail.Mailer | None = None

    def get(self) -> mail.Mailer:
        """:raises TemporaryFailure: SMTP_URL is not set. :raises ValueError: it is malformed."""
        if self.mailer is None:
            smtp_url = current_app.config.get("SMTP_URL")
            if not smtp_url:
                raise TemporaryFailure("SMTP_URL is not set")
            self.mailer = mail.Mailer(mail.parse_smtp_url(str(smtp_url)))
        return self.mailer

    def close(self) -> None:
        if self.mailer is not None:
            self.mailer.close()


def deliver(row: OutboxMessage, now: dt.datetime, mailers: Mailers | None = None) -> Outcome:
    """Try one claimed row once; the outcome says what to record."""
    own = mailers is None
    mailers = mailers or Mailers()
    try:
        if row.kind == outbox.HELD:
            return outbox.fan_out(row, now, webhook.event_body)
        if row.kind == outbox.MAIL:
            mailer = mailers.get()
            message = mail.prepare(row.payload, now)
            db.session.rollback()  # end the read transaction before waiting on the network
            mailer.send(message)
            return Outcome("sent")
        if row.kind == reader.READER:
            return reader.fan_out(row, now)
        if row.kind == reader.READER_MAIL:
            return _send_reader_mail(row.payload, now, mailers.get())
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
    finally:
        if own:
            mailers.close()


def _send_reader_mail(payload: dict[str, t.Any], now: dt.datetime, mailer: mail.Mailer
                      ) -> Outcome:
    """Send a "reader_mail" row; a permanent refusal stops mail to that address everywhere.

    :raises Skipped: nothing to send any more. :raises TemporaryFailure: try again later.
    :raises PermanentFailure: refused for good (the address is stopped first).
    """
    mail_id = int(payload.get("mail_id") or 0)
    try:
        message, mail_id = reader_mail.prepare(payload, now)
    except Skipped:
        reader.mark(mail_id, "skipped", now)
        raise
    email_hash = reader.email_hash_of(mail_id)
    db.session.rollback()  # end the read transaction before waiting on the network
    try:
        mailer.send(message)
    except PermanentFailure as e:
        reader.mark(mail_id, "failed", now)
        stopped = reader.stop_address(email_hash, str(e), now) if email_hash else 0
        raise PermanentFailure(f"{e}; mail to this reader stopped ({stopped} site(s))") from None
    reader.mark(mail_id, "sent", now)
    return Outcome("sent")


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
        with contextlib.closing(Mailers()) as mailers:
            _deliver_batch([(r.id, r.kind) for r in rows], moment, mailers, tally)
    return tally


def _deliver_batch(batch: list[tuple[int, str]], moment: dt.datetime, mailers: Mailers,
                   tally: collections.Counter[str]) -> None:
    """Deliver claimed rows over one SMTP connection and record each outcome."""
    for row_id, kind in batch:
        row = db.session.get(OutboxMessage, row_id)
        if row is None:
            continue
        try:
            outcome = deliver(row, moment, mailers)
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
