"""Prometheus metrics: submissions, moderation actions, outbox, request latency.

    metrics.init_app(app)                 # latency per endpoint, moderation actions
    metrics.submission(comment.status)    # in the submit view
    body, content_type = metrics.render() # the /metrics answer
    metrics.scrape_access(request.headers.get("Authorization"))  # "open", "denied", "hidden"

/metrics tells more than the public answers do (a submission answered as pending counts as
spam), so with METRICS_TOKEN set a scrape needs `Authorization: Bearer <token>` (compared in
constant time); with ENV=production and no METRICS_TOKEN the endpoint answers 404.

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR to an empty directory: each worker writes its
counters there and a scrape of any worker adds them up (gunicorn_conf marks dead workers).
Without it, the process's default registry is used. Outbox figures are read from the database
at scrape time, so they are the same whichever worker answers.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
import typing as t

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import stats
from .extensions import db
from .models import ModerationEvent, OutboxMessage, utcnow

log = logging.getLogger(__name__)

SUBMISSIONS = Counter(
    "commentsvc_submissions", "Comments stored, by the status they were given.", ["verdict"]
)
MODERATION_ACTIONS = Counter(
    "commentsvc_moderation_actions",
    "Audited moderation actions (status changes, edits, deletions, reveals), by action and result.",
    ["action", "status"],
)
REQUESTS = Counter(
    "commentsvc_requests", "HTTP requests answered, by endpoint and status class.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "commentsvc_request_duration_seconds", "Time to answer a request, by endpoint.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def scrape_access(authorization: str | None) -> t.Literal["open", "denied", "hidden"]:
    """Whether a scrape with this Authorization header may read the metrics."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return "hidden" if current_app.config.get("ENV") == "production" else "open"
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return "denied"
    same = hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"),
                               str(token).encode("utf-8", "surrogatepass"))
    return "open" if same else "denied"


def submission(status: str) -> None:
    """Count one stored submission by its status (approved, pending, spam, rejected)."""
    SUBMISSIONS.labels(verdict=status).inc()


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
        observe(endpoint, request.method, response.status_code, time.perf_counter() - started)
    return response


_children: dict[tuple[str, str, int], tuple[t.Any, t.Any]] = {}


def observe(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency (the labelled series are looked up once)."""
    key = (endpoint, method, status // 100)
    found = _children.get(key)
    if found is None:
        found = _children[key] = (LATENCY.labels(endpoint, method),
                                  REQUESTS.labels(endpoint, method, f"{status // 100}xx"))
    found[0].observe(seconds)
    found[1].inc()


# Moderation actions are counted from the audit events themselves, once their transaction
# commits, so every path (API, review page, CLI, bulk) is counted and rollbacks are not.
_PENDING = "commentsvc_metrics_actions"


def _remember_action(mapper: t.Any, connection: t.Any, target: ModerationEvent) -> None:
    if target.action == "submit":
        return  # counted as a submission
    session = Session.object_session(target)
    if session is not None:
        session.info.setdefault(_PENDING, []).append((target.action, target.to_status or ""))


def _count_actions(session: Session) -> None:
    for action, status in session.info.pop(_PENDING, []):
        MODERATION_ACTIONS.labels(action=action, status=status).inc()


def _forget_actions(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _listen_once(target: t.Any, name: str, fn: t.Callable[..., t.Any]) -> None:
    if not event.contains(target, name, fn):
        event.listen(target, name, fn)


class OutboxCollector:
    """Outbox backlog and failures, queried at scrape time."""

    def collect(self) -> t.Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("commentsvc_outbox_up", "1 when the outbox could be read.")
        try:
            backlog, failed, oldest = outbox_stats()
        except SQLAlchemyError as e:
            db.session.rollback()
            log.warning("metrics: outbox unreadable: %s", type(e).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("commentsvc_outbox_backlog",
                                "Notifications waiting to be sent.", value=backlog)
        yield GaugeMetricFamily("commentsvc_outbox_failed",
                                "Notifications given up on after their retries.", value=failed)
        yield GaugeMetricFamily("commentsvc_outbox_oldest_pending_seconds",
                                "Age of the oldest notification waiting.", value=oldest)


class SiteFiguresCollector:
    """Per site, at scrape time: the queue now and today's moderation figures (stats.py)."""

    def collect(self) -> t.Iterator[GaugeMetricFamily]:
        try:
            by_site = stats.today_by_site()
        except SQLAlchemyError as e:
            db.session.rollback()
            log.warning("metrics: site figures unreadable: %s", type(e).__name__)
            return
        pending = GaugeMetricFamily("commentsvc_pending_comments",
                                    "Comments waiting for a moderator.", labels=["site"])
        oldest = GaugeMetricFamily("commentsvc_oldest_pending_seconds",
                                   "Age of the oldest comment waiting.", labels=["site"])
        today = GaugeMetricFamily(
            "commentsvc_comments_today",
            "Today's (UTC) comments by what happened: submitted, approved, rejected, spam, "
            "flagged.", labels=["site", "outcome"])
        median = GaugeMetricFamily("commentsvc_median_decision_seconds_today",
                                   "Median time from submission to a moderator's decision, "
                                   "today (UTC).", labels=["site"])
        for key, figures in by_site.items():
            day = figures.days[-1]
            pending.add_metric([key], figures.pending_now)
            oldest.add_metric([key], figures.oldest_pending_seconds or 0)
            for outcome in ("submitted", "approved", "rejected", "spam", "flagged"):
                today.add_metric([key, outcome], getattr(day, outcome))
            if day.median_decision_seconds is not None:
                median.add_metric([key], day.median_decision_seconds)
        yield from (pending, oldest, today, median)


def outbox_stats() -> tuple[int, int, float]:
    """Waiting count, failed count, age in seconds of the oldest waiting message.

    This read-only query lives here rather than in notify.py so the metrics need nothing
    from the worker's module.
    """
    waiting = (OutboxMessage.sent_at.is_(None)) & (OutboxMessage.failed_at.is_(None))
    backlog, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(waiting)
    ).one()
    failed = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
    )
    db.session.rollback()
    age = 0.0
    if oldest is not None:
        age = max(0.0, (utcnow() - oldest).total_seconds())
    return int(backlog), int(failed or 0), age


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render() -> tuple[bytes, str]:
    """The Prometheus text of this process, or of every gunicorn worker in multiprocess mode."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # type: ignore[arg-type]
    registry.register(OutboxCollector())  # type: ignore[arg-type]
    registry.register(SiteFiguresCollector())  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def init_app(app: Flask) -> None:
    """Time every request and count moderation actions when they commit."""
    app.before_request(_start_timer)
    app.after_request(_observe)
    _listen_once(ModerationEvent, "after_insert", _remember_action)
    _listen_once(Session, "after_commit", _count_actions)
    _listen_once(Session, "after_rollback", _forget_actions)
