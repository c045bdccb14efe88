"""Cross-video evaluation of the learned spam filter: `make spam-eval`.

    python bench/spam_eval.py [--data ../shared/data] [--fast]

For each of the three labelled YouTube videos: train on the other two, test on it. Every
choice a rotation makes comes from its two training videos only:
1. the model (naive Bayes at a smoothing, or logistic regression at an L2 strength), by inner
   cross-validation (train on one training video, score the other, both ways): spam caught at
   <= 0.5 % ham blocked over the pooled inner scores;
2. the thresholds, from held-out calibration scores (leave one training video out), exactly as
   the service does when `commentsvc spam train` runs on two files.
Part 1 runs the service's own features and model code in memory. Part 2 (bench/spam_api.py)
runs the final figures through the public API, with `commentsvc spam train`, moderators'
decisions through the moderation API and the worker's retrain job.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import naive_bayes, spam_api
from commentsvc.spam.features import features
from commentsvc.spam.learned import BLOCKED_BUDGET, HOLD_BUDGET, judge
from commentsvc.spam.model import Example, Hasher, Model, above_share, fit, train

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = ("Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv")
SHARES = (0.0, 0.10, 0.25)  # moderators' decisions learned on the oldest share of the test video
SWEEP = (0.15, 0.20, 0.30)  # other spam_hold_budget values: the operating points a site can pick
HASHER = Hasher(b"spam-eval fixed key, 32 bytes...")
CANDIDATES: tuple[tuple[str, float], ...] = (
    ("nb", 0.1), ("nb", 0.3), ("nb", 1.0), ("lr", 1e-4), ("lr", 1e-3), ("lr", 1e-2))

Scored = list[tuple[float, bool]]


@dataclass(frozen=True)
class Rates:
    spam: int
    ham: int
    caught: int  # spam marked spam
    held: int  # spam held for a moderator
    blocked: int  # ham marked spam
    ham_held: int  # ham held for a moderator

    def __add__(self, other: Rates) -> Rates:
        pairs = zip(self.__dict__.values(), other.__dict__.values(), strict=True)
        return Rates(*(a + b for a, b in pairs))

    def cells(self) -> list[str]:
        s, h = max(1, self.spam), max(1, self.ham)
        return [f"{self.caught}/{self.spam} = {self.caught / s:.3f}",
                f"{self.caught + self.held}/{self.spam} = {(self.caught + self.held) / s:.3f}",
                f"{self.blocked}/{self.ham} = {self.blocked / h:.3f}",
                f"{self.ham_held}/{self.ham} = {self.ham_held / h:.3f}"]


def load(path: Path) -> list[tuple[Example, str, str]]:
    """(example, body, author) per row, in the file's (chronological) order."""
    with open(path, encoding="utf-8", newline="") as f:
        return [(Example(frozenset(features(r["CONTENT"], r["AUTHOR"])), r["CLASS"].strip() == "1",
                         path.name), r["CONTENT"], r["AUTHOR"]) for r in csv.DictReader(f)]


def scorer(kind: str, param: float, examples: Sequence[Example]) -> Callable[[Example], float]:
    """Train one candidate; a function giving the log-odds of an example."""
    if kind == "nb":
        nb = naive_bayes.train([(e.feats, e.spam) for e in examples])
        return lambda e: naive_bayes.log_odds(nb, e.feats, param)
    b, w = fit([(HASHER.indices(e.feats), e.spam) for e in examples], param)
    lr = Model("", b, w, {})
    return lambda e: lr.log_odds_of(HASHER.indices(e.feats))


def caught_at(scored: Scored, budget: float) -> float:
    bar = above_share(sorted(s for s, spam in scored if not spam), budget)
    return sum(s >= bar for s, spam in scored if spam) / max(1, sum(sp for _, sp in scored))


def inner(kind: str, param: float, videos: Sequence[list[Example]]) -> Scored:
    """Leave-one-video-out scores inside the training videos."""
    out: Scored = []
    for k, held in enumerate(videos):
        rest = [e for j, v in enumerate(videos) if j != k for e in v]
        score = scorer(kind, param, rest)
        out += [(score(e), e.spam) for e in held]
    return out


def rates(scored: Scored, spam_at: float, hold_at: float) -> Rates:
    return Rates(
        spam=sum(sp for _, sp in scored), ham=sum(not sp for _, sp in scored),
        caught=sum(s >= spam_at for s, sp in scored if sp),
        held=sum(hold_at <= s < spam_at for s, sp in scored if sp),
        blocked=sum(s >= spam_at for s, sp in scored if not sp),
        ham_held=sum(hold_at <= s < spam_at for s, sp in scored if not sp))


def thresholds(calibration: Scored, hold_budget: float = HOLD_BUDGET) -> tuple[float, float]:
    ham = sorted(s for s, sp in calibration if not sp)
    spam_at = above_share(ham, BLOCKED_BUDGET)
    return spam_at, min(spam_at, above_share(ham, BLOCKED_BUDGET + hold_budget))


