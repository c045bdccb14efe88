"""The learned filter's verdict on one comment, with reasons a moderator can read.

    judgement = judge(model, hasher, body, author, url, hold_budget=0.10, blocked_budget=0.005)
    judgement.spam, judgement.hold, judgement.probability, judgement.reasons
    # ["learned filter: spam probability 0.9991", "3 links to a new domain",
    #  "words seen in 94 % spam: subscribe, channel"]

The spam threshold lets through at most `blocked_budget` of held-out ham (the ham a new site
would see blocked); the hold band below it holds at most `hold_budget` more (the site's
`spam_hold_budget`). Both come from the calibration scores stored with the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from .features import features, parts
from .model import Hasher, Model, probability

BLOCKED_BUDGET = 0.005  # default SPAM_HAM_BLOCKED_BUDGET: share of ham the filter may block
HOLD_BUDGET = 0.10  # default of a site's spam_hold_budget
MIN_SEEN = 3  # a share of spam is told only when the features were in this many comments
_KIND_WORDS = {"w": "words", "b": "phrases", "p": "word pairs"}


@dataclass(frozen=True)
class Judgement:
    log_odds: float
    probability: float
    spam: bool
    hold: bool
    reasons: tuple[str, ...]


def judge(model: Model, hasher: Hasher, body: str, author: str = "", url: str | None = None,
          hold_budget: float = HOLD_BUDGET, blocked_budget: float = BLOCKED_BUDGET) -> Judgement:
    words, others = parts(body, author, url)
    score = model.log_odds_of(hasher.indices_of_parts(words, others))
    spam_at, hold_at = model.thresholds(blocked_budget, hold_budget)
    spam, hold = score >= spam_at, hold_at <= score < spam_at
    reasons: tuple[str, ...] = ()
    if spam or hold:
        index = {f: hasher.index(f) for f in features(body, author, url)}
        band = (f"held from {probability(hold_at):.2f}, " if hold_at < spam_at else "") + (
            f"spam from {probability(spam_at):.2f}")
        reasons = (f"learned filter: spam probability {probability(score):.4f} ({band})",
                   *explain(model, index))
    return Judgement(score, probability(score), spam, hold, reasons)


def pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _share(model: Model, indices: list[int]) -> tuple[float, int]:
    """Share of spam among the training comments holding these features, and how many."""
    s = sum(model.counts.get(i, (0, 0))[0] for i in indices)
    h = sum(model.counts.get(i, (0, 0))[1] for i in indices)
    return (s / (s + h) if s + h else 0.0), s + h


def explain(model: Model, index: dict[str, int], limit: int = 3) -> list[str]:
    """The features pushing most towards spam, said in a moderator's words."""
    push = model.contributions(sorted(set(index.values())))
    out: list[str] = []
    hosts = sorted({f.split(":", 1)[1] for f in index if f.startswith("dom:")})
    if hosts:
        new = [h for h in hosts if _share(model, [index[f"dom:{h}"]])[1] == 0]
        links = next((f for f in index if f.startswith("links:")), "links:0").split(":")[1]
        count = f"{links}{'+' if links == '3' else ''}"
        if new:
            out.append(f"{count} link{'s' if links != '1' else ''} to a new domain "
                       f"({', '.join(new[:3])})")
        else:
            share, n = _share(model, [index[f"dom:{h}"] for h in hosts])
            if n >= MIN_SEEN:
                out.append(f"links to {', '.join(hosts[:3])}, seen in {pct(share)} spam")
    for kind, label in _KIND_WORDS.items():
        strong = sorted(((push[i], f) for f, i in index.items()
                         if f.startswith(kind + ":") and push[i] > 0), reverse=True)[:limit]
        if strong:
            share, n = _share(model, [index[f] for _, f in strong])
            if n >= MIN_SEEN:
                words = ", ".join(f.split(":", 1)[1].replace("|", " … ").rsplit(" … ", 1)[0]
                                  if kind == "p" else f.split(":", 1)[1] for _, f in strong)
                out.append(f"{label} seen in {pct(share)} spam: {words}")
            break
    authors = [f for f in index if f.startswith("a:") and push[index[f]] > 0]
    if authors:
        share, n = _share(model, [index[f] for f in authors])
        if n >= MIN_SEEN and share >= 0.5:
            out.append(f"author name seen in {pct(share)} spam")
    shape = {f.split(":")[0]: f for f in index if f.split(":")[0] in ("caps", "digits")}
    if shape.get("caps", "caps:0") >= "caps:3" and push[index[shape["caps"]]] > 0:
        out.append("mostly capital letters")
    return out
