"""The learned filter in the database: versions, labelled examples, retraining; owns their SQL.

    train_from_rows(rows, origin="file:youtube.csv")   # keep the rows, train, store a version
    retrain_if_due()                                   # the worker: decisions in batches
    current()                                          # the model to score with, or None
    current(head)                   # the same, its version read by `head_columns()` in a
                                    # statement that runs anyway (a submission's checks)

A version is one SpamModel row written in one transaction, so every worker switches from one
version to the next at once; the newest row made under the current key is the one used. The
labelled texts stay in SpamExample (training-file rows, and a copy of each comment a moderator
marked spam or approved), so a new version, or a new key, can be trained from scratch.
Decisions are read from the audit trail (status events by an authenticated moderator); the
filter's own verdicts at submission are never learned.
"""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
import zlib
from array import array
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import bindparam, delete, func, select

from ..extensions import db
from ..models import Article, Comment, ModerationEvent, Site, SpamExample, SpamModel, utcnow
from ..privacy import derive_key, keys
from .features import features
from .model import Example, Hasher, Model, train

PURPOSE_FEATURES = b"commentsvc spam feature hashing v1"
KEEP_VERSIONS = 3  # older versions are deleted when a new one is stored
DEFAULTS = {
    "SPAM_RETRAIN_BATCH": 25,  # retrain once this many new decisions wait ...
    "SPAM_RETRAIN_SECONDS": 3600,  # ... or when any decision has waited this long
    "SPAM_MIN_EXAMPLES": 10,  # no model until there are this many spam and this many ham
}
_cache: dict[tuple[str, int, str], Model] = {}


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def hasher() -> Hasher:
    """The feature hasher keyed from SECRET_KEY (its own HKDF purpose)."""
    return Hasher(derive_key(keys().secrets[0], PURPOSE_FEATURES))


def example_features(body: str, author: str = "", url: str | None = None) -> frozenset[str]:
    return frozenset(features(body, author, url))


# --- model versions ----------------------------------------------------------------------

def pack(model: Model) -> tuple[dict[str, t.Any], bytes]:
    """(header JSON, compressed weights and counts) of a model."""
    idx = sorted(model.counts)
    arrays = (array("I", idx), array("d", [model.weights.get(i, 0.0) for i in idx]),
              array("I", [model.counts[i][0] for i in idx]),
              array("I", [model.counts[i][1] for i in idx]))
    header = {"bias": model.bias, "ham_scores": model.ham_scores,
              "spam_scores": model.spam_scores, "n_spam": model.n_spam, "n_ham": model.n_ham,
              "features": len(idx)}
    return header, zlib.compress(b"".join(a.tobytes() for a in arrays), 6)


def unpack(fingerprint: str, header: dict[str, t.Any], blob: bytes) -> Model:
    raw = zlib.decompress(blob)
    n = int(header["features"])
    idx, weights, spam, ham = array("I"), array("d"), array("I"), array("I")
    offset = 0
    for arr in (idx, weights, spam, ham):
        size = n * arr.itemsize
        arr.frombytes(raw[offset:offset + size])
        offset += size
    return Model(fingerprint, float(header["bias"]), dict(zip(idx, weights, strict=True)),
                 dict(zip(idx, zip(spam, ham, strict=True), strict=True)),
                 list(header["ham_scores"]), list(header["spam_scores"]),
                 int(header["n_spam"]), int(header["n_ham"]))


Head = tuple[int, dt.datetime]  # a version: its id and when it was made
ASK = object()  # current(): no head read yet


@functools.cache
def _newest(column: t.Any) -> t.Any:
    return (select(column).where(SpamModel.fingerprint == bindparam("model_fingerprint"))
            .order_by(SpamModel.id.desc()).limit(1))


def head_columns() -> tuple[t.Any, t.Any]:
    """Two scalar subqueries, the newest version's id and time under the key that
    `head_params()` names, for a caller's statement to read with its own (built once)."""
    return (_newest(SpamModel.id).scalar_subquery(),
            _newest(SpamModel.created_at).scalar_subquery())


def head_params() -> dict[str, str]:
    return {"model_fingerprint": hasher().fingerprint}


def current(head: Head | None | object = ASK) -> Model | None:
    """The newest version made under the current key (cached per process), or None.

    `head`: the version as read by `head_columns()` in this transaction (None: there is none);
    without it the head is read here (one round trip)."""
    if head is ASK:
        found = db.session.execute(_newest(SpamModel.id).add_columns(SpamModel.created_at),
                                   head_params()).first()
        head = (found[0], found[1]) if found is not None else None
    if head is None:
        return None
    model_id, made = t.cast(Head, head)
    # The database's address too: tests and the benchmark run several databases in a process.
    version = (str(db.engine.url), model_id, made.isoformat())
    model = _cache.get(version)
    if model is None:
        row = db.session.get(SpamModel, model_id)
        if row is None:
            return None
        model = unpack(row.fingerprint, row.header, row.weights)
        _cache.clear()
        _cache[version] = model
    return model


