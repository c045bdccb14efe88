"""Field checks every layer shares: text, addresses, statuses, article keys. Low and plain.

    clean_text(value, multiline=True)     # NFC, trimmed; ValueError(N_("contains a NUL character"))
    optional_text(note, 500)              # cleaned text or None; ValueError when too long
    check_name("Ana")                     # the name, or ValueError (bidi controls, invisible-only)
    check_url("https://ana.example/")     # the URL, or ValueError
    check_email("Ana@Example.ORG")        # email-validator's normal form, or ValueError
    normalize_email(" ana@x.org ")        # lenient: the normal form, or the address as given
    check_status("spam")                  # a Status, or ValueError("must be one of ...")
    check_article_key(key)                # the key, or ValueError

Each check raises ValueError with a reason a person can read; callers decide how a refusal is
answered (a 400/422 in `validation`, an ImportFailed in the importers, a CLI error). This module
imports nothing of the project above `models`, so importers, retention and services can use it
without pulling in request handling.
"""

from __future__ import annotations

import re
import typing as t
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from .i18n import N_, nt
from .i18n import reason as refusal
from .models import ARTICLE_KEY_MAX, STATUSES, SUBSCRIPTION_SCOPES

Status = t.Literal["pending", "approved", "spam", "rejected", "deleted"]

