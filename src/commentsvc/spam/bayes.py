"""The learned filter: naive Bayes over token counts kept in the database (SpamToken).

    p = spam_probability(comment_text)            # 0..1, or None while untrained
    learn(texts, "spam")                          # atomic counter updates, safe across workers
    learn_from_decision(comment, "pending", "spam")   # counts only; the caller commits

Every worker reads and writes the same rows, so what one moderator teaches every worker knows
at once. Counts move only with `UPDATE ... SET spam = spam + n` or an upsert, never by reading
a value and writing it back, so concurrent decisions on PostgreSQL and SQLite all count.
The token "" holds the number of spam and ham documents learned.
"""

from __future__ import annotations

import csv
import io
import math
import typing as t
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Comment, ModerationEvent, SpamToken
from .features import features

DOCS = ""  # the reserved token holding document counts
# Additive (Lidstone) smoothing of each feature's per-class rate. 0.3 rather than Laplace's 1:
# chosen by cross-video validation on the three labelled videos (train on one, score another,
# all six pairs; spam caught at <= 1 % ham blocked, mean 0.66 against 0.61 for 1.0), see
# bench/README.md "Spam filter evaluation". A light prior lets a token seen in a few spam only
# (a link domain, a promo phrase) speak up, which is what carries to a site never seen.
ALPHA = 0.3
LABELS = {"spam": "spam", "1": "spam", "ham": "ham", "0": "ham"}
TEXT_COLUMNS = ("CONTENT", "text", "body")
LABEL_COLUMNS = ("CLASS", "label", "spam")


@dataclass(frozen=True)
class Model:
    """Counts as the scorer needs them: per feature (spam docs, ham docs) and the totals."""

    counts: Mapping[str, tuple[int, int]]
    n_spam: int
    n_ham: int


def comment_features(body: str, url: str | None = None) -> set[str]:
    """The features of a comment: its text and the address its author gave."""
    return features(body + (" " + url if url else ""))


def log_odds(model: Model, feats: Iterable[str], alpha: float = ALPHA) -> float:
    """Log of P(spam | features) / P(ham | features) under naive Bayes; 0 when untrained."""
    ns, nh = model.n_spam, model.n_ham
    if ns == 0 or nh == 0:
        return 0.0
    total = math.log(ns / nh)
    for f in feats:
        s, h = model.counts.get(f, (0, 0))
        if s + h == 0:
            continue  # never seen: says nothing
        total += math.log((s + alpha) / (ns + 2 * alpha)) - math.log((h + alpha) / (nh + 2 * alpha))
    return total


def probability(model: Model, feats: Iterable[str]) -> float:
    lo = max(-60.0, min(60.0, log_odds(model, feats)))
    return 1.0 / (1.0 + math.exp(-lo))


def train_model(rows: Iterable[tuple[set[str], bool]]) -> Model:
    """A model in memory from (features, is_spam) pairs: what the database would hold."""
    counts: dict[str, tuple[int, int]] = {}
    ns = nh = 0
    for feats, spam in rows:
        for f in feats:
            s, h = counts.get(f, (0, 0))
            counts[f] = (s + spam, h + (not spam))
        ns += spam
        nh += not spam
    return Model(counts, ns, nh)


def load_model(feats: Iterable[str]) -> Model:
    """The counts of just these features, and the document totals, in one query."""
    wanted = sorted(set(feats) | {DOCS})
    rows = db.session.execute(
        select(SpamToken.token, SpamToken.spam, SpamToken.ham).where(SpamToken.token.in_(wanted))
    ).all()
    counts = {token: (spam, ham) for token, spam, ham in rows}
    ns, nh = counts.pop(DOCS, (0, 0))
    return Model(counts, ns, nh)


def spam_probability(body: str, url: str | None = None, min_docs: int = 1) -> float | None:
    """The learned probability that a comment is spam; None until both classes have min_docs."""
    feats = comment_features(body, url)
    model = load_model(feats)
    if model.n_spam < max(1, min_docs) or model.n_ham < max(1, min_docs):
        return None
    return probability(model, feats)


def _upsert(deltas: Mapping[str, int], column: str) -> None:
    """Add each delta to the column of its token, creating missing rows, atomically."""
    if not deltas:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Sorted, so concurrent transactions lock rows in the same order and never deadlock.
    for chunk in _chunks(sorted(deltas.items()), 500):
        values = [{"token": tok, "spam": n if column == "spam" else 0,
                   "ham": n if column == "ham" else 0} for tok, n in chunk]
        stmt = insert(SpamToken).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[SpamToken.token],
            set_={column: getattr(SpamToken, column) + getattr(stmt.excluded, column)},
        )
        db.session.execute(stmt)


