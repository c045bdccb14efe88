"""The learned filter's model: keyed feature hashing and logistic regression, pure Python.

    hasher = Hasher(key)                                  # key derived from SECRET_KEY
    model = train([Example(feats, True, group="a"), ...], hasher)
    model.log_odds(feats)                                 # > 0 leans spam
    model.thresholds(0.005, 0.10)                         # (spam_at, hold_at) on that scale

Features are hashed with keyed BLAKE2b (never Python's hash(), which changes per process and
can be steered by whoever writes the text); the key's fingerprint is stored with the model, and
a model made under another key is not used. Training weighs ham HAM_WEIGHT times a spam, so the
boundary leans towards publishing. Calibration scores come from models that did not see them
(leave one group out: a training file or a site; k-fold when there is one group), so the
thresholds are set on the ham-blocked rate a new site would meet rather than on training fit.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
import random
import typing as t
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .features import word_pairs

BITS = 22  # hashed feature space: 4M buckets, so collisions are rare at any corpus size here
HAM_WEIGHT = 4.0  # a ham counts this many times a spam in training (issue 18: x4 worked)
L2 = 1e-3  # chosen by inner cross-video validation (bench/README.md)
EPOCHS = 30  # chosen with RATE by inner cross-video validation (bench/README.md)
RATE = 0.5  # AdaGrad base learning rate
# A site's own decision counts this many times a training-file row. 8 ranked better in inner
# cross-validation, but with the thresholds calibrated as the service does, 1 did as well or
# better (bench/README.md), so decisions count like any other row.
DECISION_WEIGHT = 1.0
FOLDS = 5  # calibration folds when the examples come from a single group
SEED = 18


@dataclass(frozen=True)
class Hasher:
    """Keyed feature hashing: one key, one index space."""

    key: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.blake2b(b"commentsvc spam model key", key=self.key[:64],
                               digest_size=8).hexdigest()

    def index(self, feature: str) -> int:
        return self.indices([feature])[0]

    def indices(self, feats: Iterable[str]) -> list[int]:
        """The sorted distinct indices of some features (strings from features.features).

        Words are hashed once each with the key; a word pair's index is mixed from its two
        keyed word hashes and the distance (so it is as unpredictable as they are), which
        keeps a long comment's hundreds of pairs cheap. Other features are hashed whole.
        """
        words: dict[str, int] = {}
        out = set()
        for f in feats:
            kind = f[:2]
            if kind == "w:":
                out.add(_cut(self._word(f[2:], words)))
            elif kind == "b:":
                a, _, b = f[2:].partition(" ")
                out.add(_pair(self._word(a, words), self._word(b, words), 1))
            elif kind == "p:":
                a, b, d = f[2:].split("|")
                out.add(_pair(self._word(a, words), self._word(b, words), int(d)))
            else:
                out.add(_cut(self._hash(f) ^ _OTHER))
        return sorted(out)

    def indices_of_parts(self, words: list[str], others: Iterable[str]) -> list[int]:
        """indices(features(...)) computed from parts(...) without building pair strings."""
        seen: dict[str, int] = {}
        hw = [self._word(w, seen) for w in words]
        out = {_cut(h) for h in seen.values()}
        out.update(_pair(hw[i], hw[j], d) for i, j, d in word_pairs(words))
        out.update(_cut(self._hash(f) ^ _OTHER) for f in others)
        return sorted(out)

    def _word(self, word: str, seen: dict[str, int]) -> int:
        value = seen.get(word)
        if value is None:
            value = seen[word] = self._hash(word)
        return value

    def _hash(self, text: str) -> int:
        h = self._keyed.copy()  # a keyed state copied is cheaper than a new keyed hash
        h.update(text.encode("utf-8", "surrogatepass"))
        return int.from_bytes(h.digest(), "big")

    @functools.cached_property
    def _keyed(self) -> t.Any:
        return hashlib.blake2b(key=self.key[:64], digest_size=8)


_MASK = (1 << 64) - 1
_OTHER = 0x5851F42D4C957F2D  # keeps whole-string features apart from words
_SHIFT = 64 - BITS


def _cut(x: int) -> int:
    return x >> _SHIFT


def _pair(a: int, b: int, d: int) -> int:
    """A pair's index from two keyed 64-bit word hashes: odd multipliers keep order and distance."""
    return ((a * 0x9E3779B97F4A7C15 + b * 0xBF58476D1CE4E5B9 + d * 0x94D049BB133111EB)
            & _MASK) >> _SHIFT


@dataclass(frozen=True)
class Example:
    feats: frozenset[str]
    spam: bool
    group: str = ""


