"""The write path of comments: a submission's locks, decisions and answer.

    comment, edit_token = submit(site_key, article_key, submission, client)

Reading threads lives in `threads`; the statements a submission runs once the poster's locks
are held (its checks, the insert) and `bump_article` live in `comment_sql`.

Every change that alters what the public sees goes through `bump_article` (re-exported here),
which keeps `approved_count` exact and moves `version` on in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import BigInteger, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from . import bans, i18n, notify, sites, subscriptions
from .comment_sql import Poster, checks, insert_comment
from .comment_sql import bump_article as bump_article
from .errors import CommentsClosed, Duplicate, NotFound, TooFast, ValidationFailed
from .extensions import db
from .models import (
    SITE_KEY_RE,
    Article,
    Comment,
    Decoy,
    Site,
    comments_open,
    quiet_action,
    utcnow,
)
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


def mark_approved(comment: Comment, site: Site, held: bool, counted: bool = False) -> None:
    """A comment became public: count it, move the version on, and queue reader notifications.

    The one place both ways to publication pass (approved at submission, or by a moderator,
    `held`); the outbox row joins the caller's transaction, which the caller commits.
    `counted`: the statement that stored it counted it already (`comment_sql.insert_comment`).
    """
    if not counted:
        bump_article(comment.article_id, +1)
    reader.queue_approved(comment, site, held)


@functools.cache
def _site_article_statement(locks: int, postgresql: bool) -> t.Any:
    """Site, article and `locks` advisory locks in one statement, built once.

    On PostgreSQL it also asks for generic plans until the transaction ends. The checks and the
    insert that follow run as prepared statements (psycopg prepares a statement on its 6th run
    on a connection) whose best plan never depends on the values (look-ups by hash, id and
    text), yet PostgreSQL planned each run afresh: ~0.35 ms of its CPU per submission, more
    than running them. `set_config(..., true)` lasts for this transaction only: other work on
    the pooled connection keeps plans chosen by its values.
    """
    taken = [func.pg_advisory_xact_lock(bindparam(f"lock{i}", type_=BigInteger))
             for i in range(locks)]
    if postgresql:
        taken.append(func.set_config("plan_cache_mode", "force_generic_plan", True))
    return (select(Site, Article, *taken)
            .outerjoin(Article, (Article.site_id == Site.id)
                       & (Article.key == bindparam("article_key")))
            .where(Site.key == bindparam("site_key")))


def _site_and_article(site_key: str, article_key: str,
                      *hashes: str | None) -> tuple[Site, Article | None]:
    """The site and its article (None: none yet) in one round trip, which on PostgreSQL also
    serialises submissions of one address or IP until this transaction ends (an advisory xact
    lock per hash, in one order: no deadlock). The checks run in a later statement, whose
    snapshot (READ COMMITTED) is taken once the locks are held, so they see every earlier
    submission of this poster (check-then-insert is atomic; SQLite: `_sqlite_writer_lock`).
    :raises NotFound: unknown site."""
    if not SITE_KEY_RE.fullmatch(site_key):
        sites.get(site_key)  # raises the one NotFound of sites
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    ids = sorted({_lock_id(h) for h in hashes if h}) if postgresql else []
    row = db.session.execute(_site_article_statement(len(ids), postgresql), {
        "site_key": site_key, "article_key": article_key,
        **{f"lock{i}": lock_id for i, lock_id in enumerate(ids)}}).first()
    if row is None:
        sites.get(site_key)  # raises the one NotFound of sites
        return _site_and_article(site_key, article_key, *hashes)  # made meanwhile: lock too
    return row[0], row[1]


def _sqlite_writer_lock(site: Site) -> None:
    """SQLite: the database's write lock, taken now by a no-op write (SQLite has one writer;
    reads before it ran outside a transaction, so the checks after it see the latest data)."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(Site).where(Site.id == site.id).values(id=Site.id))


