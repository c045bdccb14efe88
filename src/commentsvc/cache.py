"""A small bounded LRU of serialised answers, one per application (gunicorn worker).

    cache = lru_for(app, "threads", size=512)
    body = cache.get(key) or cache.put(key, render())

Entries are keyed by something that changes whenever the answer would (the article version),
so nothing is ever invalidated: old keys just fall off the end.
"""

from __future__ import annotations

import threading
import typing as t
from collections import OrderedDict

from flask import Flask


class LRU:
    """A thread-safe least-recently-used mapping of str keys to bytes, at most `size` entries."""

    def __init__(self, size: int) -> None:
        self.size = max(0, int(size))
        self._data: OrderedDict[t.Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: t.Hashable) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: t.Hashable, value: bytes) -> bytes:
        if self.size:
            with self._lock:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)


def lru_for(app: Flask, name: str, size: int) -> LRU:
    """The app's LRU called `name`, made on first use."""
    caches: dict[str, LRU] = app.extensions.setdefault("commentsvc.lru", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, LRU(size))
    return cache