def latest() -> SpamModel | None:
    return db.session.scalar(select(SpamModel).order_by(SpamModel.id.desc()).limit(1))


def _store(model: Model, events_through: int) -> SpamModel:
    header, blob = pack(model)
    row = SpamModel(fingerprint=model.fingerprint, kind="logreg", header=header, weights=blob,
                    events_through=events_through)
    db.session.add(row)
    db.session.flush()
    keep = select(SpamModel.id).order_by(SpamModel.id.desc()).limit(KEEP_VERSIONS)
    db.session.execute(delete(SpamModel).where(SpamModel.id.not_in(keep.scalar_subquery())))
    return row


# --- examples and decisions --------------------------------------------------------------

def examples() -> list[Example]:
    rows = db.session.execute(
        select(SpamExample.body, SpamExample.author, SpamExample.url, SpamExample.spam,
               SpamExample.origin).order_by(SpamExample.id)
    ).all()
    return [Example(example_features(b, a, u), bool(s), o) for b, a, u, s, o in rows]


def _decision_events(after: int) -> t.Any:
    return select(ModerationEvent).where(
        ModerationEvent.id > after, ModerationEvent.action == "status",
        ModerationEvent.moderator_id.is_not(None))


def waiting_decisions(after: int) -> tuple[int, dt.datetime | None]:
    """How many moderators' status decisions came after event `after`, and the oldest's time."""
    sub = _decision_events(after).subquery()
    count, oldest = db.session.execute(select(func.count(), func.min(sub.c.created_at))).one()
    return int(count or 0), oldest


def sync_decisions(after: int) -> int:
    """Copy the texts of comments moderators decided since event `after` into the examples.

    The last decision on a comment counts: spam -> a spam example, approved -> a ham example,
    anything else (back to pending, rejected) -> no example. Returns the last event id read.
    """
    events = list(db.session.scalars(_decision_events(after).order_by(ModerationEvent.id)))
    if not events:
        return after
    last = {e.comment_id: e.to_status for e in events if e.comment_id is not None}
    comments = {c.id: (c, key) for c, key in db.session.execute(
        select(Comment, Site.key).join(Article, Comment.article_id == Article.id)
        .join(Site, Article.site_id == Site.id).where(Comment.id.in_(list(last)))).all()}
    db.session.execute(delete(SpamExample).where(SpamExample.comment_id.in_(list(last))))
    for comment_id, status in last.items():
        found = comments.get(comment_id)
        if found is None or status not in ("spam", "approved"):
            continue  # erased since, or a decision that says nothing about spam
        comment, site_key = found
        db.session.add(SpamExample(comment_id=comment_id, origin=f"site:{site_key}"[:100],
                                   body=comment.body, author=comment.author_name,
                                   url=comment.author_url, spam=status == "spam"))
    db.session.flush()
    return max(e.id for e in events)


def _enough(exs: list[Example]) -> bool:
    n_spam = sum(e.spam for e in exs)
    return min(n_spam, len(exs) - n_spam) >= setting("SPAM_MIN_EXAMPLES")


def retrain(now_through: int | None = None) -> SpamModel | None:
    """Learn every waiting decision, train on all examples and store a version; commits."""
    head = latest()
    through = sync_decisions(head.events_through if head else 0)
    if now_through is not None:
        through = max(through, now_through)
    exs = examples()
    if not _enough(exs):
        db.session.commit()
        return None
    row = _store(train(exs, hasher()), through)
    db.session.commit()
    return row


def retrain_if_due(now: dt.datetime | None = None) -> SpamModel | None:
    """The worker's job: retrain when enough decisions wait, one waited long, or the key changed.

    Only reads when nothing is due, and ends its read transaction either way.
    """
    head = latest()
    count, oldest = waiting_decisions(head.events_through if head else 0)
    stale_key = head is not None and head.fingerprint != hasher().fingerprint
    moment = now or utcnow()
    waited = oldest is not None and (moment - _aware(oldest)).total_seconds() >= setting(
        "SPAM_RETRAIN_SECONDS")
    due = stale_key or (count > 0 and (head is None or waited
                                       or count >= setting("SPAM_RETRAIN_BATCH")))
    db.session.commit()
    return retrain() if due else None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def train_from_rows(rows: Iterable[tuple[str, str, bool]], origin: str) -> SpamModel | None:
    """Keep labelled (text, author, is_spam) rows under one origin, then retrain; commits."""
    for body, author, spam in rows:
        db.session.add(SpamExample(origin=origin[:100], body=body, author=author[:100],
                                   spam=spam))
    db.session.flush()
    return retrain()
