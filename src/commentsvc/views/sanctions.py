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
from ..errors import ValidationFailed
from ..extensions import limiter
from ..models import BAN_KINDS, BAN_MODES, Ban
from ..validation import clean_text, parse_edit, read_body
from .moderation import require_moderator

bp = Blueprint("sanctions", __name__, url_prefix="/api/v1/moderation")
limiter.exempt(bp)


REASON_MAX = 500


def _text(data: dict[str, t.Any], name: str, high: int, fields: dict[str, str]) -> str | None:
    """An optional text field, cleaned; a problem goes into `fields`."""
    try:
        value = clean_text(data.get(name), multiline=True) or None
    except ValueError as e:
        fields[name] = str(e)
        return None
    if value is not None and len(value) > high:
        fields[name] = f"must be at most {high} characters"
    return value


def parse_ban(data: dict[str, t.Any]) -> bans.BanRequest:
    """A ban request from the JSON body. :raises ValidationFailed: naming every bad field."""
    fields: dict[str, str] = {}
    kind, mode, days = data.get("kind"), data.get("mode", "reject"), data.get("days")
    comment_id, value = data.get("comment_id"), data.get("value")
    if kind not in BAN_KINDS:
        fields["kind"] = f"must be one of {', '.join(BAN_KINDS)}"
    if mode not in BAN_MODES:
        fields["mode"] = f"must be one of {', '.join(BAN_MODES)}"
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= bans.DAYS_MAX):
        fields["days"] = f"must be a whole number of days, 1-{bans.DAYS_MAX}, or null (forever)"
    if comment_id is None and value is None:
        fields["comment_id"] = "give the comment whose author to ban (or a domain as value)"
    elif comment_id is not None and (isinstance(comment_id, bool)
                                     or not isinstance(comment_id, int)):
        fields["comment_id"] = "must be a comment id"
    elif value is not None and not isinstance(value, str):
        fields["value"] = "must be an email domain such as spam.example"
    reason = _text(data, "reason", REASON_MAX, fields)
    if fields:
        raise ValidationFailed(fields)
    return bans.BanRequest(kind=t.cast(str, kind), comment_id=comment_id,
                           value=value if comment_id is None else None, mode=mode, days=days,
                           reason=reason)


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
