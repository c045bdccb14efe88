"""The statements of a submission once the poster's locks are held, and the article's counters.

    found = checks(site_id, article_id, poster, body_fingerprint, now)
    found.last, found.repeat, found.ban, found.model_head    # one round trip
    comment_id = insert_comment(values, reason)     # the comment, its audit event and (approved)
                                                    # the article's counters: one round trip on
                                                    # PostgreSQL, three on SQLite
    bump_article(article_id, approved_delta)        # the public view of an article changed

`comments.submit` takes the locks and decides; the SQL it runs afterwards lives here. The bans
and the learned filter lend their subqueries (`bans.mode_column`, `store.head_columns`), so a
write asks neither in a round trip of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Integer, bindparam, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm.util import identity_key

from . import bans, versions
from .cache import caches
from .extensions import db, one_of
from .models import Article, Comment, Decoy, ModerationEvent, UTCDateTime
from .spam import store

# What a submission writes of a comment (every other column keeps its default, NULL).
COMMENT_COLUMNS = ("article_id", "parent_id", "status", "author_name", "author_url",
                   "email_hash", "email_cipher", "avatar_key", "ip_prefix", "ip_hash",
                   "user_agent", "body", "body_html", "body_fingerprint", "spam_score",
                   "spam_reasons", "edit_token_hash", "created_at", "staff")
COMMENTS: t.Any = Comment.__table__  # written through Core: no ORM unit of work for one row
EVENTS: t.Any = ModerationEvent.__table__


@dataclass(frozen=True)
class Poster:
    """Who sends: the address and IP as given, and their hashes under every key."""

    email: str
    ip: str | None
    email_hashes: list[str]
    ip_hashes: list[str]


@dataclass(frozen=True)
class Checks:
    """What `checks` found (see there)."""

    last: dt.datetime | None
    repeat: str | None
    ban: str | None
    model_head: store.Head | None


@functools.cache
def _checks_statement(postgresql: bool) -> t.Any:
    """The flood and repeat checks, the ban and the filter's version in one statement."""
    def emails(column: t.Any) -> t.Any:
        return one_of(column, "emails", postgresql)

    def ips(column: t.Any) -> t.Any:
        return one_of(column, "ips", postgresql)

    since = bindparam("since", type_=UTCDateTime)
    text_c = (Comment.article_id == bindparam("article_id"),
              Comment.body_fingerprint == bindparam("fingerprint"))
    text_d = (Decoy.article_id == bindparam("article_id"),
              Decoy.body_fingerprint == bindparam("fingerprint"), Decoy.withdrawn.is_(False),
              emails(Decoy.email_hash))
    return select(
        select(func.max(Comment.created_at)).where(
            or_(emails(Comment.email_hash), ips(Comment.ip_hash)),
            Comment.created_at > since).scalar_subquery(),
        select(func.max(Decoy.created_at)).where(
            or_(emails(Decoy.email_hash), ips(Decoy.ip_hash)),
            Decoy.created_at > since).scalar_subquery(),
        exists().where(*text_c, emails(Comment.email_hash), ips(Comment.ip_hash)),
        exists().where(*text_d, ips(Decoy.ip_hash)),
        exists().where(*text_c, emails(Comment.email_hash)),
        exists().where(*text_d),
        exists().where(*text_c),
        bans.mode_column(postgresql),
        *store.head_columns(),
    )


def checks(site_id: int, article_id: int, poster: Poster, body_fingerprint: str,
           now: dt.datetime) -> Checks:
    """One round trip, after the poster's locks (so it sees every earlier submission of theirs):

    - `last`: the poster's latest submission within FLOOD_SECONDS (a comment or decoy by this
      address or IP under any current or fallback key; None: none, or no limit);
    - `repeat`: whether this text was sent here before: "duplicate" (same address, same client:
      a double submit), "decoy" (same address, another client: answered as held, stored never,
      so the rule is no oracle of who wrote what), "copy" (another address's text: held for a
      moderator, so a right and a wrong guess look alike), or None;
    - `ban`: the mode of the ban in force on the address, its domain or the IP's prefix
      ("reject" before "shadow"), or None;
    - `model_head`: the learned filter's newest version under the current key, or None.
    """
    seconds = int(current_app.config["FLOOD_SECONDS"])
    since = now - dt.timedelta(seconds=seconds if seconds > 0 else -86400)  # none: none passes
    # On the session's connection: a Core statement needs none of the ORM's execution layer
    # (autoflush, ORM events), which costs ~0.1 ms a statement here.
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    row = connection.execute(_checks_statement(postgresql), {
        "emails": poster.email_hashes, "ips": poster.ip_hashes, "since": since,
        "article_id": article_id, "fingerprint": body_fingerprint,
        **bans.mode_params(site_id, poster.email_hashes, poster.email, poster.ip, now),
        **store.head_params()}).one()
    (last_comment, last_decoy, same_client_c, same_client_d, mine_c, mine_d, any_text, ban,
     model_id, model_made) = row
    last = max((x for x in (last_comment, last_decoy) if x is not None), default=None)
    repeat = ("duplicate" if same_client_c or same_client_d
              else "decoy" if mine_c or mine_d else "copy" if any_text else None)
    head = (model_id, model_made) if model_id is not None else None
    return Checks(last, repeat, ban, head)


