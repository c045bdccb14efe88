"""Every input parsed once, into frozen typed values; services take these and never re-check.

    body = read_body(request)              # raises BadRequest, UnsupportedMediaType (413 first)
    sub = validate_submission(body)        # raises ValidationFailed naming every bad field
    patch = parse_moderator_patch(request) # ModeratorPatch(status, body, reason)
    bulk = parse_bulk(request)             # BulkRequest(ids, status, reason)
    status = parse_status("spam")          # a Status, or BadRequest
    key = parse_article_key(article)       # or BadRequest
    parse_edit(request), parse_selection(ids), parse_flag(data, "comments_open")
    reason, note = parse_flag_request(body)  # a reader's report

One set of rules for both body kinds. Text is NFC-normalised and trimmed, control characters
are refused (newline and tab allowed in the body), lengths are checked here so the database
never truncates, and fields not named below are ignored: nothing a client sends can set a
status, an id, a date or an address. Bodies must be UTF-8 without NUL or lone surrogates.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from flask import Request

# Re-exported: `validation` is where input is parsed; the plain checks live low, in `fields`.
from .bodies import FORM_FIELDS as FORM_FIELDS
from .bodies import Body as Body
from .bodies import read_body as read_body
from .bodies import typed_form_values as typed_form_values
from .errors import BadRequest, FormPost, ValidationFailed
from .fields import (
    BULK_MAX,
    REASON_MAX,
    check_article_key,
    check_name,
    check_status,
    notify_field,
    opaque_field,
    optional_field,
    parent_id_field,
)
from .fields import Status as Status
from .fields import check_email as check_email
from .fields import check_url as check_url
from .fields import clean_text as clean_text
from .fields import normalize_email as normalize_email
from .fields import shown as shown
from .i18n import N_, nt
from .i18n import reason as refusal
from .models import (
    ARTICLE_TITLE_MAX,
    ARTICLE_URL_MAX,
    BODY_MAX,
    EMAIL_MAX,
    FLAG_NOTE_MAX,
    FLAG_REASONS,
    NAME_MAX,
    STATUSES,
    URL_MAX,
)


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
    notify: str | None = None  # reader mail: "replies" or "all" (subscriptions.py)
    article_title: str | None = None  # the page's title and URL, kept per article
    article_url: str | None = None


@dataclass(frozen=True)
class Edit:
    body: str


def _length(fields: dict[str, str], name: str, value: str, low: int, high: int) -> None:
    if not value and low > 0:
        fields.setdefault(name, N_("is required"))
    elif len(value) > high:
        fields.setdefault(name, nt("must be at most %(num)s character",
                                   "must be at most %(num)s characters", high))


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
            fields[name] = refusal(e)
            values[name] = ""
    if "name" not in fields and isinstance(data.get("name"), str):
        try:
            check_name(data["name"])  # as sent: trimming must not hide a separator
        except ValueError as e:
            fields["name"] = refusal(e)
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
            fields["email"] = refusal(e)
    url = values["url"] or None
    for name in ("url", "article_url"):  # the page's URL: its origin is checked on submit
        if values[name] and name not in fields:
            try:
                check_url(values[name])
            except ValueError as e:
                fields[name] = refusal(e)
    parent_id = parent_id_field(data.get("parent_id"), fields)
    notify = notify_field(data.get("notify"), fields)
    opaque = {name: opaque_field(data.get(name), name, fields)
              for name in ("form_token", "fax", "return_to")}
    if fields:
        raise ValidationFailed(fields, form=FormPost(body.typed_values()) if body.is_form else None)
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
        notify=notify,
        article_title=values["article_title"] or None,
        article_url=values["article_url"] or None,
    )


def parse_edit(request: Request, form: t.Mapping[str, t.Any] | None = None) -> Edit:
    """Read an author's or moderator's new body (from `form` when a page has read it already).

    :raises ValidationFailed: when the body breaks the same rules as a new comment's.
    """
    return Edit(body=_body((read_body(request).data if form is None else form).get("body")))


def _body(value: t.Any) -> str:
    """A comment body by the rules of a new comment's (one set of rules for every edit).

    :raises ValidationFailed: {"body": reason}.
    """
    try:
        body = clean_text(value, multiline=True)
    except ValueError as e:
        raise ValidationFailed({"body": refusal(e)}) from None
    fields: dict[str, str] = {}
    _length(fields, "body", body, 1, BODY_MAX)
    if fields:
        raise ValidationFailed(fields)
    return body


def parse_status(value: t.Any, allowed: t.Sequence[str] = STATUSES) -> Status:
    """A status someone sent (JSON value or form field); `allowed` narrows it (review tabs).

    :raises BadRequest: "status must be one of ...", or "status must be a string." for JSON.
    """
    if value is not None and not isinstance(value, str):
        raise BadRequest(N_("status must be a string."))
    try:
        return check_status(value, allowed)
    except ValueError:
        raise BadRequest(N_("status must be one of %(values)s.", values=", ".join(allowed))) \
            from None


def parse_article_key(value: str) -> str:
    """An article key from a URL path.

    :raises BadRequest: longer than the column holds, or with control characters.
    """
    try:
        return check_article_key(value)
    except ValueError as e:
        raise BadRequest(N_("An article key %(problem)s.", problem=refusal(e))) from None


@dataclass(frozen=True)
class ModeratorPatch:
    """A moderator's PATCH of one comment: each part optional, each already checked."""

    status: Status | None
    body: str | None
    reason: str | None
    pinned: bool | None = None


