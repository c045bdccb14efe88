"""The write path and the read path of comments; owns the SQL on sites, articles and comments.

    comment, edit_token = submit(site_key, article_key, submission, client)
    thread = read_thread(site_key, article_key, page=1, per_page=50, order="oldest")

Every change that alters what the public sees goes through `bump_article`, which keeps
`approved_count` exact and moves `version` on in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .errors import CommentsClosed, Duplicate, NotFound, TooFast
from .extensions import db
from .models import Article, Comment, ModerationEvent, Site, utcnow
from .privacy import Keys, ip_prefix, keys
from .render import render_body
from .spam.checks import Context
from .spam.pipeline import Verdict, score_submission

if t.TYPE_CHECKING:
    from .validation import Submission


@dataclass(frozen=True)
class Client:
    """What the request tells about the poster, before anything is stored."""

    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Thread:
    site: Site
    article: Article | None
    comments: list[Comment]  # the approved comments of the page's top-level comments, all depths
    count: int
    page: int
    pages: int


def get_site(key: str) -> Site:
    """:raises NotFound: for an unknown site."""
    site = db.session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise NotFound(f"There is no site {key!r}.")
    return site


def find_article(site: Site, key: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.site_id == site.id, Article.key == key))


def _get_or_create_article(site: Site, key: str) -> Article:
    article = find_article(site, key)
    if article is not None:
        return article
    try:
        with db.session.begin_nested():
            article = Article(site_id=site.id, key=key)
            db.session.add(article)
    except IntegrityError:  # created by a concurrent first comment
        article = find_article(site, key)
        assert article is not None
    return article


def fingerprint(body: str) -> str:
    """Hash of the text as a person reads it: case and spacing do not make it new."""
    return hashlib.sha256(" ".join(body.casefold().split()).encode()).hexdigest()


def comments_open(site: Site, article: Article | None, now: dt.datetime | None = None) -> bool:
    if article is None:
        return True
    if not article.comments_open:
        return False
    if site.close_after_days:
        now = now or utcnow()
        return now - article.created_at < dt.timedelta(days=site.close_after_days)
    return True


def bump_article(article_id: int, approved_delta: int = 0) -> None:
    """Move the article's version on (public view changed) and adjust its approved count."""
    db.session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(
            version=Article.version + 1,
            approved_count=Article.approved_count + approved_delta,
        )
    )


def _check_flood(email_hash: str, ip_hash: str | None, now: dt.datetime) -> None:
    seconds = int(current_app.config["FLOOD_SECONDS"])
    if seconds <= 0:
        return
    since = now - dt.timedelta(seconds=seconds)
    same_person = Comment.email_hash == email_hash
    if ip_hash:
        same_person = same_person | (Comment.ip_hash == ip_hash)
    last = db.session.scalar(
        select(func.max(Comment.created_at)).where(same_person, Comment.created_at > since)
    )
    if last is not None:
        if last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        wait = seconds - int((now - last).total_seconds())
        raise TooFast(max(1, wait))


def decide_status(site: Site, verdict: Verdict, email_hashes: list[str]) -> str:
    """The status of a new comment under the site's moderation mode."""
    if verdict.spam:
        return "spam"
    if verdict.flagged or site.moderation == "all":
        return "pending"
    if site.moderation == "none":
        return "approved"
    known = db.session.scalar(
        select(Comment.id)
        .join(Article)
        .where(
            Article.site_id == site.id,
            Comment.email_hash.in_(email_hashes),
            Comment.status == "approved",
        )
        .limit(1)
    )
    return "approved" if known is not None else "pending"