@functools.cache
def _bump_statement() -> t.Any:  # built once; bump_article expires the loaded article's columns
    return (
        update(Article)
        .where(Article.id == bindparam("article_id"))
        .values(version=Article.version + 1,
                approved_count=Article.approved_count + bindparam("delta", type_=Integer))
        .execution_options(synchronize_session=False, **{versions.NOTED: True})
    )


def _noting(article_id: int) -> t.Any:
    """The session, told that the article's public view changes in its transaction."""
    caches().heads.clear()  # this worker reads its own writes at once
    session = db.session()
    versions.note_article(session, article_id)  # ... and its version map once committed
    return session


def _expire_counts(session: t.Any, article_id: int) -> None:
    loaded = session.identity_map.get(identity_key(Article, article_id))
    if loaded is not None:  # read again on next use, never the value from before the UPDATE
        session.expire(loaded, ["version", "approved_count"])


def bump_article(article_id: int, approved_delta: int = 0) -> None:
    """Move the article's version on (public view changed) and adjust its approved count."""
    session = _noting(article_id)
    session.execute(_bump_statement(), {"article_id": article_id, "delta": approved_delta})
    _expire_counts(session, article_id)


def _p(name: str) -> str:
    """A parameter's name, unlike every column's: a key named as a column of a table that an
    UPDATE or INSERT in the statement writes would be written to that column too."""
    return f"new_{name}"


def _comment_values() -> dict[str, t.Any]:
    columns = COMMENTS.c
    return {name: bindparam(_p(name), type_=columns[name].type) for name in COMMENT_COLUMNS}


def _event_values(comment_id: t.Any) -> tuple[list[str], t.Any]:
    """The columns and values of a submission's audit event (`comment_id`: an expression)."""
    columns = EVENTS.c
    return (["comment_id", "actor", "action", "to_status", "reason", "created_at"],
            select(comment_id, literal("author", columns.actor.type),
                   literal("submit", columns.action.type),
                   bindparam(_p("status"), type_=columns.to_status.type),
                   bindparam(_p("reason"), type_=columns.reason.type),
                   bindparam(_p("created_at"), type_=columns.created_at.type)))


@functools.cache
def _insert_all(approved: bool) -> t.Any:
    """PostgreSQL: the comment, its event and (approved) the article's counters, one statement
    (data-modifying CTEs: all or nothing, run whether or not the final SELECT reads them)."""
    new = insert(COMMENTS).values(_comment_values()).returning(COMMENTS.c.id).cte("new_comment")
    event = insert(EVENTS).from_select(*_event_values(new.c.id)).cte("new_event")
    ctes = [event]
    if approved:
        articles = Article.__table__
        ctes.append(update(articles).where(articles.c.id == bindparam(_p("article_id"))).values(
            version=articles.c.version + 1, approved_count=articles.c.approved_count + 1,
        ).cte("counted"))
    return select(new.c.id).add_cte(*ctes).execution_options(**{versions.NOTED: True})


@functools.cache
def _comment_alone() -> t.Any:
    return insert(COMMENTS).values(_comment_values())


@functools.cache
def _event_alone() -> t.Any:
    return insert(EVENTS).from_select(*_event_values(bindparam(_p("comment_id"))))


def insert_comment(values: dict[str, t.Any], reason: str | None) -> int:
    """Store a new comment (`values`: COMMENT_COLUMNS) with its "submit" audit event and, when
    approved, count it and move the article's version on; returns the comment's id. The
    caller commits (a worker then reads its own write at once: see `_noting`).

    :raises sqlalchemy.exc.IntegrityError: the same address's text is already stored here.

    PostgreSQL: run on the session's connection (a Core statement); what the session holds
    unflushed (an article's first title) is flushed when it commits.
    """
    approved = values["status"] == "approved"
    article_id = values["article_id"]
    session = _noting(article_id) if approved else db.session()
    params = {_p(name): value for name, value in values.items()}
    params[_p("reason")] = reason
    if session.get_bind().dialect.name == "postgresql":
        comment_id = int(session.connection().execute(_insert_all(approved), params)
                         .scalar_one())
    else:  # SQLite has no data-modifying CTEs: the same three statements one by one
        done: t.Any = session.execute(_comment_alone(), params)
        comment_id = int(done.inserted_primary_key[0])
        session.execute(_event_alone(), {**params, _p("comment_id"): comment_id})
        if approved:
            session.execute(_bump_statement(), {"article_id": article_id, "delta": 1})
    if approved:
        _expire_counts(session, article_id)
    return comment_id
