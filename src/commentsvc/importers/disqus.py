"""Disqus XML exports (threads and posts) -> records for the import store.

    summary = import_file("disqus.xml", "blog", dry_run=False, progress=bar.update)

A thread's article key is the path of its `<link>` (as for WordPress), else its `<id>`
identifier. Posts are matched to threads and parents by their `dsq:id` attributes, in any
order. A post marked `isDeleted` is imported with status `deleted` (never public), so replies
to it still import and keep their place in the thread; `isSpam` becomes `spam`. Skipped, with
the reason in the summary: posts whose thread is missing from the file, posts whose thread has
neither link nor identifier, and posts with an empty message that are not deleted.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from ..render import sanitize_html
from .clean import (
    article_key_of,
    clean_body,
    clean_email,
    clean_name,
    text_of,
)
from .common import ImportFailed, Record, Summary, run
from .xmlstream import Progress, drop, local, stream, text

SOURCE = "disqus"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


@dataclass(frozen=True)
class ThreadInfo:
    key: str | None
    title: str | None
    url: str | None


def _child(elem: Element, name: str) -> Element | None:
    for child in elem:
        if local(child.tag) == name:
            return child
    return None


def _flag(elem: Element, name: str) -> bool | None:
    child = _child(elem, name)
    if child is None:
        return None
    return text(child).strip().lower() == "true"


def _ref(elem: Element, name: str) -> str | None:
    child = _child(elem, name)
    value = child.get(DSQ_ID) if child is not None else None
    return value.strip() if value and value.strip() else None


def parse_date(value: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def thread_info(elem: Element) -> ThreadInfo:
    link = text(_child(elem, "link")).strip() or None
    key = article_key_of(link) or text(_child(elem, "id")).strip() or None
    title = clean_name(text(_child(elem, "title")), default="") or None
    return ThreadInfo(key, title, link)


def post_record(post: Element, thread: ThreadInfo | None) -> Record | str:
    """One post as a record, or the reason it is skipped."""
    pid = (post.get(DSQ_ID) or "").strip()
    if not pid:
        return "post without dsq:id"
    if thread is None:
        return "thread not in the file"
    if not thread.key:
        return "thread without link or identifier"
    created = parse_date(text(_child(post, "createdAt")))
    if created is None:
        return "no valid date"
    deleted = bool(_flag(post, "isDeleted"))
    safe = sanitize_html(clean_body(text(_child(post, "message"))))
    body = text_of(safe)
    if not body and not deleted:
        return "empty message"
    if deleted:
        status = "deleted"
    elif _flag(post, "isSpam"):
        status = "spam"
    elif _flag(post, "isApproved") is False:
        status = "pending"
    else:
        status = "approved"
    author = _child(post, "author")
    name = email = None
    if author is not None:
        name = text(_child(author, "name")).strip() or text(_child(author, "username")).strip()
        email = clean_email(text(_child(author, "email")))
    parent = _ref(post, "parent")
    return Record(
        ref=("", pid),
        parent_ref=("", parent) if parent else None,
        source=SOURCE,
        source_id=pid,
        article_key=thread.key,
        article_title=thread.title,
        article_url=thread.url,
        status=status,
        created_at=created,
        name=clean_name(name),
        url=None,
        email=email,
        ip=text(_child(post, "ipAddress")).strip() or None,
        body=body,
        body_html=safe,
    )


def records(path: str | Path, progress: Progress | None = None) -> t.Iterator[Record | str]:
    """Yield every post record (or skip reason) of a Disqus export while streaming it.

    :raises ImportFailed: for a file that is not a Disqus export or not well-formed.
    """
    threads: dict[str, ThreadInfo] = {}
    waiting: list[tuple[str, Element]] = []  # posts seen before their thread
    depth = 0
    for event, elem, ancestors in stream(path, progress):
        if event == "start":
            if depth == 0 and local(elem.tag) != "disqus":
                raise ImportFailed(f"{path}: not a Disqus export: the root element is "
                                   f"<{local(elem.tag)}>, not <disqus>")
            depth += 1
            continue
        depth -= 1
        if depth != 1:  # only the root's children: category, thread, post
            continue
        name = local(elem.tag)
        if name == "thread":
            tid = (elem.get(DSQ_ID) or "").strip()
            if tid:
                threads[tid] = thread_info(elem)
        elif name == "post":
            tid = _ref(elem, "thread") or ""
            if tid in threads:
                yield post_record(elem, threads[tid])
            else:
                waiting.append((tid, elem))
                ancestors[-1].remove(elem)
                continue
        drop(elem, ancestors)
    for tid, elem in waiting:
        yield post_record(elem, threads.get(tid))


def import_file(path: str | Path, site_key: str, dry_run: bool = False,
                progress: Progress | None = None) -> Summary:
    """Import a Disqus export into a site; one transaction. :raises ImportFailed:"""
    return run(site_key, SOURCE, records(path, progress), dry_run)
