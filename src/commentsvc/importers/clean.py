"""Field cleaning shared by the importers: names, urls, addresses, article keys and bodies.

    clean_email("Ana@Example.ORG\n   ")                 # "Ana@example.org"
    article_key_of("https://blog.example/2021/x/")       # "/2021/x/"
    text_of("<p>Hi <em>you</em></p>")                    # "Hi *you*"
"""

from __future__ import annotations

import functools
import html
import re
import typing as t
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ..fields import check_email, check_url
from ..models import NAME_MAX, URL_MAX


def clean_name(value: str | None, default: str = "Anonymous", unescape: bool = True) -> str:
    """A display name: entities decoded once, control characters dropped, trimmed, bounded."""
    text = html.unescape(value or "") if unescape else (value or "")
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    text = " ".join(text.split())
    return text[:NAME_MAX] or default


def clean_url(value: str | None, limit: int = URL_MAX) -> str | None:
    """An http(s) URL passing the submission rules (`fields.check_url`: a host, no user part,
    no backslashes, no spaces) of at most `limit` characters; anything else is dropped."""
    text = (value or "").strip()
    if not text or len(text) > limit:
        return None
    try:
        return check_url(text)
    except ValueError:
        return None


ARTICLE_URL_MAX = 2000  # the articles.url column


def clean_article_url(value: str | None) -> str | None:
    """A post's link as the feed's href may hold it: http(s) only, else None."""
    return clean_url(value, ARTICLE_URL_MAX)


@functools.lru_cache(maxsize=4096)  # commenters come back: validate each address once
def clean_email(value: str | None) -> str | None:
    """The address normalised like a new one (syntax only), or None when it is not valid."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return check_email(text, dns=False)
    except ValueError:
        return None


def article_key_of(link: str | None) -> str | None:
    """The path of a post's link (with its query for `?p=4` links); None without a link."""
    text = (link or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    key = parts.path or "/"
    if parts.query:
        key += "?" + parts.query
    return key


def clean_body(text: str | None) -> str:
    """Line endings unified, NUL and other control characters (but newlines and tabs) dropped."""
    value = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


class _TextOf(HTMLParser):
    """Safe HTML back to Markdown-ish text: paragraphs, line breaks, emphasis and links kept."""

    MARKS: t.ClassVar[dict[str, str]] = {"em": "*", "strong": "**", "code": "`", "del": "~~"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "blockquote":
            self.out.append("\n> ")
        elif tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag == "a":
            href = dict(attrs).get("href")
            self.hrefs.append(href)
            if href:
                self.out.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "pre", "ul", "ol", "blockquote"):
            self.out.append("\n\n")
        elif tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            if href:
                self.out.append(f"]({href})")

    def handle_data(self, data: str) -> None:
        # Newlines in HTML text are just spaces; <br> and </p> make the real ones.
        self.out.append(re.sub(r"\s*\n\s*", " ", data))


def text_of(safe_html: str) -> str:
    """A plain-text (Markdown-ish) version of sanitised HTML, for moderators."""
    parser = _TextOf()
    parser.feed(safe_html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip()