@dataclass(frozen=True)
class Model:
    """Weights over hashed features, per-feature document counts, and calibration scores."""

    fingerprint: str
    bias: float
    weights: dict[int, float]
    counts: dict[int, tuple[int, int]]  # index -> (spam docs, ham docs) in the training data
    ham_scores: list[float] = field(default_factory=list)  # held-out log-odds of ham, sorted
    spam_scores: list[float] = field(default_factory=list)  # ... and of spam, sorted
    n_spam: int = 0
    n_ham: int = 0

    def log_odds_of(self, indices: Sequence[int]) -> float:
        if not indices:
            return self.bias
        scale = 1.0 / math.sqrt(len(indices))
        w = self.weights
        return self.bias + scale * sum(w.get(i, 0.0) for i in indices)

    def contributions(self, indices: Sequence[int]) -> dict[int, float]:
        scale = 1.0 / math.sqrt(len(indices)) if indices else 0.0
        return {i: self.weights.get(i, 0.0) * scale for i in indices}

    def thresholds(self, blocked_budget: float, hold_budget: float) -> tuple[float, float]:
        """The log-odds at which a comment is spam, and from which it is held.

        Spam: the lowest score above all but `blocked_budget` of the held-out ham. Hold: lower
        still, so that at most `hold_budget` more of the held-out ham falls in the band.
        """
        spam_at = above_share(self.ham_scores, blocked_budget)
        hold_at = above_share(self.ham_scores, min(1.0, blocked_budget + max(0.0, hold_budget)))
        return spam_at, min(spam_at, hold_at)


def above_share(sorted_scores: list[float], share: float) -> float:
    """The smallest threshold t such that at most `share` of the scores are >= t."""
    n = len(sorted_scores)
    if n == 0:
        return math.inf
    allowed = int(math.floor(share * n + 1e-9))
    if allowed >= n:
        return -math.inf
    # the (allowed+1)-th highest score must stay below the threshold
    bar = sorted_scores[n - 1 - allowed]
    return math.nextafter(bar, math.inf)


def fit(rows: Sequence[tuple[list[int], bool]], l2: float = L2, ham_weight: float = HAM_WEIGHT,
        epochs: int = EPOCHS, seed: int = SEED, row_weights: Sequence[float] | None = None
        ) -> tuple[float, dict[int, float]]:
    """Logistic regression by AdaGrad SGD; each row's features are scaled by 1/sqrt(n)."""
    weights: dict[int, float] = {}
    g2: dict[int, float] = {}
    bias, bias_g2 = 0.0, 0.0
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            idx, spam = rows[k]
            scale = 1.0 / math.sqrt(len(idx)) if idx else 0.0
            z = bias + scale * sum(weights.get(i, 0.0) for i in idx)
            p = 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))
            grad = (p - 1.0) if spam else p * ham_weight
            if row_weights is not None:
                grad *= row_weights[k]
            bias_g2 += grad * grad
            bias -= RATE * grad / math.sqrt(bias_g2 + 1e-8)
            for i in idx:
                w = weights.get(i, 0.0)
                gi = grad * scale + l2 * w
                acc = g2.get(i, 0.0) + gi * gi
                g2[i] = acc
                weights[i] = w - RATE * gi / math.sqrt(acc + 1e-8)
    return bias, weights


def _groups(examples: Sequence[Example]) -> list[list[int]]:
    """Calibration folds: one per group when there are several, else FOLDS interleaved."""
    names = sorted({e.group for e in examples})
    if len(names) >= 2:
        return [[k for k, e in enumerate(examples) if e.group == g] for g in names]
    return [list(range(f, len(examples), FOLDS)) for f in range(min(FOLDS, len(examples)))]


def train(examples: Sequence[Example], hasher: Hasher, l2: float = L2,
          calibrate: bool = True) -> Model:
    """A model of every example, with held-out calibration scores when `calibrate`."""
    rows = [(hasher.indices(e.feats), e.spam) for e in examples]
    counts: dict[int, tuple[int, int]] = {}
    for idx, spam in rows:
        for i in idx:
            s, h = counts.get(i, (0, 0))
            counts[i] = (s + spam, h + (not spam))
    row_weights = [DECISION_WEIGHT if e.group.startswith("site:") else 1.0 for e in examples]
    bias, weights = fit(rows, l2, row_weights=row_weights)
    ham: list[float] = []
    spam_scores: list[float] = []
    folds = _groups(examples) if calibrate else []
    if len(folds) >= 2:
        for fold in folds:
            held = set(fold)
            keep = [k for k in range(len(rows)) if k not in held]
            b, w = fit([rows[k] for k in keep], l2, row_weights=[row_weights[k] for k in keep])
            inner = Model("", b, w, {})
            for k in fold:
                (spam_scores if rows[k][1] else ham).append(inner.log_odds_of(rows[k][0]))
    return Model(hasher.fingerprint, bias, weights, counts, sorted(ham), sorted(spam_scores),
                 sum(s for _, s in rows), sum(not s for _, s in rows))


def probability(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, log_odds))))


def share_at(sorted_scores: list[float], threshold: float) -> float:
    """Share of the scores at or above the threshold."""
    if not sorted_scores:
        return 0.0
    return (len(sorted_scores) - bisect.bisect_left(sorted_scores, threshold)) / len(sorted_scores)
