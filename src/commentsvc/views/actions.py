"""One-click links from moderator mail: GET confirms (changes nothing), POST acts.

Mail scanners fetch links to check them, so a GET only shows what the link would do and a
button; the button POSTs the token in the form body. The signed token is the capability, so
this POST needs no session or CSRF token.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, render_template, request

from .. import mail_actions
from ..notify import links

bp = Blueprint("mail_actions", __name__, url_prefix="/moderate/mail")

VERBS = {"approve": "Approve", "reject": "Reject", "spam": "Mark as spam"}
DONE = {"approve": "Comment approved", "reject": "Comment rejected",
        "spam": "Comment marked as spam"}
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex"}


@bp.get("/<token>")
def confirm(token: str) -> t.Any:
    target = mail_actions.check(token)
    verb = VERBS[target.action]
    return render_template("notify/action.html", title=f"{verb} this comment?", target=target,
                           confirm=True, token=token, verb=verb), 200, HEADERS


@bp.post("/")
def act() -> t.Any:
    token = request.form.get("token", "")
    if not token:
        raise links.LinkForged("The form carried no link token. Open the link from the mail again.")
    target = mail_actions.act(token)
    return render_template("notify/action.html", title=DONE[target.action], target=target,
                           message=f"Done, {target.moderator.name}."), 200, HEADERS
