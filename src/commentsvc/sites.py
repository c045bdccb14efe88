"""Sites: the one owner of site lookups, moderators' reach over sites, and site settings.

    site = get("blog")                        # or NotFound (404)
    site = in_reach(moderator, "blog")        # NotFound, or Forbidden (403) for another's site
    moderates(moderator, site.id)             # may this moderator act on that site?
    site, created = save_site("blog", ["https://blog.example"], moderation="first-time")
    configure("blog", max_links=3, disallowed_words=["casino"], webhook_url="https://h.example/")
    configure("blog", reader_notifications=True)   # needs SMTP_URL
    site_origins("blog")                      # ["https://blog.example"]

`configure` is the only setter of site options, for the command line and the API alike; a bad
value raises InvalidSetting, a ValidationFailed (422) whose fields name the option.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing as t
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import inspect, select

from .errors import Forbidden, NotFound, OutOfReach, ValidationFailed
from .extensions import db
from .i18n import N_
from .models import (
    ID_MAX,
    MODERATION_MODES,
    QUIET_ACTIONS,
    SITE_KEY_RE,
    Article,
    Comment,
    ModerationEvent,
    Moderator,
    Site,
    quiet_action,
)
from .privacy import keys
from .validation import check_email, check_url

MAX_DEPTH_MAX = 50  # the contract: max_depth is 1-50
WEBHOOK_URL_MAX = 500
FLAG_THRESHOLD_MAX = 1000
HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
LANG_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$")  # fr, fr-CA, zh-Hant-TW
TZ_RE = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$")


class InvalidSetting(ValidationFailed):
    """A site option that cannot be stored: 422 with the option named in `fields`."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__({option: message}, message)


