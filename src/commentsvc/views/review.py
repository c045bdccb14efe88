"""The moderators' review page at /moderate/: token login, a session cookie, CSRF-checked forms.

    GET  /moderate/?status=pending&site=demo    the queue as cards (or the login form)
    POST /moderate/login                        token -> session cookie (HttpOnly, SameSite=Lax)
    POST /moderate/comments/7/status            status=approved (JSON for fetch, else 303 back)
    POST /moderate/sites/demo/settings          the settings panel (site switches)
    POST /moderate/comments/7/pin|reply|ban     a card's tools; GET /moderate/bans: bans, masked

Sessions are stored server side (review_sessions.py): after login the cookie holds only a
random id, so logout and `moderator revoke` end the session at once. SameSite=Lax, not
Strict, so the "Open the review page" link in a notification mail arrives logged in; every
POST carries the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`).
Before login the signed cookie holds only the login form's CSRF token.
The page never holds the bearer token: it acts through these routes, which call moderation.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
import typing as t

from babel.dates import format_timedelta
from flask import (
    Blueprint,
    Response,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale, gettext

from .. import (
    bans,
    clock,
    context,
    i18n,
    moderation,
    review_sessions,
    serialize,
    sites,
    staff,
    stats,
)
from ..ban_inputs import BAN_DAYS_MAX
from ..errors import Forbidden, InvalidTransition, Unauthorized, ValidationFailed, asks_json
from ..extensions import limiter
from ..models import Moderator
from ..render import sanitize_html
from ..site_inputs import parse_site_form
from ..validation import parse_selection, parse_status
from . import card_tools

bp = Blueprint("review", __name__, url_prefix="/moderate")

TABS = ("pending", "spam", "approved", "rejected")
# English here, translated where shown (`_(labels[s])`); N_ marks them for the catalogue.
LABELS = {"pending": i18n.N_("Pending"), "spam": i18n.N_("Spam"),
          "approved": i18n.N_("Approved"), "rejected": i18n.N_("Rejected"),
          "reported": i18n.N_("Reported")}
VERBS = {"approved": i18n.N_("Approve"), "spam": i18n.N_("Spam"),
         "rejected": i18n.N_("Reject"), "pending": i18n.N_("Unpublish")}
BULK_VERBS = {"approved": i18n.N_("Approve selected"), "spam": i18n.N_("Spam selected"),
              "rejected": i18n.N_("Reject selected"), "pending": i18n.N_("Unpublish selected")}
EMPTY = {"pending": i18n.N_("Nothing pending here."), "spam": i18n.N_("Nothing spam here."),
         "approved": i18n.N_("Nothing approved here."),
         "rejected": i18n.N_("Nothing rejected here."),
         "reported": i18n.N_("Nothing reported here.")}
VIEWS = (*TABS, "reported")  # the Reported tab: comments with unresolved reader reports
# Bulk actions of the Reported tab ("approved" keeps a published comment and settles reports).
BULK_TO = {**moderation.TRANSITIONS, "reported": frozenset({"approved", "spam", "rejected"})}
PAGE_SIZE = 25
CHART_DAYS = 14
CHART_HEIGHT = 60
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@bp.record_once
def _cookie_settings(state: BlueprintSetupState) -> None:
    """HttpOnly; SameSite=Lax (a mail link arrives logged in); HTTPS-only when served so."""
    app = state.app
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    public_url = str(app.config.get("PUBLIC_URL") or "")
    if app.config.get("ENV") == "production" or public_url.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True


@bp.before_request
def _moderators_language() -> None:
    """Without an Accept-Language we ship, the page speaks its site's default_lang: the site
    shown, or the one default language all of the moderator's sites share."""
    if i18n.match(request.args.get("lang")) or i18n.best_accepted():
        return  # the request names a language we ship: no need to read the moderator's sites
    moderator = current_moderator()
    if moderator is None:
        return
    reach = moderation.moderator_sites(moderator)
    shown = [s for s in reach if s.key == request.args.get("site")] or reach
    langs = {s.default_lang for s in shown if s.default_lang}
    if len(langs) == 1:
        g.fallback_lang = langs.pop()


@bp.context_processor
def _script_texts() -> dict[str, t.Any]:
    return {"review_strings": i18n.review_strings}


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def live_session() -> review_sessions.LiveSession | None:
    """The request's logged-in session, looked up once; a dead id is dropped from the cookie."""
    if "review_session" not in g:
        sid = session.get("sid")
        g.review_session = review_sessions.find(sid) if sid else None
        if sid and g.review_session is None:
            session.pop("sid", None)
            g.review_session_ended = True  # the cookie named a session that is over
    return t.cast("review_sessions.LiveSession | None", g.review_session)


def csrf_token() -> str:
    """This session's CSRF token: the stored session's, or before login the signed cookie's."""
    live = live_session()
    if live is not None:
        return live.csrf
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


