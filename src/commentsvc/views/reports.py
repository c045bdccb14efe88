"""Readers report comments: POST /api/v1/comments/{id}/flags, rate-limited like submissions.

A plain form post (the no-JavaScript page) with a `return_to` on the site is answered with a
redirect back to the comment; JSON is answered `202`.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, redirect, request

from .. import flags, sites
from ..extensions import limiter
from ..privacy import keys
from ..validation import parse_flag_request, read_body
from . import cors
from .api import checked_return_to, own_origins, submit_limit

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
bp.before_request(cors.refuse_foreign_origin)
bp.after_request(cors.add_cors_headers)


@bp.post("/comments/<int:comment_id>/flags")
@limiter.limit(submit_limit)
def report(comment_id: int) -> t.Any:
    body = read_body(request)
    reason, note = parse_flag_request(body)
    return_to = None
    if body.is_form and body.data.get("return_to"):
        origins = sites.comment_site_origins(comment_id) or []
        return_to = checked_return_to(body.data.get("return_to"), origins, own_origins())
    reader = keys().ip_hash(request.remote_addr or "unknown")
    flags.report(comment_id, reader, reason, note)
    if return_to is not None:
        return redirect(return_to.split("#")[0] + f"#comment-{comment_id}", 303)
    return {"status": "received"}, 202
