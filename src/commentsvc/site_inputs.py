"""Inputs of the site switches (issue 17): the moderation API's PATCH body and the review
page's settings form, turned into keywords for `sites.configure` (which checks the values).

    options = parse_site_patch(request)     # JSON; unknown names and misplaced nulls: 422
    options = parse_site_form(request.form) # the review page's panel
"""

from __future__ import annotations

import typing as t

from flask import Request

from .bodies import read_body
from .errors import ValidationFailed
from .i18n import N_

SITE_SWITCHES = ("read_only", "quiet_hours", "flag_threshold", "default_lang",
                 "reader_notifications", "spam_hold_budget", "max_depth")


def parse_site_patch(request: Request) -> dict[str, t.Any]:
    """The options of PATCH /moderation/sites/{site}, as keywords for sites.configure.

    Values are checked by sites.configure (one place, the command line's too); here only the
    names, and null where it means "remove": quiet_hours -> {}, default_lang -> "".

    :raises ValidationFailed: an unknown option, or null where no option takes it.
    """
    data, _ = read_body(request)
    fields: dict[str, str] = {}
    options: dict[str, t.Any] = {}
    for name, value in data.items():
        if name not in SITE_SWITCHES:
            fields[str(name)[:64]] = N_("unknown setting; known: %(names)s",
                                         names=", ".join(SITE_SWITCHES))
        elif value is None and name == "quiet_hours":
            options[name] = {}
        elif value is None and name == "default_lang":
            options[name] = ""
        elif value is None:
            fields[name] = N_("must not be null")
        else:
            options[name] = value
    if fields:
        raise ValidationFailed(fields)
    return options


def parse_site_form(form: t.Mapping[str, str]) -> dict[str, t.Any]:
    """The review page's settings panel (a form: unticked boxes are absent) as keywords for
    sites.configure; numbers that are not numbers are a 422 naming the field."""
    fields: dict[str, str] = {}
    options: dict[str, t.Any] = {
        "read_only": form.get("read_only") == "on",
        "reader_notifications": form.get("reader_notifications") == "on",
        "default_lang": (form.get("default_lang") or "").strip(),
        "quiet_hours": {},
    }
    if form.get("quiet") == "on":
        options["quiet_hours"] = {"from": form.get("quiet_from", ""),
                                  "to": form.get("quiet_to", ""),
                                  "tz": (form.get("quiet_tz") or "").strip() or "UTC",
                                  "action": form.get("quiet_action") or "hold"}
    for name, kind in (("flag_threshold", int), ("max_depth", int), ("spam_hold_budget", float)):
        raw = (form.get(name) or "").strip()
        if not raw:
            continue
        try:
            options[name] = kind(raw[:20])
        except ValueError:
            fields[name] = N_("must be a number")
    if fields:
        raise ValidationFailed(fields, N_("Some settings are not numbers."))
    return options
