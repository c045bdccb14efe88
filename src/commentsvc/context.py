"""What a moderator sees around a comment: reader reports, the article, the parent's first
lines, the author's history on that site. Owns the read-only SQL that gathers it.

    items = moderation_items(page.items)   # the moderation JSON of many comments, batched
"""

from __future__ import annotations

import typing as t

from sqlalchemy import func, select

from . import flags, serialize
from .extensions import db
from .models import Article, Comment

EXCERPT_CHARS = 200


def _excerpt(body: str) -> str:
    lines = [line for line in body.splitlines() if line.strip()][:3]
    text = "\n".join(lines)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _parents(items: list[Comment]) -> dict[int, str]:
    ids = {c.parent_id for c in items if c.parent_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(ids)))
    return {cid: _excerpt(body) for cid, body in rows}


def _histories(items: list[Comment]) -> dict[tuple[int, str], dict[str, t.Any]]:
    """(site id, email hash) -> approved/rejected/spam counts and first seen, in one query."""
    hashes = {c.email_hash for c in items if c.email_hash}
    site_ids = {c.article.site_id for c in items}
    if not hashes:
        return {}
    rows = db.session.execute(
        select(Article.site_id, Comment.email_hash, Comment.status, func.count(),
               func.min(Comment.created_at))
        .join(Article, Comment.article_id == Article.id)
        .where(Comment.email_hash.in_(hashes), Article.site_id.in_(site_ids))
        .group_by(Article.site_id, Comment.email_hash, Comment.status)
    )
    found: dict[tuple[int, str], dict[str, t.Any]] = {}
    for site_id, email_hash, status, count, first in rows:
        h = found.setdefault((site_id, str(email_hash)),
                             {"approved": 0, "rejected": 0, "spam": 0, "first_seen": first})
        if status in ("approved", "rejected", "spam"):
            h[status] = int(count)
        h["first_seen"] = min(h["first_seen"], first)
    return found


def moderation_items(items: list[Comment]) -> list[dict[str, t.Any]]:
    """serialize.moderation_item of each comment, with its context, in four queries at most."""
    reports = flags.summaries([c.id for c in items])
    parents = _parents(items)
    histories = _histories(items)
    out = []
    for c in items:
        history = histories.get((c.article.site_id, c.email_hash or ""))
        report = reports.get(c.id) or flags.FlagSummary()
        out.append(serialize.moderation_item(c, serialize.ItemContext(
            flags={"count": report.count, "reasons": report.reasons, "notes": report.notes},
            parent_excerpt=parents.get(c.parent_id) if c.parent_id is not None else None,
            author_history=history,
        )))
    return out
