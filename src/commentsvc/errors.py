"""Errors as data, and the only place they are shaped into answers.

    raise NotFound("no such site")            # -> 404 {"error": "not_found", "message": ...}
    raise ValidationFailed({"email": "..."})  # -> 422 {..., "fields": {"email": "..."}}

Views and services raise; `register_error_handlers(app, read_form)` registers one handler family
for every blueprint, turning each exception into the contract's JSON shape or into an HTML page
where a browser posted a form or asked a page blueprint. The page is the error's own
(`template`, e.g. a mail link's), else the blueprint's (`error_pages(bp, "review_error.html")`),
else error.html. A page answers as an `ErrorPageResponse` that names who may frame it; its
security headers are set after the request, in views/error_headers.py alone. What the page
needs comes as data on the error, never from `g`:

    with form_post(FormPost(typed, return_to, action)):   # errors raised inside carry it
        ...
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import re
import typing as t
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from . import i18n
from .extensions import db, retry_after
from .i18n import N_

log = logging.getLogger(__name__)

STYLE_BLOCK = re.compile(r"<style(?:\s[^>]*)?>(.*?)</style>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class FormPost:
    """What a reader typed into a plain form, given back on the error page."""

    values: dict[str, str]
    return_to: str | None = None  # only ever one the view has checked
    action: str | None = None  # where the corrected form posts again


class ApiError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = N_("The request could not be understood.")
    template: str | None = None  # a page of its own; None: the blueprint's error page
    form: FormPost | None = None  # set for errors answering a plain form post

    def page_template(self) -> str | None:
        return self.template

    def page_context(self) -> dict[str, t.Any]:
        """Extra values the error's own template needs."""
        return {}

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.fields = fields
        self.headers = headers or {}


class BadRequest(ApiError):
    status, code, message = 400, "bad_request", N_("The request body could not be read.")


class ValidationFailed(ApiError):
    status, code, message = 422, "validation_failed", N_("Some fields are not valid.")

    def __init__(self, fields: dict[str, str], message: str | None = None, *,
                 form: FormPost | None = None) -> None:
        super().__init__(message, fields=fields)
        self.form = form

    def page_template(self) -> str | None:
        """The form again, with the typed values and each problem, where it can post again."""
        if self.fields and self.form and self.form.action and self.form.return_to:
            return "comment_form_error.html"
        return self.template


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", N_("A valid moderator token is required.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="commentsvc"'})


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", N_("You may not do this here.")


class OutOfReach(Forbidden):
    """A comment id outside a site-scoped moderator's sites, whether or not it exists."""

    message = N_("You may not act on this comment.")


class CommentsClosed(ApiError):
    status, code, message = 403, "comments_closed", N_("Comments are closed on this article.")


class NotFound(ApiError):
    status, code, message = 404, "not_found", N_("Nothing is here.")


class Duplicate(ApiError):
    status, code, message = 409, "duplicate", N_("You already posted this comment here.")


class InvalidTransition(ApiError):
    status, code, message = 409, "invalid_transition", N_("That status change is not allowed.")


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", (
        N_("Send application/json or application/x-www-form-urlencoded.")
    )


class TooFast(ApiError):
    status, code, message = 429, "too_fast", N_("Please wait a little before posting again.")

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})


