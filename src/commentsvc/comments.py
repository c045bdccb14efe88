"""The write path and the read path of comments; owns the SQL on articles and comments.

    comment, edit_token = submit(site_key, article_key, submission, client)
    thread = read_thread(site_key, article_key, page=1, per_page=50, order="oldest")

Every change that alters what the public sees goes through `bump_article`, which keeps
`approved_count` exact and moves `version` on in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
import typing as t
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from . import notify, sites, subscriptions
from .errors import CommentsClosed, Duplicate, NotFound, TooFast
from .extensions import db
from .models import SITE_KEY_RE, Article, Comment, ModerationEvent, Site, utcnow
from .notify import reader
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
    lang: str | None = None  # the reader's language, for the mail they subscribe to


@dataclass(frozen=True)
class Thread:
    site: t.Any  # Site or SiteHead: the fields the public shape needs
    article: t.Any  # Article, ArticleHead or None
    comments: list[t.Any]  # rows of public columns: the page's top-level comments and replies
    count: int
    page: int
    pages: int


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
    current_app.extensions.get("commentsvc.heads", {}).clear()  # this worker reads its writes
    db.session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(
            version=Article.version + 1,
            approved_count=Article.approved_count + approved_delta,
        )
    )


def mark_approved(comment: Comment, site: Site, held: bool) -> None:
    """A comment became public: count it, move the version on, and queue reader notifications.

    The one place both ways to publication pass (approved at submission, or by a moderator,
    `held`); the outbox row joins the caller's transaction, which the caller commits.
    """
    bump_article(comment.article_id, +1)
    reader.queue_approved(comment, site, held)


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
    site = sites.get(site_key)
    article = _get_or_create_article(site, article_key)
    now = utcnow()
    if not comments_open(site, article, now):
        raise CommentsClosed()
    if sub.parent_id is not None:
        # ids are 32-bit on PostgreSQL: a bigger one names nothing (and must not reach the DB)
        parent = db.session.get(Comment, sub.parent_id) if sub.parent_id < 2**31 else None
        if parent is None or parent.article_id != article.id or parent.status != "approved":
            raise NotFound("The comment you reply to does not exist here.")
    k: Keys = keys()
    email_hash = k.email_hash(sub.email)
    prefix = ip_prefix(client.ip)
    ip_hash = k.ip_hash(client.ip) if client.ip else None
    _check_flood(email_hash, ip_hash, now)
    ctx = Context(site=site, email_hash=email_hash, ip_prefix=prefix, ip_hash=ip_hash,
                  user_agent=client.user_agent, extra={"ip": client.ip, "article": article_key,
                                                       "email_hashes": k.email_hashes(sub.email)})
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
        mark_approved(comment, site, held=False)
    if sub.notify:
        subscriptions.subscribe(site, article, comment, sub.email, sub.notify, client.lang, now)
    notify.queue_held(comment, site)
    db.session.commit()
    return comment, edit_token


PER_PAGE_MAX = 200
PAGE_MAX = 1_000_000


@dataclass(frozen=True)
class SiteHead:
    """The site fields the read path needs, read without the ORM."""

    id: int
    key: str
    name: str
    origins: list[str]
    max_depth: int
    close_after_days: int | None
    created_at: dt.datetime
    moderation: str


@dataclass(frozen=True)
class ArticleHead:
    """The article fields the read path needs, with its version."""

    id: int
    key: str
    url: str | None
    comments_open: bool
    approved_count: int
    version: int
    created_at: dt.datetime


@dataclass(frozen=True)
class ThreadHead:
    """What a thread's validator depends on, found with one small query before any comment."""

    site: SiteHead
    article: ArticleHead | None
    comments_open: bool

    def etag(self, page: int, per_page: int, order: str) -> str:
        """Changes whenever the answer could: a new version, depth limit or open/closed state."""
        a = self.article
        return (f"{self.site.id}-{a.id if a else 0}-{a.version if a else 0}-{self.site.max_depth}"
                f"-{int(self.comments_open)}-{page}-{per_page}-{order}")


_SITE_COLUMNS = ("id", "key", "name", "origins", "max_depth", "close_after_days", "created_at",
                 "moderation")
_ARTICLE_COLUMNS = ("id", "key", "url", "comments_open", "approved_count", "version",
                    "created_at")


@functools.cache
def _head_statement() -> t.Any:
    """Built once: the hot path should not pay for SQL construction on every read."""
    columns = [getattr(Site, c).label(f"s_{c}") for c in _SITE_COLUMNS]
    columns += [getattr(Article, c).label(f"a_{c}") for c in _ARTICLE_COLUMNS]
    return (
        select(*columns)
        .outerjoin(Article, (Article.site_id == Site.id)
                   & (Article.key == bindparam("article_key")))
        .where(Site.key == bindparam("site_key"))
    )


