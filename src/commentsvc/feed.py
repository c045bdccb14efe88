"""Atom 1.0 feeds of approved comments, built with ElementTree so every value is escaped.

    xml_bytes = atom(site_key="demo", site_name="Demo", article_key="hello-world",
                     article_url=None, updated=created_at, comments=rows,
                     self_url="https://comments.example/api/v1/...")

Only public fields go in: author name and website, the rendered body, dates. No address, no IP.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET

from .models import Comment
from .serialize import iso

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot hold at all; dropped rather than producing an unreadable feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def atom(*, site_key: str, site_name: str | None, article_key: str, article_url: str | None,
         updated: dt.datetime, comments: list[Comment], self_url: str) -> bytes:
    """The feed document; comments are given newest first.

    `updated` is used when there is no comment: the article's (else the site's) creation time.
    """
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", _urn(f"commentsvc:{site_key}:{article_key}"))
    _add(feed, "title", f"Comments on {article_key} ({site_name or site_key})")
    times = [c.edited_at or c.created_at for c in comments]
    _add(feed, "updated", iso(max(times) if times else updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    if article_url:
        _add(feed, "link", rel="alternate", type="text/html", href=article_url)
    _add(feed, "generator", "commentsvc")
    for c in comments:
        entry = _add(feed, "entry")
        _add(entry, "id", _urn(f"commentsvc:{site_key}:comment:{c.id}"))
        _add(entry, "title", f"Comment by {c.author_name}")
        _add(entry, "published", iso(c.created_at))
        _add(entry, "updated", iso(c.edited_at or c.created_at))
        author = _add(entry, "author")
        _add(author, "name", c.author_name)
        if c.author_url:
            _add(author, "uri", c.author_url)
        if article_url:
            _add(entry, "link", rel="alternate", type="text/html",
                 href=f"{article_url}#comment-{c.id}")
        _add(entry, "content", c.body_html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