def normalize_origin(value: str) -> str:
    """scheme://host[:port] in lower case, without path; default ports dropped.

    :raises ValueError: for anything that is not an http(s) origin.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) origin such as https://blog.example")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r} must be an origin only: scheme, host and port")
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _find(key: str) -> Site | None:
    if not SITE_KEY_RE.fullmatch(key):  # also keeps NUL and other junk away from the database
        return None
    return db.session.scalar(select(Site).where(Site.key == key))


def get(key: str) -> Site:
    """The site with this key.

    :raises NotFound: for an unknown site (or a string that cannot be a key).
    """
    site = _find(key)
    if site is None:
        raise NotFound(N_("There is no site %(key)s.", key=repr(key[:63])))
    return site


def site_scope(moderator: Moderator) -> list[int] | None:
    """The ids of the sites a moderator may act on; None means every site (admin)."""
    return None if moderator.is_admin else [s.id for s in moderator.sites]


def moderates(moderator: Moderator, site_id: int) -> bool:
    """Whether the moderator may act on the site with this id."""
    return moderator.is_admin or any(s.id == site_id for s in moderator.sites)


def comment_in_reach(moderator: Moderator, comment: Comment | None) -> Comment:
    """The comment, if the moderator may act on its site.

    :raises NotFound: no such comment (admins). :raises OutOfReach: for a site-scoped
        moderator, a comment of another site or none at all: the same answer either way.
    """
    if comment is None and moderator.is_admin:
        raise NotFound(N_("There is no such comment."))
    if comment is None or not moderates(moderator, comment.article.site_id):
        raise OutOfReach()  # no existence oracle
    return comment


def in_reach(moderator: Moderator, key: str) -> Site:
    """The site with this key, if the moderator may act on it.

    :raises NotFound: unknown site. :raises Forbidden: a site the moderator does not moderate.
    """
    site = get(key)
    if not moderates(moderator, site.id):
        raise Forbidden(N_("You do not moderate this site."))
    return site


def save_site(key: str, origins: list[str], moderation: str | None = None,
              name: str | None = None) -> tuple[Site, bool]:
    """Create a site, or update the origins and mode of an existing one; True if created.

    :raises ValueError: for a bad key or origin.
    """
    if not SITE_KEY_RE.match(key):
        raise ValueError("a site key is 1-63 characters of a-z, 0-9 and '-', "
                         "starting with a letter or digit")
    normalized = [normalize_origin(o) for o in origins]
    site = _find(key)
    created = site is None
    if site is None:
        site = Site(key=key, name=name or key, origins=normalized, moderation=moderation or "all")
        db.session.add(site)
    else:
        if normalized:
            site.origins = sorted(set(site.origins) | set(normalized))
        if moderation:
            site.moderation = moderation
        if name:
            site.name = name
    db.session.commit()
    return site, created


def configure(key: str, *, max_links: int | None = None,
              disallowed_words: t.Sequence[str] | None = None,
              moderation_words: t.Sequence[str] | None = None,
              blocked_emails: t.Sequence[str] | None = None,
              blocked_ip_prefixes: t.Sequence[str] | None = None,
              close_after_days: int | None = None, max_depth: int | None = None,
              webhook_url: str | None = None, moderation: str | None = None,
              spam_hold_budget: float | None = None, read_only: bool | None = None,
              quiet_hours: t.Mapping[str, t.Any] | None = None,
              flag_threshold: int | None = None, default_lang: str | None = None,
              reader_notifications: bool | None = None,
              actor: str = "cli", moderator_id: int | None = None) -> Site:
    """Store a site's rules and options and commit; None leaves an option as it is.

    A given list replaces the old one; "" as `webhook_url` removes the webhook, 0 as
    `close_after_days` keeps articles open for good, an empty mapping as `quiet_hours` and ""
    as `default_lang` remove them. The change is audited (actor, option names).

    :raises NotFound: unknown site.
    :raises InvalidSetting: a bad address, network, URL, mode or number (nothing is stored).
    """
    site = get(key)
    if max_links is not None:
        site.max_links = _in_range("max_links", "--max-links", max_links, 0, None)
    if disallowed_words is not None:
        site.disallowed_words = _word_list(disallowed_words)
    if moderation_words is not None:
        site.moderation_words = _word_list(moderation_words)
    if blocked_emails is not None:
        site.blocked_emails = _email_hashes(blocked_emails)  # no address is stored
    if blocked_ip_prefixes is not None:
        site.blocked_ip_prefixes = _networks(blocked_ip_prefixes)
    if close_after_days is not None:
        days = _in_range("close_after_days", "--close-after-days", close_after_days, 0, None)
        site.close_after_days = days or None
    if max_depth is not None:
        site.max_depth = _in_range("max_depth", "--max-depth", max_depth, 1, MAX_DEPTH_MAX)
    if webhook_url is not None:
        site.webhook_url = _webhook_url(webhook_url)
    if moderation is not None:
        if moderation not in MODERATION_MODES:
            _refuse("moderation", f"--moderation must be one of {', '.join(MODERATION_MODES)}")
        site.moderation = moderation
    if spam_hold_budget is not None:
        if isinstance(spam_hold_budget, bool) or not isinstance(spam_hold_budget, int | float) \
                or not 0.0 <= spam_hold_budget <= 1.0:
            _refuse("spam_hold_budget", N_("--spam-hold-budget must be a share between 0 and 1"))
        site.spam_hold_budget = spam_hold_budget
    if read_only is not None:
        site.read_only = _switch("read_only", "--read-only", read_only)
    if quiet_hours is not None:
        site.quiet_hours = _quiet_hours(quiet_hours) if quiet_hours else None
    if flag_threshold is not None:
        site.flag_threshold = _in_range("flag_threshold", "--flag-threshold", flag_threshold, 1,
                                        FLAG_THRESHOLD_MAX)
    if default_lang is not None:
        site.default_lang = _language(default_lang)
    if reader_notifications is not None:
        site.reader_notifications = _switch("reader_notifications", "--reader-notifications",
                                            reader_notifications)
        if site.reader_notifications and not current_app.config.get("SMTP_URL"):
            _refuse("reader_notifications",
                    N_("reader notifications need SMTP_URL: set it first"))
    state: t.Any = inspect(site)
    changed = sorted(a.key for a in state.attrs if a.history.has_changes())
    if changed:
        db.session.add(ModerationEvent(moderator_id=moderator_id, actor=actor[:100],
                                       action="settings",
                                       reason=f"{site.key}: {', '.join(changed)}"[:500]))
    db.session.commit()
    return site


@dataclasses.dataclass(frozen=True)
class Settings:
    """A site's settings as the moderation API shows them (one flat object)."""

    site: str
    name: str
    origins: list[str]
    moderation: str
    read_only: bool
    quiet_hours: dict[str, str] | None
    quiet_now: str | None  # "hold" or "close" while the quiet hours are on
    flag_threshold: int
    default_lang: str | None
    reader_notifications: bool
    spam_hold_budget: float
    max_depth: int
    max_links: int
    close_after_days: int | None

    def as_dict(self) -> dict[str, t.Any]:
        return dataclasses.asdict(self)


def settings(site: Site) -> Settings:
    """What `configure` sets, read back (no secrets: the webhook URL is left out)."""
    return Settings(site=site.key, name=site.name, origins=list(site.origins or []),
                    moderation=site.moderation, read_only=bool(site.read_only),
                    quiet_hours=dict(site.quiet_hours) if site.quiet_hours else None,
                    quiet_now=quiet_action(site), flag_threshold=site.flag_threshold,
                    default_lang=site.default_lang,
                    reader_notifications=bool(site.reader_notifications),
                    spam_hold_budget=site.spam_hold_budget, max_depth=site.max_depth,
                    max_links=site.max_links, close_after_days=site.close_after_days)