class ServiceUnavailable(ApiError):
    status, code, message = 503, "unavailable", N_("The service is briefly unavailable; try again.")

    def __init__(self, message: str | None = None, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class InternalError(ApiError):
    status, code, message = 500, "internal_error", N_("Something went wrong on our side.")


class HttpError(ApiError):
    """A refusal by werkzeug or a Flask extension (routing, 413, the rate limiter), as data."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, _HTTP_CODES.get(status, f"http_{status}")


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


@contextlib.contextmanager
def form_post(form: FormPost | None) -> t.Iterator[None]:
    """Errors raised inside answer this plain form post: they carry what the reader typed."""
    try:
        yield
    except ApiError as e:
        if form is not None:
            e.form = form
        raise


@dataclass(frozen=True)
class ErrorPages:
    """How a page blueprint shows errors: its template, what that needs, and JSON for fetch()."""

    template: str = "error.html"
    context: t.Callable[[], dict[str, t.Any]] | None = None
    json_if_asked: bool = False  # Accept preferring application/json gets the JSON shape


_PAGES: dict[str, ErrorPages] = {}


def error_pages(bp: Blueprint, template: str = "error.html",
                context: t.Callable[[], dict[str, t.Any]] | None = None,
                json_if_asked: bool = False) -> None:
    """Make `bp` a page blueprint: its errors are HTML pages rendered from `template`."""
    _PAGES[bp.name] = ErrorPages(template, context, json_if_asked)


def asks_json() -> bool:
    """The client prefers JSON to HTML (a page's own fetch() calls)."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == \
        "application/json"


def wants_html() -> bool:
    """Answer with a page: a browser posted a plain form, or asked a page blueprint."""
    pages = _PAGES.get(request.blueprint or "")
    if pages is not None:
        return not (pages.json_if_asked and asks_json())
    return request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )


def style_hashes(html: str) -> list[str]:
    """CSP sources for a page's own inline <style> blocks, so no 'unsafe-inline' is needed."""
    return ["'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
            for block in STYLE_BLOCK.findall(html)]


class ErrorPageResponse(Response):
    """An HTML error page, and who besides this service may frame it (`framers`: origins;
    none, the default: no one). Its security headers are set in one place, after the request:
    `views.error_headers.secure`."""

    framers: tuple[str, ...] = ()


class _Handlers:
    """The one handler family; `read_form` gives back a refused form post's typed values
    when the refusal came before the view read them (the rate limiter, a body too large);
    `page_framers` says who may frame an HTML error page for this request (a form post from
    the no-JavaScript page is answered inside the site's iframe, so the site may frame it)."""

    def __init__(self, read_form: t.Callable[[t.Any], FormPost | None],
                 page_framers: t.Callable[[], t.Sequence[str]]) -> None:
        self.read_form = read_form
        self.page_framers = page_framers

    def answer(self, e: ApiError) -> Response:
        message, fields = i18n.translate_answer(e.message, e.fields)  # Accept-Language; codes stay
        own = e.page_template()  # an error with a page of its own is always that page
        if own is not None or wants_html():
            pages = _PAGES.get(request.blueprint or "", ErrorPages())
            form = e.form or self.read_form(request)
            values = form.values if form else {}
            html = render_template(
                own or pages.template, status=e.status, code=e.code,
                message=message, fields=fields, values=values,
                return_to=form.return_to if form else None, action=form.action if form else None,
                **(pages.context() if pages.context else {}), **e.page_context(),
            )
            page = ErrorPageResponse(html, status=e.status, mimetype="text/html")
            page.framers = tuple(self.page_framers())
            response: Response = page
        else:
            body: dict[str, t.Any] = {"error": e.code, "message": message}
            if fields:
                body["fields"] = fields
            response = jsonify(body)
            response.status_code = e.status
        response.headers.update(e.headers)
        # the words follow Accept-Language and the form (page or JSON) follows Accept: a cache
        # in front (a CDN told to keep 404s) must not give one reader another's answer
        response.vary.update(("Accept", "Accept-Language"))
        return response

    def api_error(self, e: ApiError) -> Response:
        return self.answer(e)

    def http_exception(self, e: HTTPException) -> Response:
        response = e.get_response()  # keeps Allow, Retry-After, WWW-Authenticate
        status = e.code or 500
        message = e.description or "Request failed."
        if status == 429:
            message = N_("Too many comments from your address; please wait before posting again.")
            if "Retry-After" not in response.headers:
                response.headers["Retry-After"] = str(retry_after())
        answer = self.answer(HttpError(status, message))
        for name, value in response.headers.items():
            if name.lower() not in ("content-type", "content-length"):
                answer.headers[name] = value
        return answer

    def unexpected(self, e: Exception) -> Response:
        db.session.rollback()
        if isinstance(e, OperationalError) or (
            isinstance(e, DBAPIError) and e.connection_invalidated
        ):
            log.error("database unavailable: %s",
                      type(e.orig).__name__ if hasattr(e, "orig") else e)
            return self.answer(ServiceUnavailable(N_("The database is briefly unavailable.")))
        if isinstance(e, DataError):  # e.g. a NUL character, which PostgreSQL text cannot hold
            log.warning("database refused a value: %s", type(e.orig).__name__)
            return self.answer(BadRequest(N_("The request holds a value that cannot be stored.")))
        log.exception("unhandled error")
        return self.answer(InternalError())


def register_error_handlers(
    app: Flask, read_form: t.Callable[[t.Any], FormPost | None] = lambda request: None,
    page_framers: t.Callable[[], t.Sequence[str]] = tuple,
) -> None:
    """One handler family for every blueprint (see `error_pages` for a blueprint's page);
    `page_framers()`: the origins that may frame this request's error page (default: none)."""
    handlers = _Handlers(read_form, page_framers)
    app.register_error_handler(ApiError, handlers.api_error)
    app.register_error_handler(HTTPException, handlers.http_exception)
    app.register_error_handler(Exception, handlers.unexpected)


class OriginNotAllowed(ApiError):
    status, code, message = 403, "origin_not_allowed", (
        N_("This site does not accept comments from that origin.")
    )


class BadEditToken(ApiError):
    """A wrong token, a closed edit window, an unknown or withdrawn id: one answer for all."""

    status, code, message = 403, "invalid_edit_token", (
        N_("This comment cannot be changed with this edit token (or no longer can be).")
    )
