"""The read path: one call per public read, owning the SQL that reads threads.

    page = threads.page(site_key, article_key, paging, request.if_none_match)
    if page.body is None: answer 304 with page.etag   # the client's copy is current
    else: answer page.body (JSON bytes); threads.tree(page) gives the no-JS page its tree
    feed = threads.feed(site_key, article_key, self_url, request.if_none_match)
    counts = threads.article_counts(site_key, ["a", "b"])

A read is: the head (site + article version, one small query, trusted THREAD_HEAD_TTL seconds
per worker) -> the ETag -> the worker's byte-bounded page cache -> on a miss one query of the
article's approved comments, arranged once (`arrange`, iteratively, any depth), serialised.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import typing as t
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import Connection, DateTime, bindparam, select, type_coerce
from werkzeug.datastructures import ETags

from . import feed as atom_feed
from . import i18n, serialize
from . import versions as listening
from .cache import caches
from .errors import NotFound
from .extensions import Connect, db, reading, session_connection
from .models import SITE_KEY_RE, Article, Comment, Site, comments_open
from .paging import Paging

FEED_MAX = 100
# The deepest nesting shown whatever a site says (sites are capped to 1-50 when set): the
# public JSON nests replies, so this also bounds the depth of every document we write or read.
DEPTH_CEILING = 50


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
    read_only: bool
    quiet_hours: dict[str, str] | None
    reader_notifications: bool  # the no-JS page's "Notify me" box (subscriptions.offered)
    default_lang: str | None  # the widget's language when the reader's browser asks for none


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
        """Changes whenever the answer could: a new version, depth limit, open/closed state or
        the site's default language."""
        a, site = self.article, self.site
        return (f"{site.id}-{a.id if a else 0}-{a.version if a else 0}-{site.max_depth}"
                f"-{int(self.comments_open)}-{page}-{per_page}-{order}-{site.default_lang or ''}")


@dataclass(frozen=True)
class ThreadPage:
    """A page of a thread: body is None when the client's copy (If-None-Match) is current."""

    head: ThreadHead
    etag: str
    body: bytes | None


FeedPage = ThreadPage  # an article's Atom feed: the same three fields


_SITE_COLUMNS = ("id", "key", "name", "origins", "max_depth", "close_after_days", "created_at",
                 "moderation", "read_only", "quiet_hours", "reader_notifications", "default_lang")
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


def _no_site(site_key: str) -> NotFound:
    return NotFound(i18n.N_("There is no site %(key)s.", key=repr(site_key[:63])))


def thread_head(site_key: str, article_key: str, now: dt.datetime | None = None,
                connect: Connect = session_connection) -> ThreadHead:
    """The site and article (with its version) in one Core query, always asked.

    :raises NotFound: unknown site.
    """
    if not SITE_KEY_RE.fullmatch(site_key):  # never a site: NUL and junk stay away from the DB
        raise _no_site(site_key)
    row = connect().execute(
        _head_statement(), {"site_key": site_key, "article_key": article_key}
    ).first()
    if row is None:
        raise _no_site(site_key)
    n = len(_SITE_COLUMNS)  # the columns come in _SITE_COLUMNS, then _ARTICLE_COLUMNS order
    site = SiteHead(*row[:n])
    article = ArticleHead(*row[n:]) if row[n] is not None else None
    return ThreadHead(site, article, comments_open(site, article, now))


