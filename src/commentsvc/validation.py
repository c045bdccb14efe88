"""Submission bodies (JSON or a plain HTML form) -> a frozen Submission, or ValidationFailed.

    sub = parse_submission(request)   # raises BadRequest, UnsupportedMediaType, ValidationFailed

One set of rules for both body kinds. Text is NFC-normalised and trimmed, control characters
are refused, lengths are checked here so the database never truncates, and fields not named
below are ignored: nothing a client sends can set a status, an id, a date or an address.
"""

from __future__ import annotations

import json
import typing as t
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import Request, current_app

from .errors import BadRequest, UnsupportedMediaType, ValidationFailed
from .models import BODY_MAX, EMAIL_MAX, NAME_MAX, URL_MAX

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_JSON_DEPTH = 20


@dataclass(frozen=True)
class Submission:
    name: str
    email: str  # normalised by email-validator
    url: str | None
    body: str
    parent_id: int | None
    form_token: str | None
    honeypot: str
    return_to: str | None
    is_form: bool


@dataclass(frozen=True)
class Edit:
    body: str


def read_body(request: Request) -> tuple[dict[str, t.Any], bool]:
    """The body as a flat mapping, and whether it came from a plain form.

    :raises UnsupportedMediaType: for other content types.
    :raises BadRequest: for malformed JSON or a JSON value that is not an object.
    """
    if request.mimetype in FORM_TYPES:
        return {k: request.form.get(k) for k in request.form}, True
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
        _check_depth(text)
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise BadRequest(f"The body is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data, False


def _check_depth(text: str) -> None:
    """Refuse absurdly nested JSON before parsing it."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        elif ch in "]}":
            depth -= 1


def clean_text(value: t.Any, *, multiline: bool = False) -> str:
    """NFC-normalise and trim a text value.

    :raises ValueError: with the reason, for non-strings and forbidden characters.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains invalid characters") from None
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    allowed = "\n\t" if multiline else ""
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            raise ValueError("contains control characters")
    return value.strip()


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host, checked after parsing.

    :raises ValueError: otherwise.
    """
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise ValueError("must be an http:// or https:// address")
    return value


def check_email(value: str) -> str:
    """The normalised address.

    :raises ValueError: with email-validator's reason.
    """
    config = current_app.config
    try:
        result = validate_email(
            value,
            check_deliverability=bool(config["EMAIL_CHECK_DELIVERABILITY"]),
            timeout=config["EMAIL_DNS_TIMEOUT"],
        )
    except EmailNotValidError as e:
        raise ValueError(str(e)) from None
    return result.normalized


def _length(fields: dict[str, str], name: str, value: str, low: int, high: int) -> None:
    if not value and low > 0:
        fields.setdefault(name, "is required")
    elif len(value) > high:
        fields.setdefault(name, f"must be at most {high} characters")


def parse_submission(request: Request) -> Submission:
    """Read and validate a new comment.

    :raises ValidationFailed: naming every bad field.
    """
    data, is_form = read_body(request)
    fields: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, multiline in (("name", False), ("email", False), ("url", False), ("body", True)):
        try:
            values[name] = clean_text(data.get(name), multiline=multiline)
        except ValueError as e:
            fields[name] = str(e)
            values[name] = ""
    _length(fields, "name", values["name"], 1, NAME_MAX)
    _length(fields, "email", values["email"], 1, EMAIL_MAX)
    _length(fields, "url", values["url"], 0, URL_MAX)
    _length(fields, "body", values["body"], 1, BODY_MAX)
    email = values["email"]
    if "email" not in fields:
        try:
            email = check_email(email)
        except ValueError as e:
            fields["email"] = str(e)
    url = values["url"] or None
    if url and "url" not in fields:
        try:
            url = check_url(url)
        except ValueError as e:
            fields["url"] = str(e)
    parent_id = _parent_id(data.get("parent_id"), fields)
    if fields:
        raise ValidationFailed(fields)
    return Submission(
        name=values["name"],
        email=email,
        url=url,
        body=values["body"],
        parent_id=parent_id,
        form_token=_optional_str(data.get("form_token")),
        honeypot=_optional_str(data.get("fax")) or "",
        return_to=_optional_str(data.get("return_to")) if is_form else None,
        is_form=is_form,
    )


def _parent_id(value: t.Any, fields: dict[str, str]) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, bool):
        fields["parent_id"] = "must be a comment id"
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    fields["parent_id"] = "must be a comment id"
    return None


def _optional_str(value: t.Any) -> str | None:
    if isinstance(value, str) and value:
        return value[:2000]
    return None


def parse_edit(request: Request) -> Edit:
    """Read an author's or moderator's new body.

    :raises ValidationFailed: when the body breaks the same rules as a new comment's.
    """
    data, _ = read_body(request)
    try:
        body = clean_text(data.get("body"), multiline=True)
    except ValueError as e:
        raise ValidationFailed({"body": str(e)}) from None
    fields: dict[str, str] = {}
    _length(fields, "body", body, 1, BODY_MAX)
    if fields:
        raise ValidationFailed(fields)
    return Edit(body=body)
