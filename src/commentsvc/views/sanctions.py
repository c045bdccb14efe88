"""Moderators' newsroom tools: bans (sanctions) and staff replies, with a Bearer token.

    POST   /api/v1/moderation/sites/{site}/bans     {"kind", "comment_id" | "value", ...} -> 201
    GET    /api/v1/moderation/sites/{site}/bans     active bans, values masked
    DELETE /api/v1/moderation/bans/{id}             -> 204
    POST   /api/v1/moderation/comments/{id}/reply   {"body"} -> 201, approved, staff
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, g, request

from .. import bans, serialize, staff
from ..ban_inputs import parse_ban
from ..extensions import limiter
from ..models import Ban
from ..validation import parse_edit, read_body
from .moderation import require_moderator

bp = Blueprint("sanctions", __name__, url_prefix="/api/v1/moderation")
limiter.exempt(bp)


def _ban(ban: Ban) -> dict[str, t.Any]:
    return {"id": ban.id, "kind": ban.kind, "value": ban.shown, "mode": ban.mode,
            "reason": ban.reason, "by": ban.created_by,
            "created_at": serialize.iso(ban.created_at),
            "expires_at": serialize.iso(ban.expires_at)}


@bp.post("/sites/<site>/bans")
@require_moderator
def ban(site: str) -> t.Any:
    req = parse_ban(read_body(request).data)
    return _ban(bans.create(g.moderator, site, req)), 201


@bp.get("/sites/<site>/bans")
@require_moderator
def list_bans(site: str) -> t.Any:
    return {"items": [_ban(b) for b in bans.active(g.moderator, site)]}


@bp.delete("/bans/<int:ban_id>")
@require_moderator
def lift(ban_id: int) -> t.Any:
    bans.remove(g.moderator, ban_id)
    return "", 204


@bp.post("/comments/<int:comment_id>/reply")
@require_moderator
def reply(comment_id: int) -> t.Any:
    body = parse_edit(request).body  # the body rules of any comment, in one place
    comment = staff.reply(g.moderator, comment_id, body)
    return serialize.public_comment(comment), 201