@bp.before_request
def _check_csrf() -> None:
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    live = live_session()  # may have run already (the language hook) and dropped a dead id
    if live is None and request.endpoint == "review.logout":
        return None  # not logged in: logging out changes nothing, so there is nothing to guard
    if live is None and g.get("review_session_ended") and request.endpoint != "review.login":
        raise Unauthorized(i18n.N_("Your session has ended; log in again."))
    expected = live.csrf if live is not None else session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden(i18n.N_("This form has expired or did not come from this page. "
                                "Reload the page and try again."))


def current_moderator() -> Moderator | None:
    live = live_session()
    return live.moderator if live is not None else None


def login_required(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """Let the request through with a live session (g.moderator); else back to the login form."""

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        moderator = current_moderator()
        if moderator is None:
            if asks_json() or request.method == "POST":
                raise Unauthorized(i18n.N_("Your session has ended; log in again."))
            return redirect(url_for(".index"))
        g.moderator = moderator
        return view(*args, **kwargs)

    return wrapped


def error_context() -> dict[str, t.Any]:
    """What review_error.html needs besides the error: the page's CSRF token."""
    return {"csrf": csrf_token()}


def age(iso: str | None, now: dt.datetime | None = None) -> str:
    """'5 minutes ago' for a card, in the page's language (review.js keeps it current)."""
    if not iso:
        return ""
    then = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    seconds = max(1, int(((now or clock.now()) - then).total_seconds()))  # a clock ahead: 1 s
    return format_timedelta(dt.timedelta(seconds=-seconds), add_direction=True, threshold=1,
                            locale=str(get_locale() or i18n.SOURCE_LOCALE))


def chart(figures: stats.Figures) -> list[dict[str, t.Any]]:
    """Bars of the figures chart: per day the submitted height and the decided share."""
    top = max([d.submitted for d in figures.days] + [1])
    return [{"date": d.date, "x": i * 12, "submitted": d.submitted, "decided":
             d.approved + d.rejected + d.spam,
             "h": round(CHART_HEIGHT * d.submitted / top)} for i, d in enumerate(figures.days)]


def _site_panel(site: str | None) -> tuple[sites.Settings | None, stats.Figures]:
    """The settings of the site shown (one chosen, or the moderator's only one) and figures."""
    reach = moderation.moderator_sites(g.moderator)
    chosen = sites.in_reach(g.moderator, site) if site else (reach[0] if len(reach) == 1
                                                             else None)
    scope = [chosen.id] if chosen else sites.site_scope(g.moderator)
    settings = sites.settings(chosen) if chosen else None
    return settings, stats.figures(scope, CHART_DAYS)


def _page(revealed: dict[int, str | None] | None = None, message: str | None = None,
          code: int = 200, problem: dict[str, t.Any] | None = None) -> t.Any:
    view = request.args.get("status") or request.form.get("tab") or "pending"
    reported = view == "reported"  # the Reported tab: unresolved reader reports, any status
    status = "reported" if reported else parse_status(view, TABS)
    site = request.args.get("site") or request.form.get("site") or None
    settings, figures = _site_panel(site)
    page = moderation.list_queue(g.moderator, status=None if reported else parse_status(view),
                                 site_key=site, article_key=None, limit=PAGE_SIZE,
                                 cursor=request.args.get("cursor") or None, flagged=reported)
    items = context.moderation_items(page.items)  # with flags, the parent's lines, history
    for item in items:
        item["body_html"] = sanitize_html(item["body_html"])  # stored sanitised; checked again
    return render_template(
        "review.html", moderator=g.moderator, items=items, status=status, site=site,
        next_cursor=page.next_cursor, counts=moderation.status_counts(g.moderator, site),
        sites=moderation.moderator_sites(g.moderator), tabs=VIEWS, labels=LABELS, verbs=VERBS,
        bulk_verbs=BULK_VERBS, empty=EMPTY,
        transitions=BULK_TO, revealed=revealed or {}, age=age,
        csrf=csrf_token(), settings=settings, figures=figures, bars=chart(figures),
        chart_height=CHART_HEIGHT, message=message or " ".join(map(str, get_flashed_messages())),
        problem=problem or {}, pins_max=staff.PINS_MAX, days_max=BAN_DAYS_MAX,
    ), code


@bp.get("/")
def index() -> t.Any:
    moderator = current_moderator()
    if moderator is None:
        return render_template("review_login.html", csrf=csrf_token(), error=None)
    g.moderator = moderator
    return _page()


@bp.post("/login")
@limiter.limit("20 per minute")
def login() -> t.Any:
    token = (request.form.get("token") or "").strip()
    moderator = moderation.authenticate(token) if len(token) <= 200 else None
    if moderator is None:
        error = gettext("That token is not valid. Check it and try again.")
        return render_template("review_login.html", csrf=csrf_token(), error=error), 401
    review_sessions.end(session.get("sid"))  # a login replaces any session this browser had
    opened = review_sessions.start(moderator)
    session.clear()  # a new id and CSRF token: nothing from before the login survives
    session["sid"] = opened.id
    g.pop("review_session", None)
    return redirect(url_for(".index"), 303)


@bp.get("/login")
def login_form() -> t.Any:
    return redirect(url_for(".index"), 303)


@bp.post("/logout")
def logout() -> t.Any:
    review_sessions.end(session.get("sid"))  # the old cookie opens nothing, wherever it is
    session.clear()
    return redirect(url_for(".index"), 303)


def _back(anchor: str | None = None) -> t.Any:
    tab = request.form.get("tab")
    site = request.form.get("site") or None
    return redirect(url_for(".index", status=tab if tab in VIEWS else None, site=site,
                            _anchor=anchor), 303)


def _counts() -> dict[str, int]:
    return moderation.status_counts(g.moderator, request.form.get("site") or None)


@bp.post("/comments/<int:comment_id>/status")
@login_required
def set_status(comment_id: int) -> t.Any:
    status = parse_status(request.form.get("status") or "")
    comment = moderation.update_comment(g.moderator, comment_id, status=status)
    if asks_json():
        return {"id": comment.id, "status": comment.status, "counts": _counts()}
    return _back()


@bp.post("/comments/<int:comment_id>/reveal")
@login_required
def reveal(comment_id: int) -> t.Any:
    email = serialize.revealed_email(moderation.reveal_email(g.moderator, comment_id))["email"]
    if asks_json():
        return {"email": email}
    return _page(revealed={comment_id: email or gettext("no address stored")})


@bp.post("/bulk")
@login_required
def bulk() -> t.Any:
    status = parse_status(request.form.get("status") or "")
    if not request.form.getlist("ids") and not asks_json():
        return _page(message=gettext("Tick at least one comment first, then choose the action."),
                     code=422)  # answered in place: the queue again, with the message
    ids = parse_selection(request.form.getlist("ids"))
    updated = moderation.bulk_status(g.moderator, ids, status)
    if asks_json():
        return {"updated": updated, "counts": _counts()}
    return _back()


@bp.post("/sites/<site>/settings")
@login_required
def site_settings(site: str) -> t.Any:
    key = sites.in_reach(g.moderator, site).key
    options = parse_site_form(request.form)
    configured = sites.configure(key, actor=g.moderator.name, moderator_id=g.moderator.id,
                                 **options)
    if asks_json():
        return sites.settings(configured).as_dict()
    return redirect(url_for(".index", site=site, status=request.form.get("tab") or None,
                            _anchor="settings"), 303)


# The card's newsroom tools (card_tools.py), plain forms (POST, then back to the tab with a
# notice); a mistake is answered in place: the queue again, the field named (422/409).
@bp.post("/comments/<int:comment_id>/<any(pin, reply, ban):tool>")
@login_required
def card_tool(comment_id: int, tool: str) -> t.Any:
    try:
        done = card_tools.TOOLS[tool](comment_id)
    except (ValidationFailed, InvalidTransition) as e:
        if asks_json():
            raise  # the page's script names the field itself
        message, fields = i18n.translate_answer(e.message, e.fields)  # as an error answer would
        fields = fields or {card_tools.FIRST_FIELD[tool]: message}
        labels = card_tools.FIELD_LABELS
        shown = " · ".join(f"{gettext(labels.get(k, k))}: {v}" for k, v in fields.items())
        return _page(problem={"id": comment_id, "tool": tool, "values": request.form,
                              "fields": fields, "shown": shown}, code=e.status,
                     message=gettext("Comment %(id)s: nothing was done.", id=comment_id)
                     + " " + shown)
    if asks_json():
        return {"message": done, "counts": _counts(), "rejected": g.get("rejected_ids", [])}
    flash(done)
    return _back(anchor=f"comment-{comment_id}")  # back at the card


@bp.get("/bans")
@login_required
def bans_page() -> t.Any:
    site = request.args.get("site") or None
    shown = [sites.in_reach(g.moderator, site)] if site else moderation.moderator_sites(g.moderator)
    return render_template("review_bans.html", moderator=g.moderator, csrf=csrf_token(),
                           listing=[(s.key, bans.active(g.moderator, s.key)) for s in shown],
                           site=site, message=" ".join(map(str, get_flashed_messages())))


@bp.post("/bans/<int:ban_id>/lift")
@login_required
def lift_ban(ban_id: int) -> t.Any:
    bans.remove(g.moderator, ban_id)
    flash(gettext("The ban is lifted."))
    return redirect(url_for(".bans_page", site=request.form.get("site") or None), 303)
