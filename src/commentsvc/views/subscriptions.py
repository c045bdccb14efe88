"""Links in reader mail: confirm a subscription, unsubscribe (RFC 8058), manage subscriptions.

GET never changes anything (mail scanners follow links): it shows a page with a button, and
the button POSTs to the same address. The signed token in the path is the capability, so these
forms need no session or CSRF token: another site cannot forge a POST without the token. The
one-click `POST /u/TOKEN` answers 200 with a page, never a redirect (RFC 8058).
"""

from __future__ import annotations

import typing as t

from flask import Blueprint, render_template, request

from .. import i18n, subscriptions
from ..errors import BadRequest
from ..i18n import gettext as _
from ..notify import links, reader_links

bp = Blueprint("subscriptions", __name__)

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "form-action 'self'; frame-ancestors 'none'"}


def _page(title: str, status: int = 200, **context: t.Any) -> t.Any:
    return render_template("subscriptions.html", title=title, _=_, **context), status, HEADERS


@bp.errorhandler(links.LinkError)
def link_error(e: links.LinkError) -> t.Any:
    return _page(_(e.title), e.status, message=i18n.translate_answer(e.message, None)[0])


@bp.get("/subscriptions/confirm/<token>")
def confirm_page(token: str) -> t.Any:
    confirmation = subscriptions.pending(token)
    if confirmation.confirmed_at is not None:
        return _page(_("Your subscription is confirmed"),
                     manage_url=reader_links.manage_url(confirmation.id))
    return _page(_("Confirm your subscription"), action=request.path,
                 button=_("Yes, send me follow-up comments by email"),
                 message=_("Press the button to receive new comments by email. You can stop "
                           "them at any time with the link in every mail."))


@bp.post("/subscriptions/confirm/<token>")
def confirm(token: str) -> t.Any:
    confirmation = subscriptions.confirm(token)
    return _page(_("Your subscription is confirmed"),
                 message=_("You will receive new comments by email."),
                 manage_url=reader_links.manage_url(confirmation.id))


@bp.get("/u/<token>")
def unsubscribe_page(token: str) -> t.Any:
    manage = reader_links.manage_url(subscriptions.manage_id(token))
    return _page(_("Unsubscribe?"), action=request.path, button=_("Unsubscribe"),
                 message=_("Press the button to stop these mails."), manage_url=manage)


@bp.post("/u/<token>")
def unsubscribe(token: str) -> t.Any:
    listing = subscriptions.unsubscribe(token)
    return _page(_("You are unsubscribed"), message=_("You will receive no more of these mails."),
                 manage_url=reader_links.manage_url(listing.confirmation_id))


@bp.get("/subscriptions/manage/<token>")
def manage(token: str) -> t.Any:
    listing = subscriptions.manage(token)
    return _page(_("Your subscriptions on %(site)s", site=listing.site_name), listing=listing,
                 action=request.path)


@bp.post("/subscriptions/manage/<token>")
def manage_change(token: str) -> t.Any:
    choice = request.form.get("subscription", "")
    if choice != "all" and not (choice.isascii() and choice.isdigit() and len(choice) < 10):
        raise BadRequest(i18n.N_("Choose a subscription, or all of them."))
    listing = subscriptions.unsubscribe_from(token, None if choice == "all" else int(choice))
    return _page(_("Your subscriptions on %(site)s", site=listing.site_name), listing=listing,
                 action=request.path, message=_("Unsubscribed."))
