"""Sites and their settings: creating them, their origins and rules; owns the SQL on sites.

    site, created = save_site("blog", ["https://blog.example"], moderation="first-time")
    set_site_options("blog", max_links=3, disallowed_words=["casino"])
    site_origins("blog")        # ["https://blog.example"]
"""

from __future__ import annotations

import ipaddress
import typing as t
from urllib.parse import urlsplit

from sqlalchemy import select

from .extensions import db
from .models import ID_MAX, SITE_KEY_RE, Article, Comment, Site
from .privacy import keys


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


def save_site(key: str, origins: list[str], moderation: str | None = None,
              name: str | None = None) -> tuple[Site, bool]:
    """Create a site, or update the origins and mode of an existing one; True if created.

    :raises ValueError: for a bad key or origin.
    """
    if not SITE_KEY_RE.match(key):
        raise ValueError("a site key is 1-63 characters of a-z, 0-9 and '-', "
                         "starting with a letter or digit")
    normalized = [normalize_origin(o) for o in origins]
    site = db.session.scalar(select(Site).where(Site.key == key))
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


def set_site_options(key: str, *, max_links: int | None = None,
                     disallowed_words: t.Sequence[str] | None = None,
                     moderation_words: t.Sequence[str] | None = None,
                     blocked_emails: t.Sequence[str] | None = None,
                     blocked_ip_prefixes: t.Sequence[str] | None = None,
                     close_after_days: int | None = None, max_depth: int | None = None,
                     webhook_url: str | None = None, moderation: str | None = None,
                     spam_hold_budget: float | None = None) -> Site:
    """Store a site's abuse rules and options; a given list replaces the old one.

    :raises ValueError: for an unknown site, a bad address, network or URL.
    """
    from .validation import check_email, check_url

    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise ValueError(f"there is no site {key!r}")
    if max_links is not None:
        site.max_links = max_links
    if disallowed_words is not None:
        site.disallowed_words = _word_list(disallowed_words)
    if moderation_words is not None:
        site.moderation_words = _word_list(moderation_words)
    if blocked_emails is not None:
        k = keys()
        hashes = []
        for address in blocked_emails:
            if address.strip():
                try:
                    hashes.append(k.email_hash(check_email(address.strip())))
                except ValueError as e:
                    raise ValueError(f"--block-email {address!r}: {e}") from None
        site.blocked_emails = sorted(set(hashes))  # keyed hashes only: no address is stored
    if blocked_ip_prefixes is not None:
        networks = []
        for prefix in blocked_ip_prefixes:
            if prefix.strip():
                try:
                    networks.append(str(ipaddress.ip_network(prefix.strip(), strict=False)))
                except ValueError:
                    raise ValueError(f"--block-ip {prefix!r} is not an IP address or network") \
                        from None
        site.blocked_ip_prefixes = sorted(set(networks))
    if close_after_days is not None:
        site.close_after_days = close_after_days or None
    if max_depth is not None:
        site.max_depth = max_depth
    if webhook_url is not None:
        if webhook_url.strip():
            try:
                site.webhook_url = check_url(webhook_url.strip())
            except ValueError as e:
                raise ValueError(f"--webhook-url: {e}") from None
        else:
            site.webhook_url = None
    if moderation is not None:
        site.moderation = moderation
    if spam_hold_budget is not None:
        if not 0.0 <= spam_hold_budget <= 1.0:
            raise ValueError("spam_hold_budget is a share between 0 and 1")
        site.spam_hold_budget = spam_hold_budget
    db.session.commit()
    return site


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
