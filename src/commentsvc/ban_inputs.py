"""A moderator's ban, parsed: from the moderation API's JSON body or the review page's form.

    ban = parse_ban(data)                 # BanRequest(kind, comment_id, value, mode, days, reason)
    ban = parse_ban(form, form=True)      # the review page's text fields ("30" -> 30, "" -> None)
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from .errors import ValidationFailed
from .fields import REASON_MAX, optional_field
from .i18n import N_
from .models import BAN_KINDS, BAN_MODES

BAN_DAYS_MAX = 3650


@dataclass(frozen=True)
class BanRequest:
    """A moderator's ban, parsed: the author of a comment, or a domain given by value."""

    kind: str
    comment_id: int | None = None
    value: str | None = None
    mode: str = "reject"
    days: int | None = None
    reason: str | None = None


def _number(value: t.Any) -> t.Any:
    """A review-page field as JSON carries it: blank is absent, plain digits a number."""
    text = value.strip() if isinstance(value, str) else value
    return int(text) if isinstance(text, str) and re.fullmatch(r"[0-9]{1,9}", text) \
        else text or None


def parse_ban(data: t.Mapping[str, t.Any], form: bool = False) -> BanRequest:
    """A ban from a JSON body (`form`: the review page's text fields).

    :raises ValidationFailed: naming every bad field.
    """
    if form:
        data = {k: _number(data.get(k)) if k in ("days", "comment_id") else data.get(k)
                for k in ("kind", "mode", "days", "comment_id", "value", "reason")}
    fields: dict[str, str] = {}
    kind, mode, days = data.get("kind"), data.get("mode", "reject"), data.get("days")
    comment_id, value = data.get("comment_id"), data.get("value")
    if kind not in BAN_KINDS:
        fields["kind"] = N_("must be one of %(values)s", values=", ".join(BAN_KINDS))
    if mode not in BAN_MODES:
        fields["mode"] = N_("must be one of %(values)s", values=", ".join(BAN_MODES))
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= BAN_DAYS_MAX):
        fields["days"] = N_("must be a whole number of days, 1-%(max)s, or null (forever)",
                            max=BAN_DAYS_MAX)
    if comment_id is None and value is None:
        fields["comment_id"] = N_("give the comment whose author to ban (or a domain as value)")
    elif comment_id is not None and (isinstance(comment_id, bool)
                                     or not isinstance(comment_id, int)):
        fields["comment_id"] = N_("must be a comment id")
    elif value is not None and not isinstance(value, str):
        fields["value"] = N_("must be an email domain such as spam.example")
    reason = optional_field(data, "reason", REASON_MAX, fields)
    if fields:
        raise ValidationFailed(fields)
    return BanRequest(kind=t.cast(str, kind), comment_id=comment_id,
                      value=value if comment_id is None else None, mode=mode, days=days,
                      reason=reason)
