"""Cross-video evaluation of the learned spam filter: `make spam-eval`.

    python bench/spam_eval.py [--data ../shared/data] [--markdown]

For each of the three labelled YouTube videos: train on the other two, test on it. The
smoothing strength and the thresholds are chosen by cross-validation inside the two training
videos only (train on one, score the other, both ways), never by looking at the test video. The
classifier, features and arithmetic are the service's own (commentsvc.spam.features and
commentsvc.spam.bayes), run on in-memory counts equal to what `commentsvc spam train` stores.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from commentsvc.spam.bayes import ALPHA, Model, log_odds, train_model
from commentsvc.spam.features import features

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ("Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv")
# Candidate thresholds on the log-odds scale: probability 1/(1+e^-x).
GRID = [float(x) for x in range(0, 31)]
TARGET_HAM_BLOCKED = 0.01  # the most ham a threshold may block in the inner folds
HOLD_HAM_HELD = 0.10  # the most ham the hold band may hold in the inner folds
# Candidate smoothing strengths (bayes.ALPHA is the one the service uses).
ALPHAS = (0.1, 0.2, 0.3, 0.5, 1.0, 3.0)
LEARNED_SHARE = 0.25  # the second table: the filter has learned this share of the test video

Rows = list[tuple[set[str], bool]]


@dataclass(frozen=True)
class Rates:
    spam: int
    ham: int
    caught: int  # spam scored at or above the spam threshold
    held: int  # spam scored in the hold band
    blocked: int  # ham scored at or above the spam threshold
    ham_held: int  # ham in the hold band

    def __add__(self, other: Rates) -> Rates:
        pairs = zip(self.__dict__.values(), other.__dict__.values(), strict=True)
        return Rates(*(a + b for a, b in pairs))


def load(path: Path) -> Rows:
    with open(path, encoding="utf-8", newline="") as f:
        return [(features(r["CONTENT"]), r["CLASS"].strip() == "1") for r in csv.DictReader(f)]


def scores(model: Model, rows: Rows, alpha: float = ALPHA) -> list[tuple[float, bool]]:
    return [(log_odds(model, feats, alpha), spam) for feats, spam in rows]


def caught_at(scored: list[tuple[float, bool]], budget: float) -> float:
    """Share of spam scored above the score of the ham that would exceed the ham budget."""
    hams = sorted((s for s, spam in scored if not spam), reverse=True)
    k = int(budget * len(hams))
    bar = hams[k] if k < len(hams) else -math.inf
    return sum(s > bar for s, spam in scored if spam) / max(1, sum(sp for _, sp in scored))


def choose_alpha(train: list[Rows]) -> float:
    """The smoothing that catches most spam at the ham budget, averaged over the inner folds."""
    a, b = train
    models = [train_model(a), train_model(b)]
    return max(ALPHAS, key=lambda alpha: sum(
        caught_at(scores(m, rows, alpha), TARGET_HAM_BLOCKED)
        for m, rows in ((models[0], b), (models[1], a))))


def choose(inner: list[list[tuple[float, bool]]], budget: float) -> float:
    """The lowest threshold whose ham rate at or above it stays within budget on every fold."""
    for th in GRID:
        if all(sum(s >= th for s, spam in fold if not spam) / max(1, sum(not sp for _, sp in fold))
               <= budget for fold in inner):
            return th
    return GRID[-1]


def rates(scored: list[tuple[float, bool]], spam_th: float, hold_th: float) -> Rates:
    return Rates(
        spam=sum(sp for _, sp in scored),
        ham=sum(not sp for _, sp in scored),
        caught=sum(s >= spam_th for s, sp in scored if sp),
        held=sum(hold_th <= s < spam_th for s, sp in scored if sp),
        blocked=sum(s >= spam_th for s, sp in scored if not sp),
        ham_held=sum(hold_th <= s < spam_th for s, sp in scored if not sp),
    )


def evaluate(data: dict[str, Rows], learned_share: float = 0.0
             ) -> list[tuple[str, float, float, float, Rates]]:
    """Each rotation; with learned_share > 0 the filter has also learned the moderators'
    decisions on that share of the test video (its oldest comments), and is scored on the rest."""
    results = []
    for test in VIDEOS:
        train = [v for v in VIDEOS if v != test]
        alpha = choose_alpha([data[v] for v in train])
        inner = [scores(train_model(data[a]), data[b], alpha) for a, b in (train, train[::-1])]
        spam_th = choose(inner, TARGET_HAM_BLOCKED)
        hold_th = min(spam_th, choose(inner, HOLD_HAM_HELD))
        seen = int(len(data[test]) * learned_share)  # the files are in chronological order
        model = train_model([row for v in train for row in data[v]] + data[test][:seen])
        scored = scores(model, data[test][seen:], alpha)
        results.append((test, alpha, spam_th, hold_th, rates(scored, spam_th, hold_th)))
    return results


def prob(x: float) -> str:
    return f"{1 / (1 + math.exp(-x)):.6f}".rstrip("0").rstrip(".")


def report(results: list[tuple[str, float, float, float, Rates]]) -> str:
    lines = [
        "| test video (trained on the other two) | smoothing | spam threshold (log-odds / p) "
        "| spam caught "
        "| ham blocked | spam held for review | ham held for review |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    total = None
    for test, alpha, spam_th, hold_th, r in results:
        total = r if total is None else total + r
        lines.append(
            f"| {test} | {alpha:g} | {spam_th:g} / {prob(spam_th)} (hold from {hold_th:g}) "
            f"| {r.caught}/{r.spam} = {r.caught / r.spam:.3f} "
            f"| {r.blocked}/{r.ham} = {r.blocked / r.ham:.3f} "
            f"| {r.held}/{r.spam} = {r.held / r.spam:.3f} "
            f"| {r.ham_held}/{r.ham} = {r.ham_held / r.ham:.3f} |"
        )
    assert total is not None
    lines.append(
        f"| **total** | | | **{total.caught}/{total.spam} = {total.caught / total.spam:.3f}** "
        f"| **{total.blocked}/{total.ham} = {total.blocked / total.ham:.3f}** "
        f"| {total.held}/{total.spam} = {total.held / total.spam:.3f} "
        f"| {total.ham_held}/{total.ham} = {total.ham_held / total.ham:.3f} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding the Youtube0*.csv files (default ../shared/data)")
    args = parser.parse_args(argv)
    missing = [v for v in VIDEOS if not (args.data / v).is_file()]
    if missing:
        print(f"spam-eval: missing {', '.join(missing)} in {args.data}", file=sys.stderr)
        return 2
    data = {v: load(args.data / v) for v in VIDEOS}
    print("Trained on the other two videos only:\n")
    print(report(evaluate(data)))
    print(f"\nAfter moderators' decisions on the oldest {LEARNED_SHARE:.0%} of the test video "
          "(scored on the rest; same thresholds):\n")
    print(report(evaluate(data, LEARNED_SHARE)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
