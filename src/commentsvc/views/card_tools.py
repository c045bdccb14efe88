"""The review page's card tools (issue 17): pin, reply as staff, ban the author and, when
asked, reject all their comments on the site. Each returns the line the page shows.

The moderator acts from the comment: the author's address never reaches the page.
"""

from __future__ import annotations

import typing as t

from flask import g, request
from flask_babel import gettext, ngettext

from .. import bans, i18n, moderation, staff
from ..ban_inputs import parse_ban
from ..validation import parse_edit

# The field a refusal without a field name belongs to, and the labels fields are named by.
FIRST_FIELD = {"pin": "pinned", "reply": "body", "ban": "days"}
FIELD_LABELS = {"pinned": i18n.N_("Pin as editors' pick"), "body": i18n.N_("Reply as staff"),
                "kind": i18n.N_("Ban by"), "days": i18n.N_("Days (empty: no end)"),
                "mode": i18n.N_("Their next comments"), "reason": i18n.N_("Reason"),
                "comment_id": i18n.N_("Ban author")}


def pin(comment_id: int) -> str:
    pinned = request.form.get("pinned") == "1"
    moderation.update_comment(g.moderator, comment_id, pinned=pinned)
    return (gettext("Comment %(id)s is pinned as an editors' pick.", id=comment_id) if pinned
            else gettext("Comment %(id)s is no longer pinned.", id=comment_id))


def reply(comment_id: int) -> str:
    staff.reply(g.moderator, comment_id, parse_edit(request, request.form).body)
    return gettext("Your staff reply to comment %(id)s is published.", id=comment_id)


def ban(comment_id: int) -> str:
    """Ban from the comment; with "reject_all" ticked, then reject every comment on the site
    with the same address (moderation.bulk_author_of), say how many and keep their ids in
    g.rejected_ids (the page's script takes those cards off a tab they no longer belong to)."""
    comment = moderation.get_comment(g.moderator, comment_id)
    site = comment.article.site.key
    req = parse_ban({**request.form.to_dict(), "comment_id": str(comment_id), "value": None},
                    form=True)  # banned from the comment: the moderator never sees the address
    bans.create(g.moderator, site, req)
    if request.form.get("reject_all") != "1":
        return gettext("The author of comment %(id)s is banned.", id=comment_id)
    rejected = moderation.bulk_author_of(g.moderator, comment_id, "rejected", req.reason)
    g.rejected_ids = bans.same_author_ids(comment)
    return ngettext("The author of comment %(id)s is banned; %(num)s of their comments is "
                    "now rejected.", "The author of comment %(id)s is banned; %(num)s of "
                    "their comments are now rejected.", rejected, id=comment_id)


TOOLS: dict[str, t.Callable[[int], str]] = {"pin": pin, "reply": reply, "ban": ban}
