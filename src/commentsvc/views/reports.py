"""Readers report comments: POST /api/v1/comments/{id}/flags, rate-limited like submissions.

A plain form post (the no-JavaScript page) with a `return_to` on the site is answered with a
redirect back to the comment; JSON is answered `202`.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, redirect, request

from .. import flags, sites
from ..errors import ValidationFailed
from ..extensions import limiter
from ..models import FLAG_NOTE_MAX, FLAG_REASONS
from ..privacy import keys
from ..validation import Body, clean_text, read_body
from . import cors
from .api import checked_return_to, own_origins, submit_limit

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
bp.before_request(cors.refuse_foreign_origin)
bp.after_request(cors.add_cors_headers)


def parse_report(body: Body) -> tuple[str, str | None]:
    """(reason, note) of a reader's report.

    :raises ValidationFailed: an unknown reason or a note over FLAG_NOTE_MAX characters.
    """
    data = body.data
    fields: dict[str, str] = {}
    reason = data.get("reason")
    if reason not in FLAG_REASONS:
        fields["reason"] = f"must be one of {', '.join(FLAG_REASONS)}"
    note: str | None = None
    try:
        note = clean_text(data.get("note"), multiline=True) or None
    except ValueError as e:
        fields["note"] = str(e)
    if note is not None and len(note) > FLAG_NOTE_MAX:
        fields["note"] = f"must be at most {FLAG_NOTE_MAX} characters"
    if fields:
        raise ValidationFailed(fields)
    return t.cast(str, reason), note


@bp.post("/comments/<int:comment_id>/flags")
@limiter.limit(submit_limit)
def report(comment_id: int) -> t.Any:
    body = read_body(request)
    reason, note = parse_report(body)
    return_to = None
    if body.is_form and body.data.get("return_to"):
        origins = sites.comment_site_origins(comment_id) or []
        return_to = checked_return_to(body.data.get("return_to"), origins, own_origins())
    reader = keys().ip_hash(request.remote_addr or "unknown")
    flags.report(comment_id, reader, reason, note)
    if return_to is not None:
        return redirect(return_to.split("#")[0] + f"#comment-{comment_id}", 303)
    return {"status": "received"}, 202
