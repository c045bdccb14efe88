"""Submission bodies (JSON or a plain HTML form) -> a frozen Submission, or ValidationFailed.

    body = read_body(request)              # raises BadRequest, UnsupportedMediaType (413 first)
    sub = validate_submission(body)        # raises ValidationFailed naming every bad field

One set of rules for both body kinds. Text is NFC-normalised and trimmed, control characters
are refused (newline and tab allowed in the body), lengths are checked here so the database
never truncates, and fields not named below are ignored: nothing a client sends can set a
status, an id, a date or an address. Bodies must be UTF-8: invalid bytes, NUL and lone
surrogates are refused before anything reaches a database.
"""

from __future__ import annotations

import json
import typing as t
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import BadRequest, UnsupportedMediaType, ValidationFailed, shown
from .models import ARTICLE_TITLE_MAX, ARTICLE_URL_MAX, BODY_MAX, EMAIL_MAX, NAME_MAX, URL_MAX

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
MAX_JSON_DEPTH = 20
MAX_FORM_FIELDS = 100
OPTIONAL_MAX = 2000  # form_token, fax, return_to: opaque strings, bounded
# The fields a re-rendered form keeps; the honeypot `fax` is never echoed back.
FORM_FIELDS = ("body", "name", "email", "url", "parent_id", "form_token")


class Body(t.NamedTuple):
    """A request body read as a flat mapping, and whether it came from a plain form.

    A named tuple, so `data, is_form = read_body(request)` keeps working for callers.
    """

    data: dict[str, t.Any]
    is_form: bool

    def typed_values(self) -> dict[str, str]:
        """What the reader typed, for re-rendering a form: strings only, never the honeypot."""
        return {k: shown(v) for k in FORM_FIELDS if isinstance(v := self.data.get(k), str)}


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
    article_title: str | None = None  # the page's title and URL, kept per article
    article_url: str | None = None


@dataclass(frozen=True)
class Edit:
    body: str


