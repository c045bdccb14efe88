"""Naive Bayes over feature sets, in memory: the filter the service had before the logistic
regression, kept only as a candidate the evaluation compares against (`make spam-eval`).

    model = train([(feats, is_spam), ...])
    log_odds(model, feats, alpha=0.3)     # 0.0 while either class is empty
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALPHA = 0.3  # additive (Lidstone) smoothing of each feature's per-class rate


@dataclass(frozen=True)
class Model:
    """Per feature (spam docs, ham docs), and the document totals."""

    counts: Mapping[str, tuple[int, int]]
    n_spam: int
    n_ham: int


def train(rows: Iterable[tuple[Iterable[str], bool]]) -> Model:
    counts: dict[str, tuple[int, int]] = {}
    ns = nh = 0
    for feats, spam in rows:
        for f in set(feats):
            s, h = counts.get(f, (0, 0))
            counts[f] = (s + spam, h + (not spam))
        ns += spam
        nh += not spam
    return Model(counts, ns, nh)


def log_odds(model: Model, feats: Iterable[str], alpha: float = ALPHA) -> float:
    """Log of P(spam | features) / P(ham | features); features never seen say nothing."""
    ns, nh = model.n_spam, model.n_ham
    if ns == 0 or nh == 0:
        return 0.0
    total = math.log(ns / nh)
    for f in feats:
        s, h = model.counts.get(f, (0, 0))
        if s + h:
            total += (math.log((s + alpha) / (ns + 2 * alpha))
                      - math.log((h + alpha) / (nh + 2 * alpha)))
    return total
