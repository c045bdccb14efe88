"""Sanctions: bans by address, IP prefix or email domain, checked before the spam pipeline.
Owns the bans table's SQL.

    ban = create(moderator, "demo", BanRequest("email", comment_id=43, mode="shadow", days=30))
    active(moderator, "demo")              # the site's bans in force (listed masked)
    remove(moderator, ban.id)
    mode_column(postgresql)                # a scalar subquery, with these parameters:
    mode_params(site.id, email_hashes, "ana@example.org", "203.0.113.7", now)
        # the mode ("reject" before "shadow") of the ban a submission falls under, or None: a
        # scalar subquery that the submission's checks statement reads with its own
    same_author_ids(comment)               # every comment on the site with that address

No address is stored or shown: an email ban keeps the keyed hash, a domain ban the keyed hash
of "@domain", an IP ban the stored /24 (/48) prefix; listings show masked values only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing as t

from sqlalchemy import and_, bindparam, or_, select

from . import sites
from .ban_inputs import BanRequest as BanRequest
from .errors import Forbidden, NotFound, ValidationFailed
from .extensions import db, one_of
from .i18n import N_
from .models import ID_MAX, Article, Ban, Comment, Moderator, Site, UTCDateTime, utcnow
from .privacy import ip_prefix, keys, mask_email

LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(rf"^(?=.{{4,253}}$)({LABEL}\.)+[a-z][a-z0-9-]{{1,62}}$")


class Banned(Forbidden):
    status, code, message = 403, "banned", "You may not comment on this site."


def _domain_hashes(domain: str) -> list[str]:
    return keys().email_hashes("@" + domain.casefold())


def _mask_domain(domain: str) -> str:
    first, _, rest = domain.partition(".")
    return f"{first[:1]}•••.{rest}"


def _mask_prefix(prefix: str) -> str:
    address, _, bits = prefix.partition("/")
    if "." in address:
        a, b, *_ = address.split(".")
        return f"{a}.{b}.•.•/{bits}"
    return ":".join(address.split(":")[:2]) + ":•/" + bits


def _value_of(site: Site, req: BanRequest) -> tuple[str, str]:
    """(stored value, masked value) of the ban.

    :raises ValidationFailed: no such comment on the site, or nothing of that kind to ban.
    """
    if req.comment_id is None:
        domain = (req.value or "").strip().casefold().rstrip(".")
        if req.kind != "domain" or not DOMAIN_RE.fullmatch(domain):
            raise ValidationFailed({"value": N_("must be an email domain such as spam.example "
                                                "(only with kind domain)")})
        return _domain_hashes(domain)[0], _mask_domain(domain)
    comment = db.session.scalar(
        select(Comment).join(Article).where(Comment.id == req.comment_id,
                                            Article.site_id == site.id)
    ) if 0 < req.comment_id <= ID_MAX else None
    if comment is None:
        raise ValidationFailed({"comment_id": N_("names no comment on this site")})
    email = keys().decrypt(comment.email_cipher) if comment.email_cipher else None
    if req.kind == "ip":
        if not comment.ip_prefix:
            raise ValidationFailed({"comment_id": N_("this comment has no IP address to ban")})
        return comment.ip_prefix, _mask_prefix(comment.ip_prefix)
    if not email or not comment.email_hash:
        raise ValidationFailed({"comment_id": N_("this comment has no email address to ban")})
    if req.kind == "email":
        return comment.email_hash, mask_email(email)
    domain = email.rpartition("@")[2]
    return _domain_hashes(domain)[0], _mask_domain(domain)


def create(moderator: Moderator, site_key: str, req: BanRequest) -> Ban:
    """Store a ban on a site in the moderator's reach; one transaction.

    :raises NotFound: unknown site. :raises Forbidden: another's site.
    :raises ValidationFailed: naming `comment_id` or `value`.
    """
    site = sites.in_reach(moderator, site_key)
    value, shown = _value_of(site, req)
    expires = utcnow() + dt.timedelta(days=req.days) if req.days else None
    ban = Ban(site_id=site.id, kind=req.kind, value=value, shown=shown, mode=req.mode,
              reason=req.reason, created_by=moderator.name, expires_at=expires)
    db.session.add(ban)
    db.session.commit()
    return ban


def _in_force() -> object:
    return or_(Ban.expires_at.is_(None), Ban.expires_at > utcnow())


def active(moderator: Moderator, site_key: str) -> list[Ban]:
    """The site's bans in force, newest first."""
    site = sites.in_reach(moderator, site_key)
    return list(db.session.scalars(
        select(Ban).where(Ban.site_id == site.id, _in_force())  # type: ignore[arg-type]
        .order_by(Ban.created_at.desc(), Ban.id.desc())
    ))


def remove(moderator: Moderator, ban_id: int) -> None:
    """Lift a ban. :raises NotFound: no such ban. :raises Forbidden: another site's ban."""
    ban = db.session.get(Ban, ban_id) if 0 < ban_id <= ID_MAX else None
    if ban is None:
        raise NotFound(N_("There is no such ban."))
    if not sites.moderates(moderator, ban.site_id):
        raise Forbidden(N_("You do not moderate this site."))
    db.session.delete(ban)
    db.session.commit()


@functools.cache
def mode_column(postgresql: bool) -> t.Any:
    """The mode of the ban in force that a submission falls under (a reject before a shadow
    ban), or NULL: a scalar subquery, built once, with the parameters of `mode_params`."""
    return (select(Ban.mode).where(
        Ban.site_id == bindparam("ban_site_id"),
        or_(and_(Ban.kind == "email", one_of(Ban.value, "ban_emails", postgresql)),
            and_(Ban.kind == "domain", one_of(Ban.value, "ban_domains", postgresql)),
            and_(Ban.kind == "ip", Ban.value == bindparam("ban_prefix"))),
        or_(Ban.expires_at.is_(None), Ban.expires_at > bindparam("ban_now", type_=UTCDateTime)),
    ).order_by(Ban.mode != "reject").limit(1).scalar_subquery())


def mode_params(site_id: int, email_hashes: list[str], email: str, ip: str | None,
                now: dt.datetime) -> dict[str, t.Any]:
    """`mode_column`'s parameters: the address's hashes under every key (`email_hashes`), its
    domain's, and the IP's prefix."""
    return {"ban_site_id": site_id, "ban_emails": email_hashes,
            "ban_domains": _domain_hashes(email.rpartition("@")[2]),
            "ban_prefix": ip_prefix(ip), "ban_now": now}


def same_author_ids(comment: Comment) -> list[int]:
    """Every comment on the comment's site with the same address (withdrawn ones left out)."""
    if not comment.email_hash:
        return [comment.id]
    return list(db.session.scalars(
        select(Comment.id).join(Article).where(
            Article.site_id == comment.article.site_id, Comment.email_hash == comment.email_hash,
            Comment.status != "deleted")
    ))