def read_body(request: Request) -> Body:
    """Read a JSON or urlencoded body strictly.

    :raises UnsupportedMediaType: for other content types or a charset other than UTF-8.
    :raises BadRequest: for malformed JSON, invalid UTF-8, or a JSON value that is not an object.
    """
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype not in (FORM_TYPE, JSON_TYPE) or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType()
    raw = _read_raw(request)
    if request.mimetype == FORM_TYPE:
        return Body(_parse_form(raw), True)
    try:
        text = raw.decode("utf-8")
        _check_depth(text)
        data = json.loads(text)
    except UnicodeDecodeError:
        raise BadRequest("The body is not valid UTF-8.") from None
    except (ValueError, RecursionError) as e:
        raise BadRequest(f"The body is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return Body(data, False)


def _read_raw(request: Request) -> bytes:
    """The body, refused with 413 above MAX_CONTENT_LENGTH before it is read into memory.

    With a Content-Length werkzeug refuses at once. A chunked body has none, and werkzeug's
    limited stream would stop quietly at the limit (a truncated comment, accepted): read
    one byte past the limit instead, and refuse when it is there.
    """
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return request.get_data(cache=True)
    stream = request.environ["wsgi.input"] if request.environ.get("wsgi.input_terminated") \
        else request.stream
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(parts)


def _parse_form(raw: bytes) -> dict[str, t.Any]:
    """Decode a urlencoded body, refusing invalid UTF-8 rather than replacing it."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                          errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise BadRequest("The form is not valid UTF-8.") from None
    except ValueError:
        raise BadRequest(f"A form has at most {MAX_FORM_FIELDS} fields.") from None
    data: dict[str, t.Any] = {}
    for key, value in pairs:
        data.setdefault(key, value)  # the first value of a repeated field counts
    return data


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
    """NFC-normalise and trim a text value; CRLF and CR become LF in multiline text.

    :raises ValueError: with the reason, for non-strings and forbidden characters.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("contains invalid characters (lone surrogates)")
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    allowed = "\n\t" if multiline else ""
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            raise ValueError("contains control characters")
    return value.strip()


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host and no user part, checked after parsing.

    :raises ValueError: otherwise.
    """
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain spaces or control characters")
    if "\\" in value:
        raise ValueError("must not contain backslashes")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError("is not a valid web address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address")
    if not value.lower().startswith(f"{parts.scheme}://"):
        raise ValueError("must be an http:// or https:// address")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password")
    return value


def check_email(value: str) -> str:
    """The address normalised by email-validator (special-use domains refused).

    :raises ValueError: with email-validator's reason.
    """
    config = current_app.config
    deliverability = bool(config["EMAIL_CHECK_DELIVERABILITY"])
    try:
        result = validate_email(
            value,
            check_deliverability=deliverability,
            timeout=int(config["EMAIL_DNS_TIMEOUT"]) if deliverability else None,
            test_environment=False,
        )
    except EmailNotValidError as e:
        raise ValueError(str(e)) from None
    return str(result.normalized)


def _length(fields: dict[str, str], name: str, value: str, low: int, high: int) -> None:
    if not value and low > 0:
        fields.setdefault(name, "is required")
    elif len(value) > high:
        fields.setdefault(name, f"must be at most {high} characters")


def validate_submission(body: Body) -> Submission:
    """Validate a new comment against the contract's field rules.

    :raises ValidationFailed: naming every bad field (with the typed values for forms).
    """
    data = body.data
    fields: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, multiline in (("name", False), ("email", False), ("url", False), ("body", True),
                            ("article_title", False), ("article_url", False)):
        try:
            values[name] = clean_text(data.get(name), multiline=multiline)
        except ValueError as e:
            fields[name] = str(e)
            values[name] = ""
    _length(fields, "name", values["name"], 1, NAME_MAX)
    _length(fields, "email", values["email"], 1, EMAIL_MAX)
    _length(fields, "url", values["url"], 0, URL_MAX)
    _length(fields, "body", values["body"], 1, BODY_MAX)
    _length(fields, "article_title", values["article_title"], 0, ARTICLE_TITLE_MAX)
    _length(fields, "article_url", values["article_url"], 0, ARTICLE_URL_MAX)
    email = values["email"]
    if "email" not in fields:
        try:
            email = check_email(email)
        except ValueError as e:
            fields["email"] = str(e)
    url = values["url"] or None
    for name in ("url", "article_url"):  # the page's URL: its origin is checked on submit
        if values[name] and name not in fields:
            try:
                check_url(values[name])
            except ValueError as e:
                fields[name] = str(e)
    parent_id = _parent_id(data.get("parent_id"), fields)
    opaque = {name: _opaque(data.get(name), name, fields)
              for name in ("form_token", "fax", "return_to")}
    if fields:
        raise ValidationFailed(fields, values=body.typed_values() if body.is_form else None)
    return Submission(
        name=values["name"],
        email=email,
        url=url,
        body=values["body"],
        parent_id=parent_id,
        form_token=opaque["form_token"],
        honeypot=opaque["fax"] or "",
        return_to=opaque["return_to"] if body.is_form else None,
        is_form=body.is_form,
        article_title=values["article_title"] or None,
        article_url=values["article_url"] or None,
    )



def parse_submission(request: Request) -> Submission:
    """Read and validate a new comment in one step."""
    return validate_submission(read_body(request))


def _parent_id(value: t.Any, fields: dict[str, str]) -> int | None:
    """None for no parent (absent, null, "" or 0 as WordPress forms send); else a positive id."""
    if isinstance(value, bool):
        fields["parent_id"] = "must be a comment id (a whole number)"
        return None
    if value is None or value == "" or (type(value) in (int, str) and str(value) == "0"):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    fields["parent_id"] = "must be a comment id (a whole number)"
    return None


def _opaque(value: t.Any, name: str, fields: dict[str, str]) -> str | None:
    """An optional opaque string: bounded, UTF-8 clean, without control characters."""
    if value is None or value == "":
        return None
    try:
        text = clean_text(value)
    except ValueError as e:
        if name == "fax":
            return "filled"  # any value marks spam; the honeypot is never named to the sender
        fields[name] = str(e)
        return None
    if len(text) > OPTIONAL_MAX:
        if name == "fax":
            return "filled"
        fields[name] = f"must be at most {OPTIONAL_MAX} characters"
        return None
    return text or None


def parse_edit(request: Request) -> Edit:
    """Read an author's or moderator's new body.

    :raises ValidationFailed: when the body breaks the same rules as a new comment's.
    """
    data = read_body(request).data
    try:
        body = clean_text(data.get("body"), multiline=True)
    except ValueError as e:
        raise ValidationFailed({"body": str(e)}) from None
    fields: dict[str, str] = {}
    _length(fields, "body", body, 1, BODY_MAX)
    if fields:
        raise ValidationFailed(fields)
    return Edit(body=body)


# --- paging of thread reads -------------------------------------------------------------------

PAGE_MAX = 1_000_000
PER_PAGE_MAX = 200
PER_PAGE_DEFAULT = 50
ORDERS = ("oldest", "newest")


@dataclass(frozen=True)
class Paging:
    """Which page of top-level comments to read: page ≥ 1, per_page 1–200, oldest|newest."""

    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    order: str = "oldest"


def _whole_number(args: t.Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    return min(max(value, low), high)


def parse_paging(args: t.Mapping[str, str]) -> Paging:
    """?page=&per_page=&order= of the JSON read: numbers out of range are clamped.

    :raises BadRequest: a number that is not a whole number, an order other than oldest|newest.
    """
    page = _whole_number(args, "page", 1, 1, PAGE_MAX)
    per_page = _whole_number(args, "per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    order = args.get("order", "oldest")
    if order not in ORDERS:
        raise BadRequest("order must be oldest or newest.")
    return Paging(page, per_page, order)


def link_number(args: t.Mapping[str, str], name: str) -> int | None:
    """A number from one of the no-JavaScript page's own links (?page=, ?replytocom=): plain
    digits, at most 9 of them; anything else is None (the page is shown as if it were absent)."""
    raw = args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def parse_page_link(args: t.Mapping[str, str], per_page: int) -> Paging:
    """The no-JavaScript page's ?page=: oldest first, a fixed page size, junk reads as page 1."""
    return Paging(min(max(1, link_number(args, "page") or 1), PAGE_MAX), per_page, "oldest")