# Unicode's control characters (category Cc) are these 65, and its stability policy keeps the
# set closed; a regex scans a comment ~7x faster than a category look-up per character.
_CONTROL = {False: re.compile(r"[\x00-\x1f\x7f-\x9f]"),
            True: re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")}  # multiline: tab and LF pass
_SURROGATE = re.compile(r"[\ud800-\udfff]")

BULK_MAX = 200  # ids in one bulk status change
REASON_MAX = 500  # characters of a moderator's note
OPTIONAL_MAX = 2000  # form_token, fax, return_to: opaque strings, bounded


def clean_text(value: t.Any, *, multiline: bool = False) -> str:
    """NFC-normalise and trim a text value; CRLF and CR become LF in multiline text.

    :raises ValueError: with the reason, for non-strings and forbidden characters.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(N_("must be text"))
    if _SURROGATE.search(value):
        raise ValueError(N_("contains invalid characters (lone surrogates)"))
    if "\x00" in value:
        raise ValueError(N_("contains a NUL character"))
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    if _CONTROL[multiline].search(value):
        raise ValueError(N_("contains control characters"))
    return value.strip()


def optional_text(value: t.Any, high: int) -> str | None:
    """Optional multiline text (a note, a reason), cleaned; None when blank.

    :raises ValueError: not text, forbidden characters, or longer than `high`.
    """
    text = clean_text(value, multiline=True)
    if len(text) > high:
        raise ValueError(nt("must be at most %(num)s character",
                            "must be at most %(num)s characters", high))
    return text or None



def optional_field(data: t.Mapping[str, t.Any], name: str, high: int,
                   fields: dict[str, str]) -> str | None:
    """`optional_text` of data[name]; a refusal is noted in `fields` under `name`."""
    try:
        return optional_text(data.get(name), high)
    except ValueError as e:
        fields[name] = refusal(e)
        return None

# Characters that reorder text around them (bidi embeddings, overrides, isolates, marks):
# in a name they can turn the page's own words around ("Cancel reply"). Line and paragraph
# separators break lines where none may be; tag characters are invisible.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\u2028\u2029")
# Shown as nothing though not formatting characters: Hangul fillers, the blank braille cell.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")


def check_name(value: str) -> str:
    """A display name people can see: no bidi controls, line separators or tag characters,
    and not made only of invisible characters (U+200B, U+FEFF, U+3164, U+2800, U+00AD, ...).

    :raises ValueError: with the reason.
    """
    if any(ch in BIDI_CONTROLS for ch in value):
        raise ValueError(N_("must not contain text direction controls"))
    if any(ch in LINE_BREAKS for ch in value):
        raise ValueError(N_("must not contain line or paragraph separators"))
    if any("\U000e0000" <= ch <= "\U000e007f" for ch in value):
        raise ValueError(N_("must not contain invisible tag characters"))
    if value.strip() and all(ch in BLANKS or ch.isspace()
                     or unicodedata.category(ch) in ("Cf", "Mn", "Me", "Zs", "Co", "Cn")
                     for ch in value):
        raise ValueError(N_("must contain visible characters"))
    return value


def shown(value: str) -> str:
    """A typed value made safe to echo in a page: unencodable or control characters replaced."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    return "".join(
        "\ufffd" if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" else ch
        for ch in value
    )


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host and no user part, checked after parsing.

    :raises ValueError: otherwise.
    """
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError(N_("must not contain spaces or control characters"))
    if "\\" in value:
        raise ValueError(N_("must not contain backslashes"))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError(N_("is not a valid web address")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(N_("must be an http:// or https:// address"))
    if not value.lower().startswith(f"{parts.scheme}://"):
        raise ValueError(N_("must be an http:// or https:// address"))
    if parts.username is not None or parts.password is not None:
        raise ValueError(N_("must not contain a user name or password"))
    return value


def check_email(value: str, *, dns: bool | None = None) -> str:
    """The address normalised by email-validator (special-use domains refused).

    `dns=None` follows the app's EMAIL_CHECK_DELIVERABILITY; `dns=False` checks syntax only
    (and needs no app).

    :raises ValueError: with email-validator's reason.
    """
    if dns is None:
        dns = bool(current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    timeout = int(current_app.config["EMAIL_DNS_TIMEOUT"]) if dns else None
    try:
        result = validate_email(value, check_deliverability=dns, timeout=timeout,
                                test_environment=False)
    except EmailNotValidError as e:
        raise ValueError(N_("is not a valid email address", english=str(e))) from None
    return str(result.normalized)


def normalize_email(address: str) -> str:
    """The address as submissions store it (syntax only, no DNS), or trimmed as given.

    Lenient on purpose: imported or legacy addresses must still match what was hashed.
    """
    text = address.strip()
    try:
        return check_email(text, dns=False)
    except ValueError:
        return text


def check_status(value: t.Any, allowed: t.Sequence[str] = STATUSES) -> Status:
    """One of the comment statuses (or of `allowed`, a subset).

    :raises ValueError: "must be one of pending, approved, ..." otherwise.
    """
    if not isinstance(value, str) or value not in allowed or value not in STATUSES:
        raise ValueError(f"must be one of {', '.join(allowed)}")
    return t.cast(Status, value)


def check_article_key(value: str) -> str:
    """An article key as the columns hold it: non-empty, at most ARTICLE_KEY_MAX characters,
    no control characters or lone surrogates.

    :raises ValueError: otherwise.
    """
    if not value:
        raise ValueError(N_("is required"))
    if len(value) > ARTICLE_KEY_MAX:
        raise ValueError(nt("is at most %(num)s character", "is at most %(num)s characters",
                            ARTICLE_KEY_MAX))
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError(N_("may not hold control characters"))
    return value


# Optional fields of a submission, for `validation`: a problem goes into `fields`.

def parent_id_field(value: t.Any, fields: dict[str, str]) -> int | None:
    """None for no parent (absent, null, "" or 0 as WordPress forms send); else a positive id."""
    if isinstance(value, bool):
        fields["parent_id"] = N_("must be a comment id (a whole number)")
        return None
    if value is None or value == "" or (type(value) in (int, str) and str(value) == "0"):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and 0 < value < 2**63:
        return value
    fields["parent_id"] = N_("must be a comment id (a whole number)")
    return None


def notify_field(value: t.Any, fields: dict[str, str]) -> str | None:
    """The reader-mail choice: absent, null or "" for none; else "replies" or "all"."""
    if value is None or value == "":
        return None
    if value in SUBSCRIPTION_SCOPES:
        return str(value)
    fields["notify"] = N_("must be replies or all")
    return None


def opaque_field(value: t.Any, name: str, fields: dict[str, str]) -> str | None:
    """An optional opaque string: bounded, UTF-8 clean, without control characters. The
    honeypot (`fax`) is "filled" for any value at all, blanks too, and never refused: it is
    never named to the sender."""
    if value is None or value == "":
        return None
    if name == "fax":
        return "filled"
    try:
        text = clean_text(value)
    except ValueError as e:
        fields[name] = refusal(e)
        return None
    if len(text) > OPTIONAL_MAX:
        fields[name] = nt("must be at most %(num)s character",
                          "must be at most %(num)s characters", OPTIONAL_MAX)
        return None
    return text or None
