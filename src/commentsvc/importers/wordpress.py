"""WordPress eXtended RSS (WXR 1.0, 1.1, 1.2) comments -> records for the import store.

    summary = import_file("export.xml", "blog", dry_run=False, progress=bar.update)

Read item by item while streaming. The `wp:` namespace is matched loosely (any
`wordpress.org/export/1.x/` over http or https). The article key is the path of the post's
`<link>`, with the query kept for `?p=4` links; items without a link use `/?p=<post_id>`.
Bodies are HTML: auto-paragraphed like wpautop, then reduced to the safe subset.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from pathlib import Path
from xml.etree.ElementTree import Element

from ..render import sanitize_html
from .clean import (
    article_key_of,
    clean_body,
    clean_email,
    clean_name,
    clean_url,
    text_of,
)
from .common import ImportFailed, Record, Summary, run
from .xmlstream import Progress, drop, local, namespace, stream, text

SOURCE = "wordpress"
STATUS = {"1": "approved", "approve": "approved", "0": "pending", "hold": "pending",
          "spam": "spam", "trash": "rejected", "post-trashed": "rejected"}
COMMENT_TYPES = ("", "comment", "review")
SKIPPED_TYPES = ("pingback", "trackback")
_BLOCK = re.compile(r"<(p|div|ul|ol|li|blockquote|pre|table|dl)[\s>]", re.I)
_HEADING_OPEN = re.compile(r"<h[1-6][^>]*>", re.I)
_HEADING_CLOSE = re.compile(r"</h[1-6]\s*>", re.I)


def is_wp(tag: object) -> bool:
    """Whether the tag is in a WXR `wp:` namespace, whatever its version or scheme."""
    return "wordpress.org/export/" in namespace(tag)


def autop(content: str) -> str:
    """wpautop, simply: blank lines make paragraphs, single newlines make line breaks.

    A chunk that already starts with a block tag is left as it is; headings (not in the safe
    subset) become bold paragraphs so their text keeps its own line.
    """
    content = _HEADING_OPEN.sub("<p><strong>", content)
    content = _HEADING_CLOSE.sub("</strong></p>", content)
    out = []
    for chunk in re.split(r"\n\s*\n", content):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    return "\n".join(out)


def parse_date(gmt: str, local_time: str) -> dt.datetime | None:
    """comment_date_gmt, else comment_date (the blog's local time, taken as UTC)."""
    for value in (gmt, local_time):
        value = value.strip()
        if not value or value.startswith("0000"):
            continue
        try:
            return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def _fields(elem: Element) -> dict[str, str]:
    """The wp: children of an element by local name (first occurrence wins)."""
    out: dict[str, str] = {}
    for child in elem:
        if is_wp(child.tag):
            out.setdefault(local(child.tag), text(child))
    return out


def comment_record(c: dict[str, str], key: str, title: str | None,
                   link: str | None) -> Record | str:
    """One wp:comment as a record, or the reason it is skipped."""
    kind = c.get("comment_type", "").strip()
    if kind in SKIPPED_TYPES:
        return kind
    if kind not in COMMENT_TYPES:
        return f"comment type {kind}"
    cid = c.get("comment_id", "").strip()
    if not cid:
        return "no comment_id"
    created = parse_date(c.get("comment_date_gmt", ""), c.get("comment_date", ""))
    if created is None:
        return "no valid date"
    safe = sanitize_html(autop(clean_body(c.get("comment_content"))))
    body = text_of(safe)
    if not body:
        return "empty body"
    parent = c.get("comment_parent", "0").strip()
    return Record(
        ref=(key, cid),
        parent_ref=(key, parent) if parent not in ("", "0") else None,
        source=SOURCE,
        source_id=cid,
        article_key=key,
        article_title=title,
        article_url=link,
        status=STATUS.get(c.get("comment_approved", "").strip(), "pending"),
        created_at=created,
        name=clean_name(c.get("comment_author")),
        url=clean_url(c.get("comment_author_url")),
        email=clean_email(c.get("comment_author_email")),
        ip=c.get("comment_author_IP", "").strip() or None,
        body=body,
        body_html=safe,
    )


def _item_records(item: Element) -> list[Record | str]:
    comments = [child for child in item if is_wp(child.tag) and local(child.tag) == "comment"]
    if not comments:
        return []
    title = clean_name(text(item.find("title")), default="") or None
    link = text(item.find("link")).strip() or None
    key = article_key_of(link)
    if key is None:
        post_id = _fields(item).get("post_id", "").strip()
        key = f"/?p={post_id}" if post_id else None
    if key is None:
        return ["post without link or id"] * len(comments)
    return [comment_record(_fields(c), key, title, link) for c in comments]


def records(path: str | Path, progress: Progress | None = None) -> t.Iterator[Record | str]:
    """Yield every comment record (or skip reason) of a WXR file while streaming it.

    :raises ImportFailed: for a file that is not WXR or not well-formed.
    """
    first = True
    for event, elem, ancestors in stream(path, progress):
        if first:
            first = False
            if local(elem.tag) != "rss":
                raise ImportFailed(f"{path}: not a WordPress export (WXR): the root element is "
                                   f"<{local(elem.tag)}>, not <rss>")
        if event == "end" and local(elem.tag) == "item":
            yield from _item_records(elem)
            drop(elem, ancestors)


def import_file(path: str | Path, site_key: str, dry_run: bool = False,
                progress: Progress | None = None) -> Summary:
    """Import a WXR file into a site; one transaction. :raises ImportFailed:"""
    return run(site_key, SOURCE, records(path, progress), dry_run)
