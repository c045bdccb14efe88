"""Exact thread heads without a query: each worker listens for changes and keeps a version map.

    versions.ensure_listening(app)    # the read path calls it while the map is not live
    versions.note_article(article_id) # comments.bump_article: dropped here once it commits

On PostgreSQL a trigger (migration 0008_perf) sends NOTIFY commentsvc_heads for every change
of a site or article, delivered when the writing transaction commits, from any worker, host or
command. One thread per process and database holds its own psycopg connection, LISTENs,
and drops the named heads from every app's `caches().versions` (cache.VersionMap). While that
connection is down or not yet subscribed the map is not live and every read asks the database
for the version, as before; on (re)subscribing the map starts empty, so a notice missed
meanwhile cannot matter. A worker's own commits drop their heads at once (after_commit),
without waiting for the notice. On SQLite nothing listens and reads always ask (or trust
THREAD_HEAD_TTL).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import typing as t
import weakref

import psycopg
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session

from .cache import VersionMap, caches
from .models import Article, Site

log = logging.getLogger(__name__)

CHANNEL = "commentsvc_heads"
APPLICATION_NAME = "commentsvc-listener"
# How often an idle listener proves its connection alive (and notices its app is gone).
CHECK_SECONDS = 2.0
RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0)
_KEY = "commentsvc.listener"
_CHANGED = "commentsvc_heads_changed"
NOTED = "commentsvc_noted"  # execution option: this statement's change was noted already


def conninfo(uri: str) -> str:
    """The psycopg connection string of a SQLAlchemy PostgreSQL URI."""
    return make_url(uri).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener(threading.Thread):
    """LISTENs on CHANNEL for every VersionMap of this process on one database (one connection
    however many apps a process builds); reconnects with a back-off; ends when no map is left."""

    def __init__(self, dsn: str, connect_timeout: int) -> None:
        super().__init__(name="commentsvc-listener", daemon=True)
        self.dsn = dsn
        self.connect_timeout = connect_timeout
        self.maps: weakref.WeakSet[VersionMap] = weakref.WeakSet()
        self.lock = threading.Lock()
        self.live = False
        self.closing = False
        self.backend_pid: int | None = None
        self.stopped = threading.Event()

    def attach(self, versions: VersionMap) -> bool:
        """Serve one more map (live at once, and empty, if subscribed); False if closing."""
        with self.lock:
            if self.closing:
                return False
            self.maps.add(versions)
            if self.live:
                versions.set_live(True)
            return True

    def detach(self, versions: VersionMap) -> None:
        with self.lock:
            self.maps.discard(versions)
        versions.set_live(False)

    def _set_live(self, live: bool) -> None:
        with self.lock:
            self.live = live
            for versions in list(self.maps):
                versions.set_live(live)

    def _idle(self) -> bool:
        """No map left: close (under the lock, so attach never joins a closing listener)."""
        with self.lock:
            if not self.maps:
                self.closing = True
            return self.closing

    def run(self) -> None:
        failures = 0
        while not self.stopped.is_set() and not self._idle():
            try:
                self._listen()
                failures = 0
            except Exception as e:  # noqa: BLE001 - the thread must survive anything
                log.warning("change listener lost its connection: %s", type(e).__name__)
                failures += 1
            finally:
                self.backend_pid = None
                self._set_live(False)
            self.stopped.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        with self.lock:
            self.closing = True

    def _listen(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=self.connect_timeout,
                             application_name=APPLICATION_NAME, keepalives_idle=10,
                             keepalives_interval=2, keepalives_count=3) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = conn.info.backend_pid
            self._set_live(True)  # empty and live: every head from now on is watched
            while not self.stopped.is_set():
                for note in conn.notifies(timeout=CHECK_SECONDS):
                    for versions in list(self.maps):
                        apply(versions, note.payload)
                if self._idle():
                    return
                conn.execute("SELECT 1")  # a silently dead connection raises here


def apply(versions: VersionMap | None, payload: str) -> None:
    """Drop what a notice names: "a:<article id>", "n:<site id>", "s:<site id>"."""
    if versions is None:
        return
    kind, _, number = payload.partition(":")
    try:
        ident = int(number)
    except ValueError:
        versions.set_live(versions.live)  # unknown notice: forget everything, stay as we are
        return
    if kind == "a":
        versions.drop_article(ident)
    elif kind == "n":
        versions.drop_new(ident)
    else:
        versions.drop_site(ident)


def listener(app: Flask) -> Listener | None:
    """The listener serving the app's map in this process, if one runs."""
    found = app.extensions.get(_KEY)
    if found is None or found[0] != os.getpid():
        return None
    return t.cast("Listener | None", found[1])


_listeners: dict[tuple[int, str], Listener] = {}
_start_lock = threading.Lock()


def ensure_listening(app: Flask) -> None:
    """Attach the app's map to this process's listener for its database, started once
    (PostgreSQL only; a forked worker starts its own). One dict look-up when done already."""
    found = app.extensions.get(_KEY)
    pid = os.getpid()
    if found is not None and found[0] == pid:
        return
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if not uri.startswith("postgresql") or not app.config.get("THREAD_VERSION_PUSH", True):
        app.extensions[_KEY] = (pid, None)
        return
    dsn = conninfo(uri)
    with _start_lock:
        thread = _listeners.get((pid, dsn))
        if thread is None or not thread.attach(caches(app).versions):
            thread = Listener(dsn, int(app.config["DATABASE_CONNECT_TIMEOUT"]))
            thread.attach(caches(app).versions)
            _listeners[(pid, dsn)] = thread
            thread.start()
        app.extensions[_KEY] = (pid, thread)


def stop(app: Flask) -> None:
    """Stop serving the app's map (tests); the listener ends when it serves no map."""
    thread = listener(app)
    if thread is not None:
        thread.detach(caches(app).versions)
    app.extensions.pop(_KEY, None)


def wait_live(app: Flask, timeout: float = 10) -> bool:
    """Wait until the app's map is live (tests and benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if caches(app).versions.live:
            return True
        time.sleep(0.01)
    return False


def note_article(session: Session, article_id: int) -> None:
    """Remember that this transaction changed an article: its head is dropped on commit."""
    session.info.setdefault(_CHANGED, set()).add(("a", article_id))


def _note_flush(session: Session, flush_context: t.Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Article):
            note = ("n", obj.site_id) if obj in session.new else ("a", obj.id)
            session.info.setdefault(_CHANGED, set()).add(note)
        elif isinstance(obj, Site) and obj not in session.new:
            session.info.setdefault(_CHANGED, set()).add(("s", obj.id))


def _note_statement(state: ORMExecuteState) -> None:
    """A bulk UPDATE/DELETE of sites or articles (not through bump_article): forget all."""
    if state.execution_options.get(NOTED):
        return  # the caller named what it changed (note_article)
    if (state.is_update or state.is_delete) and any(
            m.class_ in (Site, Article) for m in state.all_mappers):
        state.session.info.setdefault(_CHANGED, set()).add(("*", 0))


def _drop_committed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if not changed or not has_app_context():
        return
    versions = caches(current_app).versions
    if ("*", 0) in changed:
        versions.set_live(versions.live)
        return
    for kind, ident in changed:
        apply(versions, f"{kind}:{ident}")


def init_app(app: Flask) -> None:
    """Drop this worker's own changes from its map as soon as they commit."""
    for name, fn in (("after_flush", _note_flush), ("after_commit", _drop_committed),
                     ("do_orm_execute", _note_statement)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
