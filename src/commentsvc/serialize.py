"""Every public and moderator JSON shape. The single place to audit that no address or IP leaks.

Public shapes take only the fields listed in PUBLIC_COMMENT_FIELDS; the email cipher, hashes
and IP columns are read nowhere in this module except `moderation_item` (masked address,
IP prefix) and `revealed_email`.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t

from flask import url_for

from .comments import Thread, comments_open
from .models import Comment, ModerationEvent
from .privacy import keys, mask_email

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
            "created_at": c.created_at.strftime(ISO_UTC),  # stored and read back as UTC
            "edited_at": edited.strftime(ISO_UTC) if edited is not None else None,
            "replies": [],
        }

    return shape


def build_tree(comments: list[Comment], max_depth: int = 0,
               shape: t.Callable[[Comment], dict[str, t.Any]] = public_comment
               ) -> list[dict[str, t.Any]]:
    """Nest comments under their parents, keeping the given order among siblings.

    A reply deeper than max_depth (when > 0) is attached at the deepest allowed level.
    """
    nodes = {c.id: shape(c) for c in comments}
    parent_of = {c.id: c.parent_id if c.parent_id in nodes else None for c in comments}
    host_of: dict[int, int | None] = {}  # the node each comment is shown under
    depth: dict[int, int] = {}

    def place(cid: int) -> None:
        chain = []
        while cid not in depth:
            chain.append(cid)
            parent = parent_of[cid]
            if parent is None or parent in chain:
                break
            cid = parent
        for cid in reversed(chain):
            parent = parent_of[cid]
            host = parent if parent in depth else None
            if host is not None and max_depth and depth[host] >= max_depth:
                host = host_of[host]
            host_of[cid] = host
            depth[cid] = depth[host] + 1 if host is not None else 1

    roots: list[dict[str, t.Any]] = []
    for c in comments:
        place(c.id)
    for c in comments:
        host = host_of[c.id]
        (roots if host is None else nodes[host]["replies"]).append(nodes[c.id])
    return roots


def thread(t_: Thread, order: str) -> dict[str, t.Any]:
    comments = t_.comments
    tree = build_tree(comments, t_.site.max_depth, _fast_shape())
    if order == "newest":
        tree.reverse()
    return {
        "site": t_.site.key,
        "article": t_.article.key if t_.article else None,
        "comments_open": comments_open(t_.site, t_.article),
        "count": t_.count,
        "page": t_.page,
        "pages": t_.pages,
        "comments": tree,
    }


def thread_json(t_: Thread, order: str) -> bytes:
    """The thread as the UTF-8 JSON bytes that are cached and sent."""
    return json.dumps(thread(t_, order), ensure_ascii=False, separators=(",", ":")).encode()


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


def moderation_item(comment: Comment) -> dict[str, t.Any]:
    email = keys().decrypt(comment.email_cipher) if comment.email_cipher else None
    return {
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
    }


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
