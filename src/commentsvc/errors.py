"""Errors as data, and the only place they are shaped into answers.

    raise NotFound("no such site")            # -> 404 {"error": "not_found", "message": ...}
    raise ValidationFailed({"email": "..."})  # -> 422 {..., "fields": {"email": "..."}}

Views and services raise; `register_error_handlers(app)` turns every exception into the
contract's JSON shape, or into an HTML page where a browser posted a form or asked for a page.
"""

from __future__ import annotations

import logging
import typing as t
import unicodedata

from flask import Flask, Response, g, jsonify, render_template, request, url_for
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from . import i18n
from .extensions import db

log = logging.getLogger(__name__)


class ApiError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = "The request could not be understood."

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
    status, code, message = 400, "bad_request", "The request body could not be read."


class ValidationFailed(ApiError):
    status, code, message = 422, "validation_failed", "Some fields are not valid."

    def __init__(self, fields: dict[str, str], message: str | None = None, *,
                 values: dict[str, str] | None = None) -> None:
        super().__init__(message, fields=fields)
        self.values = values  # what a reader typed into a form, to give it back


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "A valid moderator token is required."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="commentsvc"'})


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "You may not do this here."


class CommentsClosed(ApiError):
    status, code, message = 403, "comments_closed", "Comments are closed on this article."


class EditWindowClosed(ApiError):
    status, code, message = 403, "edit_window_closed", "This comment can no longer be changed."


class NotFound(ApiError):
    status, code, message = 404, "not_found", "Nothing is here."


class Duplicate(ApiError):
    status, code, message = 409, "duplicate", "You already posted this comment here."


class InvalidTransition(ApiError):
    status, code, message = 409, "invalid_transition", "That status change is not allowed."


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", (
        "Send application/json or application/x-www-form-urlencoded."
    )


class TooFast(ApiError):
    status, code, message = 429, "too_fast", "Please wait a little before posting again."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})


class ServiceUnavailable(ApiError):
    status, code, message = 503, "unavailable", "The service is briefly unavailable; try again."

    def __init__(self, message: str | None = None, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


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


def wants_html() -> bool:
    """Answer with a page: a browser posted a plain form, or asked a page blueprint."""
    if request.blueprint in ("embed", "review"):
        return True
    return request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )


# Labels of the "Leave a Reply" form, as WordPress words them.
FORM_LABELS = {"body": "Comment", "name": "Name", "email": "Email", "url": "Website",
               "parent_id": "Reply to", "form_token": "Form", "return_to": "Return address"}


def shown(value: str) -> str:
    """A typed value made safe to echo in a page: unencodable or control characters replaced."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    return "".join(
        "\ufffd" if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" else ch
        for ch in value
    )


def _typed_values(values: dict[str, str] | None) -> dict[str, str]:
    """The reader's typed values: given by validation, kept by the view, or read leniently."""
    if values is not None:
        return values
    kept = g.get("typed_values")
    if kept is not None:
        return t.cast(dict[str, str], kept)
    try:  # e.g. the rate limiter answered before the view read the form
        form = request.form if request.content_length and request.content_length < 65536 else {}
        return {k: shown(form[k]) for k in FORM_LABELS if k in form and k != "return_to"}
    except Exception:  # noqa: BLE001 - an unreadable body simply gives nothing back
        return {}


def _form_page(status: int, code: str, message: str, fields: dict[str, str] | None,
               values: dict[str, str] | None) -> str:
    """The HTML answer to a plain form post: the form again with the values, or a page."""
    typed = _typed_values(values)
    return_to = g.get("return_to")  # only ever a return_to the view has checked
    if status == 422 and fields and request.endpoint == "api.submit" and return_to:
        action = url_for("api.submit", **(request.view_args or {}), lang=i18n.asked_lang())
        return render_template("comment_form_error.html", message=message, labels=FORM_LABELS,
                               fields=fields, values=typed, action=action, return_to=return_to)
    return render_template("error.html", status=status, code=code, message=message,
                           fields=fields, labels=FORM_LABELS, values=typed, return_to=return_to)


def _answer(status: int, code: str, message: str, fields: dict[str, str] | None = None,
            values: dict[str, str] | None = None) -> Response:
    message, fields = i18n.translate_answer(message, fields)  # Accept-Language; codes stay
    if wants_html():
        if request.method == "POST":
            html = _form_page(status, code, message, fields, values)
        else:
            html = render_template("error.html", status=status, code=code, message=message,
                                   fields=fields, labels=FORM_LABELS, values={}, return_to=None)
        response = Response(html, status=status, mimetype="text/html")
    else:
        body: dict[str, t.Any] = {"error": code, "message": message}
        if fields:
            body["fields"] = fields
        response = jsonify(body)
        response.status_code = status
    return response


def handle_api_error(e: ApiError) -> Response:
    if getattr(e, "html_response", None) is not None and wants_html():
        return e.html_response  # type: ignore[attr-defined, no-any-return]
    response = _answer(e.status, e.code, e.message, e.fields, getattr(e, "values", None))
    response.headers.update(e.headers)
    return response


def handle_http_exception(e: HTTPException) -> Response:
    response = e.get_response()  # keeps Allow, Retry-After, WWW-Authenticate
    status = e.code or 500
    code = _HTTP_CODES.get(status, f"http_{status}")
    message = e.description or "Request failed."
    if status == 429:
        message = "Too many comments from your address; please wait before posting again."
        if "Retry-After" not in response.headers:
            response.headers["Retry-After"] = "60"
    answer = _answer(status, code, message)
    for name, value in response.headers.items():
        if name.lower() not in ("content-type", "content-length"):
            answer.headers[name] = value
    return answer


def handle_unexpected(e: Exception) -> Response:
    db.session.rollback()
    if isinstance(e, OperationalError) or (
        isinstance(e, DBAPIError) and e.connection_invalidated
    ):
        log.error("database unavailable: %s", type(e.orig).__name__ if hasattr(e, "orig") else e)
        return handle_api_error(ServiceUnavailable("The database is briefly unavailable."))
    if isinstance(e, DataError):  # e.g. a NUL character, which PostgreSQL text cannot hold
        log.warning("database refused a value: %s", type(e.orig).__name__)
        return handle_api_error(BadRequest("The request holds a value that cannot be stored."))
    log.exception("unhandled error")
    return _answer(500, "internal_error", "Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)


class OriginNotAllowed(ApiError):
    status, code, message = 403, "origin_not_allowed", (
        "This site does not accept comments from that origin."
    )


class BadEditToken(ApiError):
    status, code, message = 403, "invalid_edit_token", (
        "The edit token is missing or does not match this comment."
    )
