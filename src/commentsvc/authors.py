"""What the author of a comment may do with it afterwards: edit or withdraw, within the window.

    comment = edit(comment_id, token, new_body)   # through the checks of a new comment
    withdraw(comment_id, token)                    # status "deleted", fingerprint cleared

The edit token handed out at submission is the only credential; its SHA-256 is stored. Both
window is EDIT_WINDOW_SECONDS from creation, read against `clock.now()`. Both
changes keep `article.approved_count` and `article.version` right through `bump_article`, in
the same transaction as the change and its audit event.
"""

from __future__ import annotations

import datetime as dt
import hmac

from flask import current_app
from sqlalchemy.exc import IntegrityError

from . import clock
from .comments import bump_article, fingerprint, shadow
from .errors import BadEditToken, Duplicate
from .extensions import db
from .models import ID_MAX, Comment, Decoy, ModerationEvent
from .privacy import keys
from .render import render_body
from .spam.checks import Context
from .spam.pipeline import Verdict, score_submission
from .validation import Submission


def _own_comment(comment_id: int, token: str | None, at: dt.datetime) -> Comment:
    """The comment, if the token is its edit token and the window is open.

    :raises BadEditToken: unknown or withdrawn comment, missing or wrong token, or after
        EDIT_WINDOW_SECONDS: the same answer for each, so nothing is learnt by trying ids.
    """
    comment = db.session.get(Comment, comment_id) if 0 < comment_id <= ID_MAX else None
    expected = comment.edit_token_hash if comment is not None else None
    good = hmac.compare_digest(keys().token_hash(token or ""), expected or "-")
    if comment is None or not token or not good or comment.status == "deleted":
        raise BadEditToken()
    window = dt.timedelta(seconds=int(current_app.config["EDIT_WINDOW_SECONDS"]))
    if at > comment.created_at + window:
        raise BadEditToken()
    return comment


def _own_decoy(comment_id: int, token: str | None, at: dt.datetime) -> Decoy | None:
    """The decoy with this id, if the token is its edit token and its window is open (a decoy
    answers its token exactly as a held comment would; see `comments._decoy`)."""
    decoy = db.session.get(Decoy, comment_id) if 0 < comment_id <= ID_MAX else None
    if decoy is None or decoy.withdrawn or not token or not hmac.compare_digest(
            keys().token_hash(token), decoy.edit_token_hash):
        return None
    window = dt.timedelta(seconds=int(current_app.config["EDIT_WINDOW_SECONDS"]))
    return decoy if at <= decoy.created_at + window else None


def _status_after_edit(comment: Comment, body: str) -> tuple[str, Verdict]:
    """Run the new text through the same spam checks and moderation policy as a new comment.

    Spam becomes spam, a held finding holds, an approved comment on a pre-moderated site goes
    back to pending; spam and rejected comments stay so (an edit never promotes)."""
    site = comment.article.site
    k = keys()
    email = k.decrypt(comment.email_cipher) if comment.email_cipher else None
    sub = Submission(name=comment.author_name, email=email or "", url=comment.author_url,
                     body=body, parent_id=comment.parent_id, form_token=None, honeypot="",
                     return_to=None, is_form=False)
    ctx = Context(site=site, email_hash=comment.email_hash or "", ip_prefix=comment.ip_prefix,
                  ip_hash=comment.ip_hash, user_agent=comment.user_agent,
                  extra={"article": comment.article.key, "edit": True,
                         "email_hashes": k.email_hashes(email) if email else []})
    verdict = score_submission(sub, ctx)
    was = comment.status
    if was not in ("approved", "pending"):
        return was, verdict
    if verdict.spam:
        return "spam", verdict
    if verdict.flagged or (was == "approved" and site.moderation == "all"):
        return "pending", verdict
    return was, verdict


def edit(comment_id: int, token: str | None, body: str) -> Comment:
    """Replace the body, through the same checks as a new comment (see `_status_after_edit`).

    :raises Duplicate: the author already posted this text on the article.
    """
    at = clock.now()
    decoy = _own_decoy(comment_id, token, at)
    if decoy is not None:
        decoy.body_fingerprint = fingerprint(body)
        db.session.commit()
        return shadow(decoy, body, edited_at=at)
    comment = _own_comment(comment_id, token, at)
    was = comment.status
    to, verdict = _status_after_edit(comment, body)
    comment.body = body
    comment.body_html = render_body(body)
    comment.body_fingerprint = fingerprint(body)
    comment.edited_at = at
    comment.status = to
    comment.spam_score = verdict.score
    comment.spam_reasons = verdict.reasons
    try:
        db.session.flush()
    except IntegrityError:  # the (article, email, text) rule: one person, one text
        db.session.rollback()
        raise Duplicate() from None
    db.session.add(ModerationEvent(comment_id=comment.id, actor="author", action="edit",
                                   from_status=was, to_status=to,
                                   reason=", ".join(verdict.reasons) or None))
    if was == "approved":
        bump_article(comment.article_id, -1 if to != "approved" else 0)
    db.session.commit()
    return comment


def withdraw(comment_id: int, token: str | None) -> None:
    """Withdraw the comment: status deleted, so the same text may be posted again."""
    at = clock.now()
    decoy = _own_decoy(comment_id, token, at)
    if decoy is not None:
        decoy.withdrawn = True
        decoy.body_fingerprint = None
        db.session.commit()
        return
    comment = _own_comment(comment_id, token, at)
    was = comment.status
    comment.status = "deleted"
    comment.body_fingerprint = None
    db.session.add(ModerationEvent(comment_id=comment.id, actor="author", action="withdraw",
                                   from_status=was, to_status="deleted"))
    if was == "approved":
        bump_article(comment.article_id, -1)
    db.session.commit()
