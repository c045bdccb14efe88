"""Moderation figures (issue 17 item 6): per UTC day and right now, for a set of sites.

    figures = stats.figures(site_ids, days=30)      # site_ids None: every site (an admin)
    figures.as_dict()                               # the contract's JSON shape
    stats.today_by_site()                           # {site key: Figures of today} for /metrics

Definitions (README, moderator's guide):
- submitted: comments created that day (imports excluded), whatever became of them;
- approved / rejected / spam: comments that reached the status that day, at submission (the
  site's mode, the spam filter) or by a moderator;
- flagged: readers' reports made that day (`_flags_per_day`, the one place reports are read);
- median_decision_seconds: for moderators' decisions on held (pending) comments that day, the
  median time from submission to the decision; null without any.
Everything is read with a few small queries and counted here, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import typing as t
from collections import defaultdict

from sqlalchemy import func, select

from . import clock
from .extensions import db
from .models import Article, Comment, ModerationEvent, Site

OUTCOMES = ("approved", "rejected", "spam")


@dataclasses.dataclass(frozen=True)
class Day:
    date: str  # a UTC date, 2026-12-01
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    spam: int = 0
    flagged: int = 0
    median_decision_seconds: int | None = None


@dataclasses.dataclass(frozen=True)
class Figures:
    days: list[Day]  # oldest first, newest (today) last
    pending_now: int
    oldest_pending_seconds: int | None

    def as_dict(self) -> dict[str, t.Any]:
        return dataclasses.asdict(self)


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.waits: list[float] = []

    def day(self, date: dt.date) -> Day:
        median = int(round(statistics.median(self.waits))) if self.waits else None
        c = self.counts
        return Day(date.isoformat(), submitted=c["submitted"], approved=c["approved"],
                   rejected=c["rejected"], spam=c["spam"], flagged=c["flagged"],
                   median_decision_seconds=median)


def _scoped(query: t.Any, site_ids: list[int] | None) -> t.Any:
    return query if site_ids is None else query.where(Article.site_id.in_(site_ids))


def _tally(site_ids: list[int] | None, since: dt.datetime) -> dict[tuple[str, dt.date], _Tally]:
    """(site key, UTC date) -> counts and decision waits, from `since` on."""
    tallies: dict[tuple[str, dt.date], _Tally] = defaultdict(_Tally)
    submitted = _scoped(select(Site.key, Comment.created_at).select_from(Comment)
                        .join(Article).join(Site)
                        .where(Comment.created_at >= since, Comment.source.is_(None)), site_ids)
    for key, created in db.session.execute(submitted):
        tallies[key, _utc(created).date()].counts["submitted"] += 1
    outcomes = _scoped(
        select(Site.key, ModerationEvent.created_at, ModerationEvent.to_status,
               ModerationEvent.action, ModerationEvent.from_status, Comment.created_at)
        .select_from(ModerationEvent)
        .join(Comment, Comment.id == ModerationEvent.comment_id).join(Article).join(Site)
        .where(ModerationEvent.created_at >= since,
               ModerationEvent.action.in_(("submit", "status")),
               ModerationEvent.to_status.in_(OUTCOMES)), site_ids)
    for key, at, to, action, was, created in db.session.execute(outcomes):
        tally = tallies[key, _utc(at).date()]
        tally.counts[to] += 1
        if action == "status" and was == "pending":
            tally.waits.append(max(0.0, (_utc(at) - _utc(created)).total_seconds()))
    for key, day, n in _flags_per_day(site_ids, since):
        tallies[key, day].counts["flagged"] += n
    return tallies


def _flags_per_day(site_ids: list[int] | None,
                   since: dt.datetime) -> t.Iterable[tuple[str, dt.date, int]]:
    """Readers' reports per (site key, UTC date): the one place to read them.

    Reports arrive with the `flags` table (issue 17 item 1, engineer "newsroom"); until it
    exists the answer is empty (flagged: 0). With it, each report row counts once on the day it
    was made (columns comment_id and created_at).
    """
    flags = db.metadata.tables.get("flags")
    if flags is None or not {"comment_id", "created_at"} <= set(flags.c.keys()):
        return []
    query = _scoped(select(Site.key, flags.c.created_at).select_from(flags)
                    .join(Comment, Comment.id == flags.c.comment_id).join(Article).join(Site)
                    .where(flags.c.created_at >= since), site_ids)
    per_day: dict[tuple[str, dt.date], int] = defaultdict(int)
    for key, at in db.session.execute(query):
        per_day[key, _utc(at).date()] += 1
    return [(key, day, n) for (key, day), n in per_day.items()]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _pending(site_ids: list[int] | None) -> dict[str, tuple[int, dt.datetime | None]]:
    query = _scoped(select(Site.key, func.count(), func.min(Comment.created_at))
                    .select_from(Comment).join(Article).join(Site)
                    .where(Comment.status == "pending").group_by(Site.key), site_ids)
    return {key: (int(n), oldest) for key, n, oldest in db.session.execute(query)}


def _start(days: int, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    first = now.astimezone(dt.UTC).date() - dt.timedelta(days=days - 1)
    return first, dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)


def _figures(tallies: t.Mapping[tuple[str, dt.date], _Tally], sites: t.Iterable[str] | None,
             pending: t.Mapping[str, tuple[int, dt.datetime | None]], first: dt.date,
             days: int, now: dt.datetime) -> Figures:
    """Tallies summed over `sites` (None: all) into one Figures."""
    by_date: dict[dt.date, list[_Tally]] = defaultdict(list)
    for (key, when), tally in tallies.items():
        if sites is None or key in sites:
            by_date[when].append(tally)
    rows = []
    for i in range(days):
        date = first + dt.timedelta(days=i)
        day = _Tally()
        for tally in by_date.get(date, []):
            for name, n in tally.counts.items():
                day.counts[name] += n
            day.waits.extend(tally.waits)
        rows.append(day.day(date))
    chosen = [v for k, v in pending.items() if sites is None or k in sites]
    oldest = min((o for _, o in chosen if o is not None), default=None)
    return Figures(rows, sum(n for n, _ in chosen),
                   None if oldest is None else max(0, int((now - _utc(oldest)).total_seconds())))


def figures(site_ids: list[int] | None, days: int = 30, now: dt.datetime | None = None) -> Figures:
    """The figures of these sites (None: every site) for the last `days` UTC days, today last."""
    now = now or clock.now()
    first, since = _start(days, now)
    result = _figures(_tally(site_ids, since), None, _pending(site_ids), first, days, now)
    db.session.rollback()  # read only: no transaction left open
    return result


def today_by_site(now: dt.datetime | None = None) -> dict[str, Figures]:
    """Today's figures and the queue of every site, by key (for /metrics; a few queries)."""
    now = now or clock.now()
    first, since = _start(1, now)
    tallies, pending = _tally(None, since), _pending(None)
    keys = list(db.session.scalars(select(Site.key).order_by(Site.key)))
    db.session.rollback()
    return {key: _figures(tallies, {key}, pending, first, 1, now) for key in keys}
