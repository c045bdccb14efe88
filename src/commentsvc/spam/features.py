"""Turn a comment into the features the learned filter counts: pure functions, no database.

    features("Check out my channel http://x.example ﻿")
    # {"w:check", "w:out", "w:my", "dom:x.example", "promo:check-out", "meta:link", ...}

Text is normalised first (HTML entities and tags, zero-width characters, Unicode forms, case),
and features are chosen to carry across sites: words and word pairs, link domains, shouting,
long digit runs, and the self-promotion phrases comment spam lives on. (Word pairs were tried
and dropped: cross-validation inside the training videos scored them worse on every fold.)
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

MAX_FEATURE = 100  # the SpamToken column width
_ZERO_WIDTH = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)
_TAG = re.compile(r"<[^>]{0,2000}>")
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|net|org|ly|info|co|me|tk|"
    r"gl|tv|io|us|uk|de|ru|biz|xyz)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_DIGITS = re.compile(r"\d{5,}")
_REPEAT = re.compile(r"(.)\1{3,}")

# Self-promotion as it appears on comment sections, whatever the site or video.
PROMO: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "check-out": r"\bcheck (?:out|it out|this out|my|me)\b",
        "my-channel": r"\bmy (?:channel|chanel|channal|page|videos?|vids?|songs?|music|account|"
                      r"profile|blog|site|website|new video|playlist|cover|youtube)\b",
        "subscribe": r"\b(?:subscribe|subscribers?|subs?crib|sub to|sub me|sub my|subbed|"
                     r"sub4sub|sub 4 sub)\b",
        "follow-me": r"\bfollow (?:me|us|my)\b",
        "like-this": r"\b(?:like this comment|thumbs up|give (?:it|me|this) a like|please like|"
                     r"like and share|likes? if)\b",
        "please-visit": r"\b(?:please|pls|plz) (?:visit|watch|check|help|share|click|go)\b",
        "money": r"\b(?:earn|make|making) (?:money|\$|cash)|\bfree (?:gift|money|iphone|"
                 r"giftcard|gift card)\b|\bper (?:day|hour|week)\b|\bwork from home\b",
        "click": r"\bclick (?:here|the link|this|on)\b",
        "i-make": r"\bi (?:make|made|do|have|upload|am making|just made|started)\b.{0,30}"
                  r"\b(?:videos?|music|songs?|covers?|channel|vlogs?|beats?|raps?)\b",
        "new-here": r"\b(?:new (?:youtuber|channel|rapper|singer|artist)|small (?:youtuber|"
                    r"channel))\b",
    }.items()
}


def normalise(text: str) -> str:
    """Plain lower-case text: entities decoded, tags dropped (link targets kept), no zero-widths."""
    text = html.unescape(html.unescape(text or ""))
    text = _HREF.sub(lambda m: " " + m.group(1) + " <", text)
    text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return text


def link_domains(text: str) -> list[str]:
    """The host of every link in the (normalised) text, without a leading www."""
    hosts = []
    for match in _URL.finditer(text):
        raw = match.group(0)
        if not raw.lower().startswith(("http://", "https://")):
            raw = "http://" + raw
        try:
            host = urlsplit(raw).hostname or ""
        except ValueError:
            continue
        host = host.removeprefix("www.").removeprefix("m.")
        if host:
            hosts.append(host[:80])
    return hosts


def features(text: str, author: str = "") -> set[str]:
    """The feature set of one comment (each feature counts once per comment)."""
    plain = normalise(text)
    folded = plain.casefold()
    out: set[str] = set()
    domains = link_domains(plain)
    for host in domains:
        out.add(f"dom:{host}")
        parts = host.split(".")
        if len(parts) >= 2:
            out.add(f"dom2:{'.'.join(parts[-2:])}")
    if domains:
        out.add("meta:link")
        out.add(f"meta:links:{min(len(domains), 3)}")
    words = _WORD.findall(_URL.sub(" ", folded))
    for word in words:
        if 1 < len(word) <= 30:
            out.add(f"w:{word}")
    for name, pattern in PROMO.items():
        if pattern.search(folded):
            out.add(f"promo:{name}")
    letters = [ch for ch in plain if ch.isalpha()]
    if len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6:
        out.add("meta:shout")
    if _DIGITS.search(_URL.sub(" ", plain)):
        out.add("meta:digits")
    if _REPEAT.search(folded):
        out.add("meta:repeat")
    n = len(words)
    out.add(f"meta:len:{0 if n < 4 else 1 if n < 10 else 2 if n < 25 else 3 if n < 60 else 4}")
    if "\n" in plain.strip() or plain.count("  ") > 2:
        out.add("meta:layout")
    if any(unicodedata.category(ch) == "So" for ch in plain):
        out.add("meta:symbol")
    return {f[:MAX_FEATURE] for f in out}