def rotation(data: dict[str, list[tuple[Example, str, str]]], test: str, kind: str,
             param: float, share: float, budgets: Sequence[float] = (HOLD_BUDGET,)
             ) -> list[Rates]:
    """One rotation of one candidate, the service's procedure in memory: rates per hold budget."""
    train_videos = [[e for e, _, _ in data[v]] for v in VIDEOS if v != test]
    rows = data[test]
    seen = int(len(rows) * share)
    decided = [Example(e.feats, e.spam, "site:test") for e, _, _ in rows[:seen]]
    examples = [e for v in train_videos for e in v] + decided
    rest = rows[seen:]
    if kind == "lr":
        model = train(examples, HASHER, param)
        scored = [(judge(model, HASHER, body, author).log_odds, e.spam) for e, body, author in rest]
        return [rates(scored, *model.thresholds(BLOCKED_BUDGET, b)) for b in budgets]
    groups = [*train_videos, decided] if decided else train_videos
    calibration = inner(kind, param, groups)
    score = scorer(kind, param, examples)
    scored = [(score(e), e.spam) for e, _, _ in rest]
    return [rates(scored, *thresholds(calibration, b)) for b in budgets]


def table(title: str, results: list[tuple[str, str, list[Rates]]]) -> str:
    lines = [f"{title}\n", "| test video | model (inner CV) | learned | caught | off the page "
             "(caught + held) | ham blocked | ham held |", "|---|---|---:|---:|---:|---:|---:|"]
    for share_index, share in enumerate(SHARES):
        total = None
        for test, choice, per_share in results:
            r = per_share[share_index]
            total = r if total is None else total + r
            lines.append(f"| {test} | {choice} | {share:.0%} | " + " | ".join(r.cells()) + " |")
        assert total is not None
        lines.append(f"| **all three** | | {share:.0%} | " + " | ".join(total.cells()) + " |")
    return "\n".join(lines)


def operating_points(sweep: list[tuple[str, list[list[Rates]]]]) -> str:
    lines = ["## Logistic regression: other hold budgets (spam_hold_budget), in memory\n",
             "| test video | learned | " + " | ".join(
                 f"budget {b:g}: off the page / ham held" for b in SWEEP) + " |",
             "|---|---:|" + "---:|" * len(SWEEP)]
    for test, per_share in sweep:
        for share, per_budget in zip(SHARES, per_share, strict=True):
            lines.append(f"| {test} | {share:.0%} | " + " | ".join(
                f"{(r.caught + r.held) / r.spam:.3f} / {r.ham_held / r.ham:.3f}"
                for r in per_budget) + " |")
    return "\n".join(lines)


def scoring_microseconds(data: dict[str, list[tuple[Example, str, str]]]) -> tuple[float, float]:
    """Median and 99th percentile time to judge one comment (features, hashing, score, reasons)."""
    model = train([e for v in VIDEOS[:2] for e, _, _ in data[v]], HASHER, calibrate=False)
    timings = []
    for _, body, author in data[VIDEOS[2]] * 3:
        start = time.perf_counter()
        judge(model, HASHER, body, author)
        timings.append((time.perf_counter() - start) * 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(0.99 * len(timings))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--fast", action="store_true", help="skip the run through the API")
    args = parser.parse_args(argv)
    missing = [v for v in VIDEOS if not (args.data / v).is_file()]
    if missing:
        print(f"spam-eval: missing {', '.join(missing)} in {args.data}", file=sys.stderr)
        return 2
    data = {v: load(args.data / v) for v in VIDEOS}
    print("## Inner cross-validation (spam caught at <= 0.5 % ham blocked, pooled inner scores)\n")
    print("| candidate | " + " | ".join(f"rotation {v}" for v in VIDEOS) + " | mean |")
    print("|---|" + "---:|" * (len(VIDEOS) + 1))
    inner_cv: dict[tuple[str, float], list[float]] = {}
    for kind, param in CANDIDATES:
        row = [caught_at(inner(kind, param, [[e for e, _, _ in data[v]] for v in VIDEOS
                                             if v != test]), BLOCKED_BUDGET) for test in VIDEOS]
        inner_cv[(kind, param)] = row
        print(f"| {kind} {param:g} | " + " | ".join(f"{x:.3f}" for x in row)
              + f" | {sum(row) / len(row):.3f} |", flush=True)
    results: dict[str, list[tuple[str, str, list[Rates]]]] = {"nb": [], "lr": []}
    sweep: list[tuple[str, list[list[Rates]]]] = []
    for i, test in enumerate(VIDEOS):
        for kind in ("nb", "lr"):
            param = max((p for k, p in CANDIDATES if k == kind),
                        key=lambda p, k=kind: inner_cv[(k, p)][i])  # type: ignore[misc]
            sweeps = [rotation(data, test, kind, param, share, (HOLD_BUDGET, *SWEEP))
                       for share in SHARES]
            results[kind].append((test, f"{kind} {param:g}", [r[0] for r in sweeps]))
            if kind == "lr":
                sweep.append((test, [r[1:] for r in sweeps]))
    for kind, name in (("nb", "Naive Bayes"), ("lr", "Logistic regression")):
        print()
        print(table(f"## {name}, in memory (thresholds: <= {BLOCKED_BUDGET:.1%} ham blocked, "
                    f"hold band <= {HOLD_BUDGET:.0%} ham)", results[kind]))
    print()
    print(operating_points(sweep))
    median, p99 = scoring_microseconds(data)
    print(f"\nScoring one comment (features, keyed hashing, score, thresholds, reasons): "
          f"median {median:.0f} µs, 99th percentile {p99:.0f} µs")
    if not args.fast:
        print()
        print(spam_api.run(args.data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