def head(site_key: str, article_key: str, connect: Connect = session_connection) -> ThreadHead:
    """thread_head, exact, from this worker's version map while its change listener is live
    (PostgreSQL: no query at all); else asked, or trusted THREAD_HEAD_TTL seconds if set."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    versions = caches(app).versions
    found = versions.get(site_key, article_key)
    if found is not None:
        return reopened(found)
    if versions.live:
        generation = versions.generation
        found = thread_head(site_key, article_key, connect=connect)
        if found.article is None:
            versions.put_missing(site_key, article_key, found, generation)
        else:
            versions.put(found, generation)
        return found
    listening.ensure_listening(app)
    return _ttl_head(site_key, article_key, connect)


def reopened(found: ThreadHead) -> ThreadHead:
    """A remembered head with comments_open as of now (close_after_days runs on the clock)."""
    site, article = found.site, found.article
    if not site.close_after_days or article is None or not article.comments_open:
        return found
    return ThreadHead(site, article, comments_open(site, article))


def _ttl_head(site_key: str, article_key: str, connect: Connect) -> ThreadHead:
    """thread_head, remembered by this worker for THREAD_HEAD_TTL seconds (0, the default: always
    ask). With a TTL another worker's change is seen at most that late; this worker's own changes
    clear the cache at once (comments.bump_article). A CDN with s-maxage already allows more.
    comments_open depends on the time (quiet hours, close_after_days): it is worked out again
    on every read, never remembered past a boundary.
    """
    ttl = float(current_app.config.get("THREAD_HEAD_TTL", 0))
    if ttl <= 0:
        return thread_head(site_key, article_key, connect=connect)
    heads = caches().heads
    found: ThreadHead | None = heads.get(site_key, article_key)
    if found is None:
        found = thread_head(site_key, article_key, connect=connect)
        heads.put(site_key, article_key, found, ttl)
        return found
    is_open = comments_open(found.site, found.article)
    return found if is_open == found.comments_open else replace(found, comments_open=is_open)


def _fresh(etag: str, if_none_match: ETags | None) -> bool:
    """If-None-Match: weak comparison, any of several tags, or `*`."""
    return bool(if_none_match) and if_none_match.contains_weak(etag)  # type: ignore[union-attr]


def page(site_key: str, article_key: str, paging: Paging,
         if_none_match: ETags | None = None) -> ThreadPage:
    """One page of top-level comments with all their replies, as the public JSON bytes.

    A repeat read is served from the worker's cache (no comment query); a miss is one query.

    :raises NotFound: unknown site.
    """
    with reading() as connect:
        h = head(site_key, article_key, connect)
        etag = h.etag(paging.page, paging.per_page, paging.order)
        if _fresh(etag, if_none_match):
            return ThreadPage(h, etag, None)
        if h.article is None:  # names the key asked for: not kept under the shared ETag
            return ThreadPage(h, etag, serialize.thread_json(_shape(h, article_key, paging)))
        cache = caches().threads
        body = cache.get(etag)
        if body is None:
            body = cache.put(etag, serialize.thread_json(
                _shape(h, article_key, paging, connect())))
    return ThreadPage(h, etag, body)


def tree(thread_page: ThreadPage) -> dict[str, t.Any]:
    """The page's public thread as data (what the no-JavaScript page renders)."""
    assert thread_page.body is not None
    return t.cast(dict[str, t.Any], json.loads(thread_page.body))


# Only what the public shape shows: no addresses, no JSON columns to decode, no ORM objects.
# A plain named tuple per row: reading a field of one is ~10x cheaper than of an SQLAlchemy Row,
# and arrange and serialize read about 2,000 fields on a 200-comment thread.
class PublicRow(t.NamedTuple):
    id: int
    parent_id: int | None
    author_name: str
    author_url: str | None
    avatar_key: str | None
    body_html: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    staff: bool
    pinned_at: dt.datetime | None


PUBLIC_COLUMNS = PublicRow._fields


# Read as the driver gives them, without UTCDateTime's per-value conversion (3 x 200 calls on
# a 200-comment thread); serialize.utc_text reads them as UTC, aware or (SQLite) naive.
_RAW_TIMES = ("created_at", "edited_at", "pinned_at")


def _public_column(name: str) -> t.Any:
    column = getattr(Comment, name)
    if name in _RAW_TIMES:
        return type_coerce(column, DateTime(timezone=True)).label(name)
    return column


@functools.cache
def _thread_statement() -> t.Any:
    return (
        select(*(_public_column(c) for c in PUBLIC_COLUMNS))
        .where(Comment.article_id == bindparam("article_id"), Comment.status == "approved")
        .order_by(Comment.created_at, Comment.id)
    )


