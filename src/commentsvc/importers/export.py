"""A site's comments as JSON lines, and those lines read back: nobody is locked in.

    for line in export_lines("blog", with_emails=False):
        print(line)
    summary = import_file("blog.jsonl", "blog")   # into another (empty) database

One comment a line, parents' ids referring to other lines' `id`:
{"article": {"key", "title", "url"}, "id", "parent_id", "status", "created_at", "edited_at",
 "name", "url", "body", "body_html", "source", "source_id"} plus "email" and "notify" (the
reader-mail subscription its author made with it: "replies", "all" or null) only when asked for.
Dates are ISO 8601 in UTC with a `Z`. `source`/`source_id` name where an imported comment first
came from (null for comments posted here), so importing the old WordPress file again after a
move still adds nothing. Every status is exported, so threads keep their shape.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from pathlib import Path

from sqlalchemy import select

from .. import subscriptions
from ..extensions import db
from ..fields import check_status
from ..models import Article, Comment
from ..privacy import keys
from ..render import render_body, sanitize_html
from .clean import (
    clean_body,
    clean_email,
    clean_name,
    clean_url,
    text_of,
)
from .common import ImportFailed, Record, Summary, run
from .common import Store as _Store

SOURCE = "commentsvc"
Progress = t.Callable[[int], None]


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC, to the microsecond, with a Z."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def export_lines(site_key: str, with_emails: bool = False) -> t.Iterator[str]:
    """Every comment of the site as one JSON line each, article by article, oldest first.

    :raises ImportFailed: when the site does not exist.
    """
    site = _Store.open(site_key, SOURCE).site
    k = keys()
    scopes = subscriptions.scopes_by_comment(site.id) if with_emails else {}
    rows = db.session.execute(
        select(Comment, Article)
        .join(Article, Comment.article_id == Article.id)
        .where(Article.site_id == site.id)
        .order_by(Article.id, Comment.created_at, Comment.id)
        .execution_options(yield_per=500)
    )
    for comment, article in rows:
        line: dict[str, t.Any] = {
            "article": {"key": article.key, "title": article.title, "url": article.url},
            "id": comment.id,
            "parent_id": comment.parent_id,
            "status": comment.status,
            "created_at": iso(comment.created_at),
            "edited_at": iso(comment.edited_at),
            "name": comment.author_name,
            "url": comment.author_url,
            "body": comment.body,
            "body_html": comment.body_html,
            "source": comment.source,
            "source_id": comment.source_id,
        }
        if with_emails:
            line["email"] = k.decrypt(comment.email_cipher) if comment.email_cipher else None
            line["notify"] = scopes.get(comment.id)
        yield json.dumps(line, ensure_ascii=False)


def _date(value: t.Any, field: str, where: str, required: bool = True) -> dt.datetime | None:
    if value is None and not required:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ImportFailed(f"{where}: {field} is not an ISO 8601 date: {value!r}") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def line_record(data: t.Any, where: str) -> Record | str:
    """One exported line as a record, or a skip reason.

    :raises ImportFailed: for a line that is not an export line.
    """
    if not isinstance(data, dict):
        raise ImportFailed(f"{where}: not a JSON object")
    article = data.get("article")
    if not isinstance(article, dict) or not isinstance(article.get("key"), str):
        raise ImportFailed(f"{where}: article.key is missing")
    if data.get("id") is None:
        raise ImportFailed(f"{where}: id is missing")
    try:
        status = check_status(data.get("status"))
    except ValueError as e:
        raise ImportFailed(f"{where}: status {e}") from None
    if not isinstance(data.get("body"), str):
        raise ImportFailed(f"{where}: body is missing")
    body = clean_body(data["body"])
    given_html = data.get("body_html")
    safe = sanitize_html(given_html) if isinstance(given_html, str) else render_body(body)
    if not body:
        body = text_of(safe)
    if not body and status != "deleted":
        return "empty body"
    source, source_id = data.get("source"), data.get("source_id")
    if not (isinstance(source, str) and source and source_id is not None):
        source, source_id = SOURCE, data["id"]
    parent = data.get("parent_id")
    return Record(
        ref=("", str(data["id"])),
        parent_ref=("", str(parent)) if parent is not None else None,
        source=source[:32],
        source_id=str(source_id),
        article_key=article["key"],
        article_title=article.get("title") if isinstance(article.get("title"), str) else None,
        article_url=article.get("url") if isinstance(article.get("url"), str) else None,
        status=status,
        created_at=_date(data.get("created_at"), "created_at", where),  # type: ignore[arg-type]
        edited_at=_date(data.get("edited_at"), "edited_at", where, required=False),
        name=clean_name(data.get("name") if isinstance(data.get("name"), str) else None,
                        unescape=False),
        url=clean_url(data.get("url") if isinstance(data.get("url"), str) else None),
        email=clean_email(data.get("email") if isinstance(data.get("email"), str) else None),
        ip=None,
        body=body,
        body_html=safe,
        where=where,
    )


def records(path: str | Path, progress: Progress | None = None) -> t.Iterator[Record | str]:
    """Yield the record of every line of an export file.

    :raises ImportFailed: for a line that is not valid JSON or not an export line.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as e:
        raise ImportFailed(f"{path}: cannot read the file: {e.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if progress is not None:
                progress(len(raw))
            if not raw.strip():
                continue
            where = f"{path}: line {number}"
            try:
                data = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise ImportFailed(f"{where}: not valid JSON ({e}); nothing was imported") from None
            yield line_record(data, where)


def import_file(path: str | Path, site_key: str, dry_run: bool = False,
                progress: Progress | None = None) -> Summary:
    """Import a JSON-lines export into a site; one transaction. :raises ImportFailed:"""
    return run(site_key, SOURCE, records(path, progress), dry_run)