def thread_head(site_key: str, article_key: str, now: dt.datetime | None = None) -> ThreadHead:
    """The site and article (with its version) in one Core query.

    :raises NotFound: unknown site.
    """
    if not SITE_KEY_RE.fullmatch(site_key):  # never a site: NUL and junk stay away from the DB
        raise NotFound(f"There is no site {site_key[:63]!r}.")
    row = db.session.connection().execute(
        _head_statement(), {"site_key": site_key, "article_key": article_key}
    ).first()
    if row is None:
        raise NotFound(f"There is no site {site_key!r}.")
    m = row._mapping
    site = SiteHead(*(m[f"s_{c}"] for c in _SITE_COLUMNS))
    article = (ArticleHead(*(m[f"a_{c}"] for c in _ARTICLE_COLUMNS))
               if m["a_id"] is not None else None)
    return ThreadHead(site, article, comments_open(site, article, now))  # type: ignore[arg-type]


HEAD_CACHE_MAX = 10_000


def cached_thread_head(site_key: str, article_key: str, ttl: float) -> ThreadHead:
    """thread_head, remembered by this worker for `ttl` seconds (0, the default: always ask).

    With ttl > 0 another worker's change is seen at most ttl seconds late; this worker's own
    changes clear it at once (bump_article). A CDN with s-maxage already allows more delay.
    """
    if ttl <= 0:
        return thread_head(site_key, article_key)
    heads: dict[tuple[str, str], tuple[float, ThreadHead]] = current_app.extensions.setdefault(
        "commentsvc.heads", {})
    now = time.monotonic()
    hit = heads.get((site_key, article_key))
    if hit is not None and hit[0] > now:
        return hit[1]
    head = thread_head(site_key, article_key)
    if len(heads) >= HEAD_CACHE_MAX:
        heads.clear()
    heads[(site_key, article_key)] = (now + ttl, head)
    return head


def read_thread(site_key: str, article_key: str, page: int = 1, per_page: int = 50,
                order: str = "oldest", head: ThreadHead | None = None) -> Thread:
    """The approved comments of one page of top-level comments, with all their replies.

    One query loads the article's approved comments; the page is cut and nested in memory.

    :raises NotFound: unknown site.
    """
    head = head or thread_head(site_key, article_key)
    site, article = head.site, head.article
    page = min(max(page, 1), PAGE_MAX)
    per_page = min(max(per_page, 1), PER_PAGE_MAX)
    if article is None:
        return Thread(site, None, [], 0, page, 0)
    rows = list(db.session.connection().execute(_thread_statement(), {"article_id": article.id}))
    by_id = {c.id: c for c in rows}
    top = [c for c in rows if c.parent_id is None or c.parent_id not in by_id]
    if order == "newest":
        top.reverse()
    pages = max(1, -(-len(top) // per_page)) if top else 0
    chosen = top[(page - 1) * per_page : page * per_page]
    chosen_ids = {c.id for c in chosen}
    roots = _roots(rows, by_id)
    keep = [c for c in rows if roots[c.id] in chosen_ids]
    return Thread(site, article, keep, article.approved_count, page, pages)


# Only what the public shape shows: no addresses, no JSON columns to decode, no ORM objects.
PUBLIC_COLUMNS = ("id", "parent_id", "author_name", "author_url", "avatar_key", "body_html",
                  "created_at", "edited_at")


@functools.cache
def _thread_statement() -> t.Any:
    return (
        select(*(getattr(Comment, c) for c in PUBLIC_COLUMNS))
        .where(Comment.article_id == bindparam("article_id"), Comment.status == "approved")
        .order_by(Comment.created_at, Comment.id)
    )


def _roots(rows: t.Sequence[t.Any], by_id: dict[int, t.Any]) -> dict[int, int]:
    """The top-level ancestor of every comment (cycles, which imports could make, stop)."""
    roots: dict[int, int] = {}
    for row in rows:
        chain = []
        current = row
        while current.id not in roots:
            chain.append(current.id)
            parent = by_id.get(current.parent_id) if current.parent_id is not None else None
            if parent is None or parent.id in chain:
                roots[current.id] = current.id
                chain.pop()
                break
            current = parent
        root = roots[current.id]
        for cid in chain:
            roots[cid] = root
    return roots


def article_counts(site_key: str, article_keys: list[str]) -> dict[str, int]:
    """Approved counts for many articles of one site in one query."""
    site = sites.get(site_key)
    rows = db.session.execute(
        select(Article.key, Article.approved_count).where(
            Article.site_id == site.id, Article.key.in_(article_keys)
        )
    )
    found = {key: count for key, count in rows}
    return {key: found.get(key, 0) for key in article_keys}


FEED_MAX = 100


def feed_comments(head: ThreadHead, limit: int = FEED_MAX) -> list[Comment]:
    """The newest approved comments of the head's article, for its Atom feed; one query."""
    if head.article is None:
        return []
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.article_id == head.article.id, Comment.status == "approved")
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return list(rows)


def article_for(site: Site, key: str) -> Article:
    """The article of a site, created on first use (a moderator may close it before any comment)."""
    return _get_or_create_article(site, key)