def _shape(h: ThreadHead, article_key: str, paging: Paging,
           conn: Connection | None = None) -> serialize.ThreadShape:
    """The page's rows in the order shown, read on `conn` (None: the article is unknown)."""
    site, article = h.site, h.article
    if article is None:
        return serialize.ThreadShape(site.key, article_key, h.comments_open, 0, paging.page, 0,
                                     [], paging.order == "newest", site.default_lang)
    assert conn is not None
    found = conn.execute(_thread_statement(), {"article_id": article.id}).all()  # one fetchall
    rows = list(map(PublicRow._make, found))
    root, host = arrange(rows, site.max_depth)
    top = [r for r in rows if root.get(r.id) == r.id]
    if paging.order == "newest":
        top.reverse()
    # Editors' picks first (oldest pin first), then the rest in the reader's order.
    pins = sorted((r for r in top if r.pinned_at is not None and r.parent_id is None),
                  key=lambda r: (r.pinned_at, r.id))
    top = pins + [r for r in top if r.pinned_at is None or r.parent_id is not None]
    pages = max(1, -(-len(top) // paging.per_page)) if top else 0
    start = (paging.page - 1) * paging.per_page
    chosen = top[start : start + paging.per_page]
    under: dict[int, list[t.Any]] = {r.id: [] for r in chosen}
    for r in rows:
        if root.get(r.id) in under:
            under[root[r.id]].append(r)
    placed = [(r, host[r.id]) for top_row in chosen for r in under[top_row.id]]
    # `placed` is already in the order shown: no reversal left for serialize.
    return serialize.ThreadShape(site.key, article.key, h.comments_open, article.approved_count,
                                 paging.page, pages, placed, False, site.default_lang)


def arrange(rows: t.Sequence[t.Any], max_depth: int
            ) -> tuple[dict[int, int], dict[int, int | None]]:
    """The one tree builder: for each comment its top-level ancestor and the comment it is
    shown under (None: top level), in one iterative pass.

    A comment whose parent is not among `rows` is top level. A reply deeper than the site's
    max_depth (bounded by DEPTH_CEILING, whatever the stored value) is shown at the deepest
    level, under its parent's host. Comments on a parent cycle (imports could make one) and
    their replies have no root and are not shown.
    """
    limit = max_depth if 0 < max_depth <= DEPTH_CEILING else DEPTH_CEILING
    by_id = {r.id: r for r in rows}
    root: dict[int, int] = {}
    host: dict[int, int | None] = {}
    depth: dict[int, int] = {}
    lost: set[int] = set()  # on or below a cycle
    for row in rows:
        rid, p = row.id, row.parent_id
        if rid in root:
            continue
        if p is None or p not in by_id:  # top level: the common case, no walk
            root[rid], host[rid], depth[rid] = rid, None, 1
            continue
        if p in root:  # the parent is placed already (rows come oldest first): one step
            d = depth[p]
            root[rid] = root[p]
            host[rid] = p if d < limit else host[p]
            depth[rid] = min(d + 1, limit)
            continue
        chain: list[t.Any] = []
        seen: set[int] = set()
        current = row
        while current.id not in root and current.id not in lost:
            if current.id in seen:
                lost.update(seen)
                chain = []
                break
            seen.add(current.id)
            parent = by_id.get(current.parent_id) if current.parent_id is not None else None
            if parent is None:
                root[current.id], host[current.id], depth[current.id] = current.id, None, 1
                break
            chain.append(current)
            current = parent
        if current.id in lost:
            lost.update(c.id for c in chain)
            continue
        for c in reversed(chain):  # parents before children
            p = c.parent_id
            root[c.id] = root[p]
            host[c.id] = p if depth[p] < limit else host[p]
            depth[c.id] = min(depth[p] + 1, limit)
    return root, host


def article_counts(site_key: str, article_keys: list[str]) -> dict[str, int]:
    """Approved counts for many articles of one site in one query.

    :raises NotFound: unknown site.
    """
    if not SITE_KEY_RE.fullmatch(site_key):
        raise _no_site(site_key)
    rows = list(db.session.execute(
        select(Site.id, Article.key, Article.approved_count)
        .outerjoin(Article, (Article.site_id == Site.id) & Article.key.in_(article_keys))
        .where(Site.key == site_key)
    ))
    if not rows:
        raise _no_site(site_key)
    found = {key: count for _, key, count in rows if key is not None}
    return {key: found.get(key, 0) for key in article_keys}


def feed(site_key: str, article_key: str, self_url: str,
         if_none_match: ETags | None = None) -> FeedPage:
    """The article's Atom feed of its FEED_MAX newest approved comments; one comment query.

    :raises NotFound: unknown site.
    """
    h = head(site_key, article_key)
    etag = "feed-" + h.etag(1, FEED_MAX, "newest")
    if _fresh(etag, if_none_match):
        return FeedPage(h, etag, None)
    rows = feed_comments(h)
    article = h.article
    body = atom_feed.atom(
        site_key=h.site.key, site_name=h.site.name,
        article_key=article.key if article else "",
        article_url=article.url if article else None,
        updated=article.created_at if article else h.site.created_at,
        comments=rows, self_url=self_url,
    )
    return FeedPage(h, etag, body)


def feed_comments(h: ThreadHead, limit: int = FEED_MAX) -> list[Comment]:
    """The newest approved comments of the head's article, newest first; one query."""
    if h.article is None:
        return []
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.article_id == h.article.id, Comment.status == "approved")
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return list(rows)
