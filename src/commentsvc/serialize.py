"""Every public and moderator JSON shape. The single place to audit that no address or IP leaks.

Public shapes take only the fields listed in PUBLIC_COMMENT_FIELDS; the email cipher, hashes
and IP columns are read nowhere in this module except `moderation_item` (masked address,
IP prefix) and `revealed_email`.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from dataclasses import dataclass

from flask import url_for

from .models import Comment, ModerationEvent
from .privacy import keys, mask_email

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_text(value: dt.datetime) -> str:
    """ISO_UTC of a time read without UTCDateTime: aware in any zone, or naive UTC (SQLite)."""
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(dt.UTC)
    return value.strftime(ISO_UTC)


def avatar_url(comment: Comment) -> str:
    return url_for("embed.avatar", key=comment.avatar_key or "anonymous", _external=False)


def public_comment(comment: Comment, replies: list[dict[str, t.Any]] | None = None,
                   avatar: str | None = None) -> dict[str, t.Any]:
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": {"name": comment.author_name, "url": comment.author_url,
                   "avatar": avatar if avatar is not None else avatar_url(comment)},
        "body_html": comment.body_html,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "staff": bool(comment.staff),
        "pinned": comment.pinned_at is not None,
        "replies": replies if replies is not None else [],
    }


def _fast_shape() -> t.Callable[[Comment], dict[str, t.Any]]:
    """public_comment with the avatar route built once per thread instead of once per comment."""
    marker = "AVATARKEY"
    pattern = url_for("embed.avatar", key=marker, _external=False)
    head, _, tail = pattern.partition(marker)

    def shape(c: Comment) -> dict[str, t.Any]:
        edited = c.edited_at
        return {
            "id": c.id,
            "parent_id": c.parent_id,
            "author": {"name": c.author_name, "url": c.author_url,
                       "avatar": f"{head}{c.avatar_key or 'anonymous'}{tail}"},
            "body_html": c.body_html,
            "created_at": utc_text(c.created_at),
            "edited_at": utc_text(edited) if edited is not None else None,
            "staff": bool(c.staff),
            "pinned": c.pinned_at is not None,
            "replies": [],
        }

    return shape


@dataclass(frozen=True)
class ThreadShape:
    """One page of a thread, already arranged by threads: only nesting is left to do here."""

    site: str
    article: str  # the key asked for, also when no such article exists yet
    comments_open: bool
    count: int
    page: int
    pages: int
    # (row, id of the comment it is shown under or None), in the order siblings are shown
    placed: list[tuple[t.Any, int | None]]
    newest: bool
    default_lang: str | None  # the site's: the widget's language when no other fits


def thread(shape: ThreadShape) -> dict[str, t.Any]:
    """The public thread; one pass over the placed rows, no walk up or down the tree."""
    make = _fast_shape()
    nodes = {row.id: make(row) for row, _ in shape.placed}
    tree: list[dict[str, t.Any]] = []
    for row, host in shape.placed:
        (tree if host is None else nodes[host]["replies"]).append(nodes[row.id])
    if shape.newest:
        tree.reverse()
    return {
        "site": shape.site,
        "article": shape.article,
        "comments_open": shape.comments_open,
        "count": shape.count,
        "page": shape.page,
        "pages": shape.pages,
        "default_lang": shape.default_lang,
        "comments": tree,
    }


def thread_json(shape: ThreadShape) -> bytes:
    """The thread as the UTF-8 JSON bytes that are cached and sent."""
    return json.dumps(thread(shape), ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Shown:
    """One comment of a flattened tree: `closes` replies lists end right after it."""

    c: dict[str, t.Any]
    depth: int
    closes: int


def flatten(tree: list[dict[str, t.Any]]) -> list[Shown]:
    """The tree in reading order, without recursion (templates render it with a flat loop)."""
    out: list[Shown] = []
    stack = [iter(tree)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            if stack and out:  # a replies list ended: the last comment shown closes it
                last = out[-1]
                out[-1] = Shown(last.c, last.depth, last.closes + 1)
            continue
        out.append(Shown(node, len(stack), 0))
        if node["replies"]:
            stack.append(iter(node["replies"]))
    return out


def public_status(comment: Comment) -> str:
    """The status its author may see: spam is never revealed, it reads as pending."""
    return "pending" if comment.status == "spam" else comment.status


def authored(comment: Comment, edit_window: int) -> dict[str, t.Any]:
    """The answer to an author's edit: the submit answer's shape, without a new token."""
    return {
        "id": comment.id,
        "status": public_status(comment),
        "comment": public_comment(comment),
        "edit_expires_at": iso(comment.created_at + dt.timedelta(seconds=edit_window)),
    }


def submitted(comment: Comment, edit_token: str, edit_window: int) -> dict[str, t.Any]:
    """The answer to a submission. Spam is answered exactly as pending."""
    status = "approved" if comment.status == "approved" else "pending"
    return {
        "id": comment.id,
        "status": status,
        "comment": public_comment(comment),
        "edit_token": edit_token,
        "edit_expires_at": iso(comment.created_at + dt.timedelta(seconds=edit_window)),
    }


@dataclass(frozen=True)
class ItemContext:
    """What `context` gathers around a moderation item (flags, parent, author's history)."""

    flags: dict[str, t.Any]
    parent_excerpt: str | None
    author_history: dict[str, t.Any] | None


def moderation_item(comment: Comment, ctx: ItemContext | None = None) -> dict[str, t.Any]:
    email = keys().decrypt(comment.email_cipher) if comment.email_cipher else None
    item = {
        "id": comment.id,
        "site": comment.article.site.key,
        "article": comment.article.key,
        "parent_id": comment.parent_id,
        "status": comment.status,
        "author": {"name": comment.author_name, "url": comment.author_url,
                   "email_masked": mask_email(email) if email else None},
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "moderated_at": iso(comment.moderated_at),
        "spam": {"score": comment.spam_score, "reasons": list(comment.spam_reasons or [])},
        "ip_prefix": comment.ip_prefix,
        "staff": bool(comment.staff),
        "pinned": comment.pinned_at is not None,
        "article_title": comment.article.title,
        "article_url": comment.article.url,
    }
    if ctx is not None:
        history = ctx.author_history
        item["flags"] = ctx.flags
        item["parent_excerpt"] = ctx.parent_excerpt
        item["author_history"] = None if history is None else {
            **{k: history[k] for k in ("approved", "rejected", "spam")},
            "first_seen": iso(history["first_seen"]),
        }
    return item


def event(e: ModerationEvent) -> dict[str, t.Any]:
    return {
        "actor": e.actor,
        "action": e.action,
        "from": e.from_status,
        "to": e.to_status,
        "reason": e.reason,
        "at": iso(e.created_at),
    }


def revealed_email(comment: Comment) -> dict[str, t.Any]:
    return {"email": keys().decrypt(comment.email_cipher) if comment.email_cipher else None}