@dataclass(frozen=True)
class BulkRequest:
    """Many comments to one status, with an optional note."""

    ids: list[int]
    status: Status
    reason: str | None
    author_of: int | None = None  # or: every comment with the address of this one


def _reason(data: dict[str, t.Any]) -> str | None:
    """An optional note for the audit trail.

    :raises ValidationFailed: not text, or too long.
    """
    fields: dict[str, str] = {}
    reason = optional_field(data, "reason", REASON_MAX, fields)
    if fields:
        raise ValidationFailed(fields)
    return reason


def parse_moderator_patch(request: Request) -> ModeratorPatch:
    """status / body / reason of a moderation PATCH.

    :raises BadRequest: a status that is not one. :raises ValidationFailed: body or reason.
    """
    data = read_body(request).data
    status = data.get("status")
    body = data.get("body")
    pinned = data.get("pinned")
    if pinned is not None and not isinstance(pinned, bool):
        raise ValidationFailed({"pinned": N_("must be true or false")})
    return ModeratorPatch(
        status=None if status is None else parse_status(status),
        body=None if body is None else _body(body),
        reason=_reason(data),
        pinned=pinned,
    )


def parse_bulk(request: Request) -> BulkRequest:
    """ids / status / reason of a JSON bulk status change.

    :raises BadRequest: no ids, too many, ids that are not comment ids, no or a bad status.
    """
    data = read_body(request).data
    if "author_of" in data:
        author_of = data["author_of"]
        if isinstance(author_of, bool) or not isinstance(author_of, int) \
                or not 0 < author_of < 2**31:
            raise ValidationFailed({"author_of": N_("must be a comment id")})
        if data.get("status") is None:
            raise BadRequest(N_("status is required."))
        return BulkRequest(ids=[], status=parse_status(data["status"]), reason=_reason(data),
                           author_of=author_of)
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids:
        raise BadRequest(N_("ids must be a non-empty list of comment ids."))
    if len(ids) > BULK_MAX:
        raise BadRequest(nt("Send at most %(num)s id at once.", "Send at most %(num)s ids at once.",
                             BULK_MAX))
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise BadRequest(N_("ids must be whole numbers naming comments."))
    if data.get("status") is None:
        raise BadRequest(N_("status is required."))
    return BulkRequest(ids=ids, status=parse_status(data["status"]), reason=_reason(data))


def parse_selection(raw: list[str]) -> list[int]:
    """The comment ids ticked on the review page (form fields `ids`).

    :raises BadRequest: none ticked, too many, or not ids.
    """
    if not raw:
        raise BadRequest(N_("Select at least one comment first."))
    if len(raw) > BULK_MAX or not all(x.isascii() and x.isdigit() and len(x) < 19 for x in raw):
        raise BadRequest(N_("The selection is not valid."))
    return [int(x) for x in raw]


def parse_flag(data: dict[str, t.Any], name: str) -> bool:
    """A required JSON true/false.

    :raises BadRequest: anything else.
    """
    value = data.get(name)
    if not isinstance(value, bool):
        raise BadRequest(N_("%(name)s must be true or false.", name=name))
    return value


# --- statistics (issue 17) --------------------------------------------------------------------

STATS_DAYS_MAX = 365


def parse_days(args: t.Mapping[str, str]) -> int:
    """?days= of the statistics: 1-365, default 30.

    :raises ValidationFailed: anything else (422, the field named).
    """
    raw = args.get("days") or "30"
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3
            and 1 <= int(raw) <= STATS_DAYS_MAX):
        raise ValidationFailed({"days": N_("must be a whole number of days, 1-%(max)s",
                                           max=STATS_DAYS_MAX)})
    return int(raw)


def parse_flag_request(body: Body) -> tuple[str, str | None]:
    """(reason, note) of a reader's report.

    :raises ValidationFailed: an unknown reason or a note over FLAG_NOTE_MAX characters.
    """
    fields: dict[str, str] = {}
    reason = body.data.get("reason")
    if reason not in FLAG_REASONS:
        fields["reason"] = N_("must be one of %(values)s", values=", ".join(FLAG_REASONS))
    note = optional_field(body.data, "note", FLAG_NOTE_MAX, fields)
    if fields:
        raise ValidationFailed(fields)
    return t.cast(str, reason), note