def _switch(option: str, flag: str, value: t.Any) -> bool:
    if not isinstance(value, bool):
        _refuse(option, N_("%(flag)s must be on or off (true or false)", flag=flag))
    return value


def _quiet_hours(value: t.Mapping[str, t.Any]) -> dict[str, str]:
    """{from, to, tz, action} checked: HH:MM times (different), a known time zone, hold|close."""
    if not isinstance(value, t.Mapping):
        _refuse("quiet_hours", N_("quiet_hours must be an object {from, to, tz, action} or null"))
    unknown = sorted(set(value) - {"from", "to", "tz", "action"})
    if unknown:
        _refuse("quiet_hours", N_("quiet_hours has unknown keys: %(keys)s",
                                   keys=", ".join(map(str, unknown))))
    start, end = value.get("from"), value.get("to")
    for name, given in (("from", start), ("to", end)):
        if not isinstance(given, str) or not HHMM_RE.fullmatch(given):
            _refuse("quiet_hours", N_("quiet_hours.%(name)s must be a time HH:MM (00:00-23:59), "
                                      "as in --quiet-hours 22:00-07:00", name=name))
    if start == end:
        _refuse("quiet_hours", N_("quiet_hours.from and .to must differ (use read_only to "
                                  "close all day)"))
    tz = value.get("tz") or "UTC"
    action = value.get("action") or "hold"
    if not isinstance(tz, str) or not _known_zone(tz):
        _refuse("quiet_hours", N_("quiet_hours.tz (--quiet-tz) %(tz)s is not a known time zone "
                                  "such as Europe/Berlin", tz=repr(str(tz)[:64])))
    if action not in QUIET_ACTIONS:
        _refuse("quiet_hours", N_("quiet_hours.action (--quiet-action) must be hold or close"))
    return {"from": str(start), "to": str(end), "tz": tz, "action": str(action)}


def _known_zone(name: str) -> bool:
    if len(name) > 64 or not TZ_RE.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _language(value: t.Any) -> str | None:
    if not isinstance(value, str) or (value and not LANG_RE.fullmatch(value)):
        _refuse("default_lang", N_("default_lang (--default-lang) must be a language tag such "
                                   "as fr or pt-BR ('' removes it)"))
    return value or None


def _refuse(option: str, message: str) -> t.NoReturn:
    db.session.rollback()  # nothing of a refused call stays in the session
    raise InvalidSetting(option, message)


def _in_range(option: str, flag: str, value: int, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low \
            or (high is not None and value > high):
        if high is None:  # only the command line's options have no upper bound
            _refuse(option, f"{flag} must be a whole number, {low} or more")
        _refuse(option, N_("%(flag)s must be a whole number, %(low)s-%(high)s", flag=flag,
                           low=low, high=high))
    return value


def _email_hashes(addresses: t.Sequence[str]) -> list[str]:
    k = keys()
    hashes = []
    for address in addresses:
        if address.strip():
            try:
                hashes.append(k.email_hash(check_email(address.strip())))
            except ValueError as e:
                _refuse("blocked_emails", f"--block-email {address!r}: {e}")
    return sorted(set(hashes))


def _networks(prefixes: t.Sequence[str]) -> list[str]:
    networks = []
    for prefix in prefixes:
        if prefix.strip():
            try:
                networks.append(str(ipaddress.ip_network(prefix.strip(), strict=False)))
            except ValueError:
                _refuse("blocked_ip_prefixes",
                        f"--block-ip {prefix!r} is not an IP address or network")
    return sorted(set(networks))


def _webhook_url(url: str) -> str | None:
    """The URL to store ("" and spaces only: None, no webhook)."""
    url = url.strip()
    if not url:
        return None
    problem = "is too long" if len(url) > WEBHOOK_URL_MAX else None
    if problem is None:
        try:
            check_url(url)
        except ValueError as e:
            problem = str(e)
    if problem is not None:
        _refuse("webhook_url", f"the webhook URL (--webhook-url) must be an http(s) URL of at "
                               f"most {WEBHOOK_URL_MAX} characters: it {problem}")
    return url


def _word_list(words: t.Sequence[str]) -> list[str]:
    return sorted({w.strip() for w in words if w.strip()}, key=str.casefold)


def site_origins(site_key: str) -> list[str] | None:
    """The allowed origins of a site, or None for an unknown site."""
    return db.session.scalar(select(Site.origins).where(Site.key == site_key))


def comment_site_origins(comment_id: int) -> list[str] | None:
    """The allowed origins of the site a comment belongs to, or None for an unknown comment."""
    if not 0 < comment_id <= ID_MAX:
        return None
    return db.session.scalar(
        select(Site.origins)
        .join(Article, Article.site_id == Site.id)
        .join(Comment, Comment.article_id == Article.id)
        .where(Comment.id == comment_id)
    )
