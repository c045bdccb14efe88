"""One-click links from moderator mail: GET confirms (changes nothing), POST acts.

Mail scanners fetch links to check them, so a GET only shows what the link would do and a
button; the button POSTs the token in the form body. The signed token is the capability, so
this POST needs no session or CSRF token.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, render_template, request
from flask_babel import gettext

from .. import mail_actions
from ..i18n import N_
from ..notify import links

bp = Blueprint("mail_actions", __name__, url_prefix="/moderate/mail")

# English here, shown in the moderator's language (Accept-Language), as the review page is.
QUESTIONS = {"approve": N_("Approve this comment?"), "reject": N_("Reject this comment?"),
             "spam": N_("Mark this comment as spam?")}
VERBS = {"approve": N_("Approve"), "reject": N_("Reject"), "spam": N_("Mark as spam")}
DONE = {"approve": N_("Comment approved"), "reject": N_("Comment rejected"),
        "spam": N_("Comment marked as spam")}
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex"}


@bp.get("/<token>")
def confirm(token: str) -> t.Any:
    target = mail_actions.check(token)
    return render_template("notify/action.html", title=gettext(QUESTIONS[target.action]),
                           target=target, confirm=True, token=token,
                           verb=gettext(VERBS[target.action])), 200, HEADERS


@bp.post("/")
def act() -> t.Any:
    token = request.form.get("token", "")
    if not token:
        raise links.LinkForged(N_("The form carried no link token. Open the link from the mail "
                                  "again."))
    target = mail_actions.act(token)
    return render_template("notify/action.html", title=gettext(DONE[target.action]),
                           target=target,
                           message=gettext("Done, %(name)s.", name=target.moderator.name)
                           ), 200, HEADERS
