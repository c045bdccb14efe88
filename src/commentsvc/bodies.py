"""Request bodies (JSON or a plain HTML form) read strictly into a flat mapping.

    body = read_body(request)              # raises BadRequest, UnsupportedMediaType (413 first)
    body.data, body.is_form, body.typed_values()
    typed_form_values(request)             # lenient: what a refused form post held, or None

`validation` parses what is read here into typed values; this module only reads. Bodies must
be UTF-8 (invalid bytes are refused, never replaced); JSON nesting depth and the number of form
fields are bounded before anything is parsed.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import BadRequest, FormPost, UnsupportedMediaType
from .fields import shown
from .i18n import N_, nt

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
MAX_JSON_DEPTH = 20
MAX_FORM_FIELDS = 100
# The fields a re-rendered form keeps; the honeypot `fax` is never echoed back.
FORM_FIELDS = ("body", "name", "email", "url", "parent_id", "form_token", "notify")


class Body(t.NamedTuple):
    """A request body read as a flat mapping, and whether it came from a plain form.

    A named tuple, so `data, is_form = read_body(request)` keeps working for callers.
    """

    data: dict[str, t.Any]
    is_form: bool

    def typed_values(self) -> dict[str, str]:
        """What the reader typed, for re-rendering a form: strings only, never the honeypot."""
        return {k: shown(v) for k in FORM_FIELDS if isinstance(v := self.data.get(k), str)}


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
        raise BadRequest(N_("The body is not valid UTF-8.")) from None
    except (ValueError, RecursionError) as e:
        # English keeps the parser's detail; another language says what it means
        raise BadRequest(N_("The body is not valid JSON.",
                            english=f"The body is not valid JSON: {e}")) from None
    if not isinstance(data, dict):
        raise BadRequest(N_("The body must be a JSON object."))
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
        raise BadRequest(N_("The form is not valid UTF-8.")) from None
    except ValueError:
        raise BadRequest(nt("A form has at most %(num)s field.",
                            "A form has at most %(num)s fields.", MAX_FORM_FIELDS)) from None
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


def typed_form_values(request: Request) -> FormPost | None:
    """What a reader typed, read leniently for a refusal that came before the view read the form
    (the rate limiter); None for anything but a small plain form post.
    """
    if request.method != "POST" or request.mimetype not in (FORM_TYPE, "multipart/form-data"):
        return None
    if not request.content_length or request.content_length >= 65536:
        return FormPost({})
    try:
        form = request.form
        return FormPost({k: shown(form[k]) for k in FORM_FIELDS if k in form})
    except Exception:  # noqa: BLE001 - an unreadable body simply gives nothing back
        return FormPost({})
