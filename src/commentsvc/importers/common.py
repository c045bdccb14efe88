"""What every importer shares: the record shape, the summary, and the store that writes them.

    store = Store.open("blog", source="wordpress", dry_run=False)
    store.add(record)            # or store.skip("pingback")
    summary = store.finish()     # parents resolved, counts recomputed, one commit

A whole file is one transaction: the store flushes in batches while the parser streams, and
commits once at the end (or rolls back, for a dry run or on any error), so a file is either
imported entirely or not at all. Parent links are resolved at the end, so a reply may come
before its parent in the file.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from .. import sites
from ..comments import fingerprint
from ..errors import NotFound
from ..extensions import db
from ..fields import check_article_key
from ..models import BODY_MAX, Article, Comment, ModerationEvent, Site
from ..privacy import Keys, ip_prefix, keys
from .clean import clean_article_url, clean_url

BATCH = 500
Ref = tuple[str, str]  # (scope, original id): how records of one file point at their parents


PROBLEMS_SHOWN = 100  # reported lines printed at most


class ImportFailed(Exception):
    """The file cannot be imported; the message says why and where. Nothing was written."""


@dataclass
class Record:
    """One comment as read from a file, before it is stored."""

    ref: Ref
    parent_ref: Ref | None
    source: str
    source_id: str
    article_key: str
    article_title: str | None
    article_url: str | None
    status: str
    created_at: dt.datetime
    name: str
    url: str | None
    email: str | None
    ip: str | None
    body: str  # the text a moderator reads and edits
    body_html: str  # already sanitised
    edited_at: dt.datetime | None = None
    where: str = ""  # where in the file ("FILE: line 12"), for reports


@dataclass
class Summary:
    imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    orphans: int = 0  # replies whose parent is not in the file nor the database
    articles: int = 0
    dry_run: bool = False
    problems: list[str] = field(default_factory=list)  # "where: what", each skip or drop reported

    def lines(self, site: str) -> list[str]:
        """The human summary printed at the end of an import."""
        verb = "would import" if self.dry_run else "imported"
        out = [f"{verb} {self.imported} comments into {self.articles} articles of site {site}"]
        total = sum(self.skipped.values())
        if total:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
            out.append(f"skipped {total}: {reasons}")
        else:
            out.append("skipped 0")
        out.extend(self.problems[:PROBLEMS_SHOWN])
        if len(self.problems) > PROBLEMS_SHOWN:
            out.append(f"... and {len(self.problems) - PROBLEMS_SHOWN} more")
        if self.orphans:
            out.append(f"{self.orphans} replies kept as top-level comments: parent not found")
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


# --- the store ------------------------------------------------------------------------------

class Store:
    """Writes records of one file in one transaction; see the module docstring."""

    def __init__(self, site: Site, source: str, dry_run: bool = False) -> None:
        self.site = site
        self.source = source
        self.summary = Summary(dry_run=dry_run)
        self.keys: Keys = keys()
        self.articles: dict[str, Article] = {}
        self.by_ref: dict[Ref, int | Comment] = {}
        self.pending: list[tuple[int, Ref]] = []  # (comment id, parent's ref), once flushed
        self.fingerprints: dict[int, set[tuple[str | None, str | None]]] = {}
        self.touched: dict[int, Article] = {}
        self.existing: dict[int, dict[tuple[str | None, str | None], int | Comment]] = {}
        self.fresh: list[tuple[Ref, Comment, Ref | None]] = []
        self.identities: dict[str, tuple[str, str, str]] = {}
        self.added: set[tuple[int, str, str]] = set()

    @classmethod
    def open(cls, site_key: str, source: str, dry_run: bool = False) -> Store:
        """:raises ImportFailed: when the site does not exist."""
        try:
            site = sites.get(site_key)
        except NotFound:
            raise ImportFailed(
                f"there is no site {site_key!r}; create it first with "
                f"`commentsvc site add {site_key} --origin https://...`"
            ) from None
        return cls(site, source, dry_run)

    def skip(self, reason: str) -> None:
        self.summary.skipped[reason] += 1

    def _article(self, rec: Record) -> Article:
        article = self.articles.get(rec.article_key)
        if article is None:
            article = db.session.scalar(
                select(Article).where(Article.site_id == self.site.id,
                                      Article.key == rec.article_key)
            )
            if article is None:
                article = Article(site_id=self.site.id, key=rec.article_key)
                db.session.add(article)
                db.session.flush()
            self.existing[article.id] = {
                (src, sid): cid for cid, src, sid in db.session.execute(
                    select(Comment.id, Comment.source, Comment.source_id).where(
                        Comment.article_id == article.id, Comment.source.is_not(None))
                )
            }
            self.fingerprints[article.id] = {
                (h, f) for h, f in db.session.execute(
                    select(Comment.email_hash, Comment.body_fingerprint).where(
                        Comment.article_id == article.id, Comment.email_hash.is_not(None),
                        Comment.body_fingerprint.is_not(None))
                )
            }
            self.articles[rec.article_key] = article
        if rec.article_title and not article.title:
            article.title = rec.article_title[:500]
        if rec.article_url and not article.url and len(rec.article_url) <= 2000:
            article.url = rec.article_url
        return article

    def _identity(self, email: str | None) -> tuple[str | None, str | None, str | None]:
        """Hash, cipher and avatar key of an address, worked out once per address and file."""
        if not email:
            return None, None, None
        found = self.identities.get(email)
        if found is None:
            k = self.keys
            if len(self.identities) > 50_000:
                self.identities.clear()
            found = self.identities[email] = (k.email_hash(email), k.encrypt(email),
                                              k.avatar_key(email, self.site.key))
        return found

    def report(self, rec: Record, what: str) -> None:
        where = rec.where or f"{rec.source} comment {rec.source_id}"
        self.summary.problems.append(f"{where}: {what}")

    def _passes(self, rec: Record) -> bool:
        """The submission rules for imported fields: a bad article key or an overlong body is
        reported and skipped; a link or author URL that is not plain http(s) is reported and
        dropped (a `javascript:` link must never become the feed's href)."""
        try:
            check_article_key(rec.article_key)
        except ValueError as e:
            self.skip("article key empty, too long or with control characters")
            self.report(rec, f"article key {e}; skipped")
            return False
        if len(rec.body) > BODY_MAX:
            self.skip(f"body over {BODY_MAX} characters")
            self.report(rec, f"body of {len(rec.body)} characters (at most {BODY_MAX}); skipped")
            return False
        if rec.article_url and clean_article_url(rec.article_url) is None:
            self.report(rec, "article link is not an http(s) address; dropped")
            rec.article_url = None
        if rec.url and clean_url(rec.url) is None:
            self.report(rec, "author URL is not a plain http(s) address; dropped")
            rec.url = None
        return True

    def add(self, rec: Record) -> None:
        """Store one record, unless the same source comment is already there."""
        rec.source_id = rec.source_id[:200]  # the column's width, so re-imports still match
        if not self._passes(rec):
            return
        if rec.ref in self.by_ref:
            self.skip("same id twice in the file")
            return
        article = self._article(rec)
        existing = self.existing[article.id].get((rec.source, rec.source_id))
        if existing is not None:
            self.by_ref[rec.ref] = existing
            added = (article.id, rec.source, rec.source_id) in self.added
            self.skip("same id twice in the file" if added else "already imported")
            return
        k = self.keys
        email_hash, email_cipher, avatar = self._identity(rec.email)
        fp: str | None = None
        if email_hash and rec.body:
            # The first copy of a text keeps its fingerprint (so a new duplicate is refused);
            # repeats in the old data are kept without one rather than dropped.
            candidate = fingerprint(rec.body)
            seen = self.fingerprints[article.id]
            if (email_hash, candidate) not in seen:
                seen.add((email_hash, candidate))
                fp = candidate
        comment = Comment(
            article_id=article.id,
            status=rec.status,
            author_name=rec.name,
            author_url=rec.url,
            email_hash=email_hash,
            email_cipher=email_cipher,
            avatar_key=avatar,
            ip_prefix=ip_prefix(rec.ip),
            ip_hash=k.ip_hash(rec.ip) if rec.ip and ip_prefix(rec.ip) else None,
            body=rec.body,
            body_html=rec.body_html,
            body_fingerprint=fp,
            source=rec.source,
            source_id=rec.source_id,
            created_at=rec.created_at,
            edited_at=rec.edited_at,
            spam_reasons=[],
        )
        db.session.add(comment)
        self.touched[article.id] = article
        self.existing[article.id][(rec.source, rec.source_id)] = comment
        self.added.add((article.id, rec.source, rec.source_id))
        self.by_ref[rec.ref] = comment
        self.fresh.append((rec.ref, comment, rec.parent_ref))
        self.summary.imported += 1
        if len(self.fresh) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        db.session.flush()
        db.session.add_all(
            ModerationEvent(comment_id=c.id, actor="cli", action="import", to_status=c.status,
                            reason=f"imported from {c.source} {c.source_id}")
            for _, c, _ in self.fresh
        )
        for ref, c, parent_ref in self.fresh:
            self.by_ref[ref] = c.id
            if parent_ref is not None:
                self.pending.append((c.id, parent_ref))
            if isinstance(self.existing[c.article_id].get((c.source, c.source_id)), Comment):
                self.existing[c.article_id][(c.source, c.source_id)] = c.id
        db.session.flush()
        self.fresh = []  # flushed comments are now only weakly held: memory stays flat

    def finish(self) -> Summary:
        """Resolve parents, recompute counts and versions, then commit (or roll back)."""
        try:
            self._flush()
            links = []
            for cid, parent_ref in self.pending:
                target = self.by_ref.get(parent_ref)
                if target is None:
                    self.summary.orphans += 1
                    continue
                links.append({"id": cid,
                              "parent_id": target if isinstance(target, int) else target.id})
            _refuse_cycles({link["id"]: link["parent_id"] for link in links})
            if links:
                db.session.execute(update(Comment), links)
            for article in self.touched.values():
                approved = db.session.scalar(
                    select(func.count(Comment.id)).where(Comment.article_id == article.id,
                                                         Comment.status == "approved")
                )
                db.session.execute(
                    update(Article).where(Article.id == article.id)
                    .values(approved_count=approved, version=Article.version + 1)
                )
            self.summary.articles = len(self.touched)
            if self.summary.dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return self.summary



def _refuse_cycles(parents: dict[int, int]) -> None:
    """:raises ImportFailed: when replies of the file are each other's parents (a cycle)."""
    for start in parents:
        seen = {start}
        node = parents.get(start)
        while node is not None:
            if node in seen:
                raise ImportFailed("replies form a parent cycle (a comment is its own ancestor); "
                                   "nothing was imported")
            seen.add(node)
            node = parents.get(node)


def run(site_key: str, source: str, items: t.Iterable[Record | str],
        dry_run: bool = False) -> Summary:
    """Store every record of one file (a str item is a skip reason); one transaction.

    :raises ImportFailed: unknown site, or a file the parser refuses. Nothing is written then.
    """
    store = Store.open(site_key, source, dry_run)
    try:
        for item in items:
            if isinstance(item, str):
                store.skip(item)
            else:
                store.add(item)
    except BaseException:
        db.session.rollback()
        raise
    return store.finish()
