"""The read path's per-worker caches, one `Caches` object per application (gunicorn worker).

    caches(app).threads.get(etag) or caches(app).threads.put(etag, body)
    caches(app).heads.get(site_key, article_key)      # a ThreadHead trusted until its TTL
    caches(app).heads.clear()                           # this worker changed a thread
    caches(app).versions.get(site_key, article_key)     # an exact head while push is live

Built once by `init_app` (called from setup.init_extensions) and stored in `app.extensions`
under one key. Thread pages are keyed by their ETag, which changes whenever the answer would
(the article version), so nothing is ever invalidated: old entries just fall off the end. The
thread cache is bounded by bytes (THREAD_CACHE_BYTES), so a few huge pages cannot grow a worker.
"""

from __future__ import annotations

import threading
import time
import typing as t
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, current_app

EXTENSION = "commentsvc.caches"
HEAD_CACHE_MAX = 10_000
# What one entry costs beyond its body: the key, the OrderedDict link, the bytes header.
ENTRY_OVERHEAD = 200


class ByteLRU:
    """A thread-safe least-recently-used mapping of keys to bytes, at most `max_bytes` in all.

    A value larger than the whole budget is returned but not kept.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0

    @staticmethod
    def cost(key: str, value: bytes) -> int:
        return len(key) + len(value) + ENTRY_OVERHEAD

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: bytes) -> bytes:
        cost = self.cost(key, value)
        if cost > self.max_bytes:
            return value
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= self.cost(key, old)
            self._data[key] = value
            self.bytes += cost
            while self.bytes > self.max_bytes:
                gone_key, gone = self._data.popitem(last=False)
                self.bytes -= self.cost(gone_key, gone)
        return value

    def __len__(self) -> int:
        return len(self._data)


class HeadCache:
    """Thread heads (site + article version) trusted for a few seconds; cleared on own writes."""

    def __init__(self, size: int = HEAD_CACHE_MAX) -> None:
        self.size = size
        self._data: dict[tuple[str, str], tuple[float, t.Any]] = {}

    @staticmethod
    def key(site_key: str, article_key: str) -> tuple[str, str]:
        """The one place a head's cache key is built."""
        return site_key, article_key

    def get(self, site_key: str, article_key: str) -> t.Any | None:
        hit = self._data.get(self.key(site_key, article_key))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, site_key: str, article_key: str, head: t.Any, ttl: float) -> None:
        if len(self._data) >= self.size:
            self._data.clear()
        self._data[self.key(site_key, article_key)] = (time.monotonic() + ttl, head)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


HeadKey = tuple[str, str]


class VersionMap:
    """Thread heads kept exact by push: trusted only while `live` (the change channel is
    subscribed), dropped by the listener when a site or article changes anywhere.

    A reader takes `generation` before it queries a head and `put`s it with that number: if any
    change notice (or a loss of the channel) came in meanwhile, the head may be older than the
    notice and is not kept. So a kept head is never older than the last notice for it.
    """

    def __init__(self, size: int = HEAD_CACHE_MAX) -> None:
        self.size = size
        self.live = False
        self.generation = 0
        self._lock = threading.Lock()
        self._data: dict[HeadKey, t.Any] = {}
        self._by_article: dict[int, HeadKey] = {}
        self._by_site: dict[int, set[HeadKey]] = {}

    def get(self, site_key: str, article_key: str) -> t.Any | None:
        return self._data.get((site_key, article_key)) if self.live else None

    def put(self, head: t.Any, generation: int) -> None:
        """Keep `head` (a ThreadHead) if nothing changed since `generation` was read."""
        key = (head.site.key, head.article.key if head.article else "")
        with self._lock:
            if not self.live or generation != self.generation:
                return
            if len(self._data) >= self.size:
                self._reset()
            self._data[key] = head
            if head.article is not None:
                self._by_article[head.article.id] = key
            self._by_site.setdefault(head.site.id, set()).add(key)

    def put_missing(self, site_key: str, article_key: str, head: t.Any, generation: int) -> None:
        """Keep the head of an article that does not exist yet, under the asked key."""
        with self._lock:
            if not self.live or generation != self.generation:
                return
            key = (site_key, article_key)
            self._data[key] = head
            self._by_site.setdefault(head.site.id, set()).add(key)

    def drop_article(self, article_id: int) -> None:
        with self._lock:
            self.generation += 1
            key = self._by_article.pop(article_id, None)
            if key is not None:
                self._data.pop(key, None)

    def drop_new(self, site_id: int) -> None:
        """A new article on this site: forget the site's heads that said "no article yet"."""
        with self._lock:
            self.generation += 1
            for key in list(self._by_site.get(site_id, ())):
                head = self._data.get(key)
                if head is not None and head.article is None:
                    del self._data[key]

    def drop_site(self, site_id: int) -> None:
        with self._lock:
            self.generation += 1
            for key in self._by_site.pop(site_id, ()):
                head = self._data.pop(key, None)
                if head is not None and head.article is not None:
                    self._by_article.pop(head.article.id, None)

    def set_live(self, live: bool) -> None:
        """The channel was (re)subscribed or lost: either way, notices may have been missed."""
        with self._lock:
            self.generation += 1
            self._reset()
            self.live = live

    def _reset(self) -> None:
        self._data.clear()
        self._by_article.clear()
        self._by_site.clear()

    def __len__(self) -> int:
        return len(self._data)


@dataclass(frozen=True)
class Caches:
    """Everything the read path remembers in one worker."""

    heads: HeadCache
    threads: ByteLRU
    versions: VersionMap


def init_app(app: Flask) -> Caches:
    """Build the app's caches from its config (THREAD_CACHE_BYTES) and store them once."""
    built = Caches(heads=HeadCache(), threads=ByteLRU(app.config["THREAD_CACHE_BYTES"]),
                   versions=VersionMap())
    app.extensions[EXTENSION] = built
    return built


def caches(app: Flask | None = None) -> Caches:
    """The caches of `app` (default: the current app)."""
    return t.cast(Caches, (app or current_app).extensions[EXTENSION])