def _lock_id(value: str) -> int:
    """A signed 64-bit advisory lock id for a poster's hash."""
    digest = hashlib.sha256(b"commentsvc flood " + value.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _flood_wait(last: dt.datetime | None, now: dt.datetime) -> None:
    """:raises TooFast: the poster's last submission is newer than FLOOD_SECONDS."""
    if last is None:
        return
    if last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    wait = int(current_app.config["FLOOD_SECONDS"]) - int((now - last).total_seconds())
    raise TooFast(max(1, wait))


def _decoy(article: Article, sub: Submission, hashes: tuple[str, str | None, str],
           now: dt.datetime) -> tuple[Comment, str]:
    """Answer a repeat from another client as a held comment and store none: its id is drawn
    as a comment's would be, its edit token edits and withdraws as a real one does."""
    email_hash, ip_hash, body_fingerprint = hashes
    if db.session.get_bind().dialect.name == "postgresql":
        cid = db.session.scalar(select(func.nextval(func.pg_get_serial_sequence("comments", "id"))))
    else:  # SQLite (development): the next rowid, not yet taken by a decoy either
        cid = 1 + max(db.session.scalar(select(func.max(Comment.id))) or 0,
                      db.session.scalar(select(func.max(Decoy.id))) or 0)
    k = keys()
    edit_token = secrets.token_urlsafe(32)
    decoy = Decoy(id=cid, article_id=article.id, email_hash=email_hash, ip_hash=ip_hash,
                  body_fingerprint=body_fingerprint, edit_token_hash=k.token_hash(edit_token),
                  parent_id=sub.parent_id, author_name=sub.name, author_url=sub.url,
                  avatar_key=k.avatar_key(sub.email, article.site.key), created_at=now)
    db.session.add(decoy)
    db.session.commit()
    return shadow(decoy, sub.body), edit_token


def shadow(decoy: Decoy, body: str, edited_at: dt.datetime | None = None) -> Comment:
    """A pending comment to answer with, never added to the session."""
    return Comment(id=decoy.id, article_id=decoy.article_id, parent_id=decoy.parent_id,
                   status="pending", author_name=decoy.author_name, author_url=decoy.author_url,
                   avatar_key=decoy.avatar_key, body=body, body_html=render_body(body),
                   created_at=decoy.created_at, edited_at=edited_at)


def decide_status(site: Site, verdict: Verdict, email_hashes: list[str], name: str) -> str:
    """The status of a new comment under the site's moderation mode.

    `first-time` trusts an author, as WordPress does, only when the same name *and* address
    (under any current or fallback key) already have an approved comment on this site: a known
    address under a new name ("Site Editor (official)") waits for a moderator.
    """
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
            Comment.author_name == name,
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
    :raises Duplicate: the same person already sent the same text here from this client (from
        another client the answer is a held comment's and nothing is stored; see `_decoy`).
    :raises bans.Banned: a ban in force rejects the address, its domain or the IP's network.
    """
    k: Keys = keys()
    email_hash = k.email_hash(sub.email)
    ip_hash = k.ip_hash(client.ip) if client.ip else None
    site, found = _site_and_article(site_key, article_key, email_hash, ip_hash)
    article = found if found is not None else _get_or_create_article(site, article_key)
    now = utcnow()
    if not comments_open(site, article, now):
        raise CommentsClosed()
    if sub.parent_id is not None:
        # ids are 32-bit on PostgreSQL: a bigger one names nothing (and must not reach the DB)
        parent = db.session.get(Comment, sub.parent_id) if sub.parent_id < 2**31 else None
        if parent is None or parent.article_id != article.id or parent.status != "approved":
            raise NotFound(i18n.N_("The comment you reply to does not exist here."))
    _remember_context(site, article, sub)
    poster = Poster(sub.email, client.ip, k.email_hashes(sub.email),
                    k.ip_hashes(client.ip) if client.ip else [])
    _sqlite_writer_lock(site)
    body_fingerprint = fingerprint(sub.body)
    seen = checks(site.id, article.id, poster, body_fingerprint, now)
    if seen.ban == "reject":  # before anything else is told
        raise bans.Banned()
    if seen.repeat == "duplicate":  # a double submit is told so, not to wait and send it again
        raise Duplicate()  # (as WordPress checks): it tells the sender only what they sent
    _flood_wait(seen.last, now)
    if seen.repeat == "decoy":
        return _decoy(article, sub, (email_hash, ip_hash, body_fingerprint), now)
    prefix = ip_prefix(client.ip)
    ctx = Context(site=site, email_hash=email_hash, ip_prefix=prefix, ip_hash=ip_hash,
                  user_agent=client.user_agent,
                  extra={"ip": client.ip, "article": article_key,
                         "email_hashes": poster.email_hashes, "model_head": seen.model_head})
    verdict = (Verdict(score=1.0, reasons=["ban"], spam=True, hold=True) if seen.ban
               else score_submission(sub, ctx))  # a shadow ban: no spam check runs
    status = decide_status(site, verdict, poster.email_hashes, sub.name)
    reasons = list(verdict.reasons)
    if seen.repeat == "copy":
        reasons.append("repeats the text of another comment here")
        if status == "approved":
            status = "pending"  # another address's exact words: a moderator looks first
    if status == "approved" and quiet_action(site, now) == "hold":
        status = "pending"  # nobody moderates now: every comment waits (issue 17)
        reasons.append("quiet hours")
    edit_token = secrets.token_urlsafe(32)
    values = {
        "article_id": article.id, "parent_id": sub.parent_id, "status": status,
        "author_name": sub.name, "author_url": sub.url, "email_hash": email_hash,
        "email_cipher": k.encrypt(sub.email), "avatar_key": k.avatar_key(sub.email, site.key),
        "ip_prefix": prefix, "ip_hash": ip_hash,
        "user_agent": (client.user_agent or "")[:200] or None, "body": sub.body,
        "body_html": render_body(sub.body), "body_fingerprint": body_fingerprint,
        "spam_score": verdict.score, "spam_reasons": reasons,
        "edit_token_hash": k.token_hash(edit_token), "created_at": now, "staff": False,
    }
    try:
        comment_id = insert_comment(values, ", ".join(reasons) or None)
    except IntegrityError:
        db.session.rollback()
        raise Duplicate() from None
    comment = Comment(id=comment_id, **values)  # the answer's; never added to the session
    if status == "approved":
        mark_approved(comment, site, held=False, counted=True)
    if sub.notify:
        subscriptions.subscribe(site, article, comment, sub.email, sub.notify, client.lang, now)
    notify.queue_held(comment, site)
    db.session.commit()
    return comment, edit_token


def article_for(site: Site, key: str) -> Article:
    """The article of a site, created on first use (a moderator may close it before any comment)."""
    return _get_or_create_article(site, key)


def _under_origins(url: str, origins: list[str]) -> bool:
    parts = urlsplit(url)
    try:
        return sites.normalize_origin(f"{parts.scheme}://{parts.netloc}") in origins
    except ValueError:
        return False


def _remember_context(site: Site, article: Article, sub: Submission) -> None:
    """Keep the first title and URL a page sends for its article (imports keep theirs).

    :raises ValidationFailed: the URL is not under one of the site's origins.
    """
    if sub.article_url and not _under_origins(sub.article_url, site.origins):
        raise ValidationFailed({"article_url": i18n.N_("must be under one of the site's origins")})
    if sub.article_title and not article.title:
        article.title = sub.article_title
    if sub.article_url and not article.url:
        article.url = sub.article_url