def submit(site_key: str, article_key: str, sub: Submission, client: Client) -> tuple[Comment, str]:
    """Store a new comment with its audit event; one transaction.

    :raises NotFound: unknown site or parent.
    :raises CommentsClosed: the article no longer takes comments.
    :raises TooFast: the same address or IP posted within FLOOD_SECONDS.
    :raises Duplicate: the same person already posted the same text here.
    """
    site = get_site(site_key)
    article = _get_or_create_article(site, article_key)
    now = utcnow()
    if not comments_open(site, article, now):
        raise CommentsClosed()
    if sub.parent_id is not None:
        parent = db.session.get(Comment, sub.parent_id)
        if parent is None or parent.article_id != article.id or parent.status != "approved":
            raise NotFound("The comment you reply to does not exist here.")
    k: Keys = keys()
    email_hash = k.email_hash(sub.email)
    prefix = ip_prefix(client.ip)
    ip_hash = k.ip_hash(client.ip) if client.ip else None
    _check_flood(email_hash, ip_hash, now)
    ctx = Context(site=site, email_hash=email_hash, ip_prefix=prefix, ip_hash=ip_hash,
                  user_agent=client.user_agent)
    verdict = score_submission(sub, ctx)
    status = decide_status(site, verdict, k.email_hashes(sub.email))
    edit_token = secrets.token_urlsafe(32)
    comment = Comment(
        article_id=article.id,
        parent_id=sub.parent_id,
        status=status,
        author_name=sub.name,
        author_url=sub.url,
        email_hash=email_hash,
        email_cipher=k.encrypt(sub.email),
        avatar_key=k.avatar_key(sub.email),
        ip_prefix=prefix,
        ip_hash=ip_hash,
        user_agent=(client.user_agent or "")[:200] or None,
        body=sub.body,
        body_html=render_body(sub.body),
        body_fingerprint=fingerprint(sub.body),
        spam_score=verdict.score,
        spam_reasons=verdict.reasons,
        edit_token_hash=k.token_hash(edit_token),
        created_at=now,
    )
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Duplicate() from None
    db.session.add(
        ModerationEvent(comment_id=comment.id, actor="author", action="submit",
                        to_status=status, reason=", ".join(verdict.reasons) or None)
    )
    if status == "approved":
        bump_article(article.id, +1)
    db.session.commit()
    return comment, edit_token


PER_PAGE_MAX = 200


def read_thread(site_key: str, article_key: str, page: int = 1, per_page: int = 50,
                order: str = "oldest") -> Thread:
    """The approved comments of one page of top-level comments, with all their replies.

    :raises NotFound: unknown site.
    """
    site = get_site(site_key)
    article = find_article(site, article_key)
    if article is None:
        return Thread(site, None, [], 0, 1, 0)
    rows = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.article_id == article.id, Comment.status == "approved")
            .order_by(Comment.created_at, Comment.id)
        )
    )
    by_id = {c.id: c for c in rows}
    top = [c for c in rows if c.parent_id is None or c.parent_id not in by_id]
    if order == "newest":
        top.reverse()
    pages = max(1, -(-len(top) // per_page)) if top else 0
    chosen = top[(page - 1) * per_page : page * per_page]
    chosen_ids = {c.id for c in chosen}
    keep = [c for c in rows if _root_of(c, by_id) in chosen_ids]
    return Thread(site, article, keep, article.approved_count, page, pages)


def _root_of(comment: Comment, by_id: dict[int, Comment]) -> int:
    seen = set()
    while comment.parent_id in by_id and comment.id not in seen:
        seen.add(comment.id)
        comment = by_id[comment.parent_id]  # type: ignore[index]
    return comment.id


def article_counts(site_key: str, article_keys: list[str]) -> dict[str, int]:
    """Approved counts for many articles of one site in one query."""
    site = get_site(site_key)
    rows = db.session.execute(
        select(Article.key, Article.approved_count).where(
            Article.site_id == site.id, Article.key.in_(article_keys)
        )
    )
    found = {key: count for key, count in rows}
    return {key: found.get(key, 0) for key in article_keys}


SITE_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


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
        raise ValueError("a site key is 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit")
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


def article_for(site: Site, key: str) -> Article:
    """The article of a site, created on first use (a moderator may close it before any comment)."""
    return _get_or_create_article(site, key)
