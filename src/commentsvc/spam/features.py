"""Turn a comment into the features the learned filter weighs: pure functions, no database.

    features("Check out my channel http://x.example/a?ref=1 \ufeff", author="Ana B")
    # {"w:check", "b:check out", "p:check|channel|2", "host:x.example", "dom:x.example",
    #  "tld:example", "path:a", "qp:ref", "links:1", "a:ana", "len:2", ...}

Text is normalised first, in this order: tags are stripped (a link's target is kept as text),
then HTML entities are unescaped (so an escaped "&lt;b&gt;" stays words, never a tag), then
zero-width characters and U+FEFF are deleted, then NFKC, then lower case. The features are
the ones that carried across videos in the cross-video study (issue 18): word unigrams and
bigrams, orthogonal sparse word pairs up to 4 apart, link host / domain / TLD / path words /
query-parameter names, shape buckets (length, capitals, digits, punctuation) and the words of
the author's name. Character n-grams were worse across videos and are not used.
"""

from __future__ import annotations

import html
import math
import re
import typing as t
import unicodedata
from urllib.parse import parse_qsl, urlsplit

MAX_FEATURE = 100  # characters kept of one feature (a stored example's are hashed again)
OSB_DISTANCE = 4  # word pairs up to this many words apart
MAX_WORDS = 150  # words read per comment: bounds the work on a very long one
_ZERO_WIDTH = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u00ad"), None)
_TAG = re.compile(r"<[^<>]{0,2000}>")
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)[^>]*>""", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:com|net|"
    r"org|ly|info|co|me|tk|gl|tv|io|us|uk|de|ru|biz|xyz|fm|be|to|cc|in)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_PUNCT = re.compile(r"[^\w\s]")
_PATH_WORD = re.compile(r"[a-z]{2,20}")
# Two-label public suffixes common enough to matter for "the registrable domain".
_SECOND_LEVEL = {"co", "com", "net", "org", "ac", "gov", "edu"}


def normalise(text: str) -> str:
    """Plain lower-case text: tags stripped (link targets kept), entities decoded, no zero-widths.

    >>> normalise("a&#39;B <b>c</b>\\ufeff")
    "a'b c "
    """
    text = _HREF.sub(lambda m: " " + m.group(1) + " ", text or "")
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH)).translate(_ZERO_WIDTH)
    return text.lower()


def _clean_url(raw: str) -> str:
    raw = raw.rstrip(".,;:!?)]}'\"")
    return raw if raw.lower().startswith(("http://", "https://")) else "http://" + raw


def link_domains(text: str) -> list[str]:
    """The host of every link in the (normalised) text, without a leading www."""
    hosts = []
    for match in _URL.finditer(text):
        try:
            host = urlsplit(_clean_url(match.group(0))).hostname or ""
        except ValueError:
            continue
        host = host.removeprefix("www.").removeprefix("m.")
        if host:
            hosts.append(host[:80])
    return hosts


def registrable(host: str) -> str:
    """example.co.uk from a.b.example.co.uk; example.com from www.example.com."""
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def link_features(raw: str, prefix: str = "") -> set[str]:
    """Host, domain, TLD, path words and query-parameter names of one link."""
    try:
        parts = urlsplit(_clean_url(raw))
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return set()
    if not host:
        return set()
    out = {f"{prefix}host:{host[:80]}", f"{prefix}dom:{registrable(host)[:80]}",
           f"{prefix}tld:{host.rsplit('.', 1)[-1][:20]}"}
    out.update(f"{prefix}path:{w}" for w in _PATH_WORD.findall(parts.path)[:8])
    out.update(f"{prefix}qp:{name[:30]}" for name, _ in query[:8])
    return out


def _bucket(share: float, edges: tuple[float, ...]) -> int:
    return sum(share >= e for e in edges)


def shape_features(raw: str, plain: str) -> set[str]:
    """Length, capitals, digits and punctuation, each in a few buckets."""
    letters = sum(map(str.isalpha, raw))
    caps = sum(map(str.isupper, raw)) / letters if letters else 0.0
    visible = max(1, len(plain) - sum(map(str.isspace, plain)))
    digits = sum(map(str.isdigit, plain)) / visible
    punct = len(_PUNCT.findall(plain)) / visible
    out = {
        f"len:{min(8, int(math.log2(1 + visible)))}",
        f"caps:{_bucket(caps, (0.05, 0.2, 0.5, 0.8))}",
        f"digits:{_bucket(digits, (0.001, 0.03, 0.1))}",
        f"punct:{_bucket(punct, (0.01, 0.05, 0.1, 0.2))}",
    }
    if any(ord(ch) > 0x2000 and unicodedata.category(ch) == "So" for ch in plain):
        out.add("symbols")
    if "\n" in raw.strip():
        out.add("lines")
    return out


def words_of(plain: str) -> list[str]:
    """The words of normalised text, links taken out (at most MAX_WORDS)."""
    return [w for w in _WORD.findall(_URL.sub(" ", plain)) if len(w) <= 30][:MAX_WORDS]


def parts(text: str, author: str = "", url: str | None = None) -> tuple[list[str], set[str]]:
    """The words of a comment (in order, links taken out) and its other features."""
    raw = _TAG.sub(" ", html.unescape(_TAG.sub(" ", text or "")))
    plain = normalise(text)
    out = shape_features(raw, plain)
    links = list(_URL.finditer(plain))
    for link in links[:10]:
        out |= link_features(link.group(0))
    out.add(f"links:{min(len(links), 3)}")
    if url:
        out |= link_features(normalise(url), prefix="a")
    if links:
        cut = [plain[: links[0].start()]]
        cut += [plain[a.end(): b.start()] for a, b in zip(links, links[1:], strict=False)]
        plain = " ".join([*cut, plain[links[-1].end():]])
    out.update(f"a:{word}"[:MAX_FEATURE] for word in words_of(normalise(author)))
    return [w for w in _WORD.findall(plain) if len(w) <= 30][:MAX_WORDS], out


def word_pairs(words: list[str]) -> t.Iterator[tuple[int, int, int]]:
    """(i, j, distance) of each bigram (distance 1) and sparse pair (2..OSB_DISTANCE)."""
    n = len(words)
    for i in range(n):
        for d in range(1, OSB_DISTANCE + 1):
            if i + d < n:
                yield i, i + d, d


def features(text: str, author: str = "", url: str | None = None) -> set[str]:
    """The feature set of one comment (each feature counts once per comment)."""
    words, out = parts(text, author, url)
    out.update(f"w:{w}" for w in words)
    for i, j, d in word_pairs(words):
        out.add(f"b:{words[i]} {words[j]}" if d == 1 else f"p:{words[i]}|{words[j]}|{d}")
    return {f[:MAX_FEATURE] for f in out}