def _decrement(deltas: Mapping[str, int], column: str) -> None:
    """Take learned counts back, never below zero."""
    col = getattr(SpamToken, column)
    for tok, n in sorted(deltas.items()):
        db.session.execute(
            update(SpamToken).where(SpamToken.token == tok)
            .values({column: case((col > n, col - n), else_=0)})
        )


def _chunks(items: list[t.Any], size: int) -> Iterable[list[t.Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def learn(feature_sets: Iterable[set[str]], label: str, unlearn: bool = False) -> int:
    """Count (or uncount) documents as spam or ham; the caller commits. Returns how many."""
    if label not in ("spam", "ham"):
        raise ValueError("label must be spam or ham")
    deltas: Counter[str] = Counter()
    docs = 0
    for feats in feature_sets:
        deltas.update(feats)
        docs += 1
    if docs == 0:
        return 0
    deltas[DOCS] = docs
    (_decrement if unlearn else _upsert)(deltas, label)
    return docs


def label_of(status: str | None) -> str | None:
    """What a status teaches: spam is "spam", approved is "ham", the others nothing."""
    return {"spam": "spam", "approved": "ham"}.get(status or "")


def learn_from_decision(comment: Comment, from_status: str | None, to_status: str) -> None:
    """Teach the filter a moderator's decision, taking back an earlier one it reverses.

    Only counts change, in the caller's transaction; nothing here talks to the network (the
    Akismet report of the same decision goes through the outbox). A status the pipeline
    chose at submission was never learned, so only a status set by an earlier moderator
    decision (a previous "status" event) is unlearned.
    """
    before, after = label_of(from_status), label_of(to_status)
    if before == after:
        return
    feats = comment_features(comment.body, comment.author_url)
    if before is not None and _decided_before(comment.id):
        learn([feats], before, unlearn=True)
    if after is not None:
        learn([feats], after)


def _decided_before(comment_id: int) -> bool:
    """Whether a moderator set the comment's status before the change being applied now."""
    count = db.session.scalar(
        select(func.count()).select_from(ModerationEvent).where(
            ModerationEvent.comment_id == comment_id, ModerationEvent.action == "status"
        )
    )
    return (count or 0) > 1  # the event of the change being applied is already in the session


class TrainingFileError(ValueError):
    """A training file that cannot be read, with the reason a person can act on."""


def read_training_csv(stream: t.IO[str]) -> list[tuple[str, str]]:
    """(text, "spam"|"ham") rows from a labelled CSV with a header.

    :raises TrainingFileError: for a missing column, a bad label or an empty file.
    """
    try:
        reader = csv.DictReader(stream)
        header = reader.fieldnames or []
    except csv.Error as e:
        raise TrainingFileError(f"not a CSV file: {e}") from None
    folded = {name.strip().lstrip("\ufeff").casefold(): name for name in header}
    text_col = next((folded[c.casefold()] for c in TEXT_COLUMNS if c.casefold() in folded), None)
    label_col = next((folded[c.casefold()] for c in LABEL_COLUMNS if c.casefold() in folded), None)
    if text_col is None or label_col is None:
        raise TrainingFileError(
            f"the header must name a text column ({', '.join(TEXT_COLUMNS)}) and a label column "
            f"({', '.join(LABEL_COLUMNS)}); found: {', '.join(header) or 'nothing'}"
        )
    rows = []
    try:
        for line, row in enumerate(reader, start=2):
            raw = (row.get(label_col) or "").strip().casefold()
            if raw not in LABELS:
                raise TrainingFileError(
                    f"line {line}: label {row.get(label_col)!r} is not 1/0 or spam/ham")
            rows.append((row.get(text_col) or "", LABELS[raw]))
    except csv.Error as e:
        raise TrainingFileError(f"line {reader.line_num}: {e}") from None
    if not rows:
        raise TrainingFileError("the file has a header but no rows")
    return rows


def train_from_csv(data: str) -> dict[str, int]:
    """Learn every row of a labelled CSV text and commit; the counts learned per label.

    :raises TrainingFileError: when the file cannot be used (nothing is learned then).
    """
    rows = read_training_csv(io.StringIO(data, newline=""))
    learned = {"spam": 0, "ham": 0}
    for label in ("spam", "ham"):
        learned[label] = learn([features(text) for text, lab in rows if lab == label], label)
    db.session.commit()
    return learned
