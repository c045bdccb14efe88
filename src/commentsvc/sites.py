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

import ipaddress
import typing as t
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from .errors import Forbidden, NotFound, ValidationFailed
from .extensions import db
from .models import ID_MAX, MODERATION_MODES, SITE_KEY_RE, Article, Comment, Moderator, Site
from .privacy import keys
from .validation import check_email, check_url

MAX_DEPTH_MAX = 50  # the contract: max_depth is 1-50
WEBHOOK_URL_MAX = 500


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
        raise NotFound(f"There is no site {key[:63]!r}.")
    return site


def site_scope(moderator: Moderator) -> list[int] | None:
    """The ids of the sites a moderator may act on; None means every site (admin)."""
    return None if moderator.is_admin else [s.id for s in moderator.sites]


def moderates(moderator: Moderator, site_id: int) -> bool:
    """Whether the moderator may act on the site with this id."""
    return moderator.is_admin or any(s.id == site_id for s in moderator.sites)


def in_reach(moderator: Moderator, key: str) -> Site:
    """The site with this key, if the moderator may act on it.

    :raises NotFound: unknown site. :raises Forbidden: a site the moderator does not moderate.
    """
    site = get(key)
    if not moderates(moderator, site.id):
        raise Forbidden("You do not moderate this site.")
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
              spam_hold_budget: float | None = None,
              reader_notifications: bool | None = None) -> Site:
    """Store a site's rules and options and commit; None leaves an option as it is.

    A given list replaces the old one; "" as `webhook_url` removes the webhook and 0 as
    `close_after_days` keeps articles open for good.

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
            _refuse("spam_hold_budget", "--spam-hold-budget must be a share between 0 and 1")
        site.spam_hold_budget = spam_hold_budget
    if reader_notifications is not None:
        if reader_notifications and not current_app.config.get("SMTP_URL"):
            _refuse("reader_notifications", "reader notifications need SMTP_URL: set it first")
        site.reader_notifications = bool(reader_notifications)
    db.session.commit()
    return site


def _refuse(option: str, message: str) -> t.NoReturn:
    db.session.rollback()  # nothing of a refused call stays in the session
    raise InvalidSetting(option, message)


def _in_range(option: str, flag: str, value: int, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low \
            or (high is not None and value > high):
        bounds = f"{low}-{high}" if high is not None else f"{low} or more"
        _refuse(option, f"{flag} must be a whole number, {bounds}")
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
