"""Run every check over a submission and reach a verdict: spam, hold, or clean.

    verdict = score_submission(sub, ctx)
    verdict.spam, verdict.hold, verdict.score, verdict.reasons
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from .checks import CHECKS, Context, Finding

if t.TYPE_CHECKING:
    from ..validation import Submission

SPAM_THRESHOLD = 1.0


@dataclass(frozen=True)
class Verdict:
    score: float
    reasons: list[str]
    spam: bool
    hold: bool

    @property
    def flagged(self) -> bool:
        return self.spam or self.hold


def score_submission(sub: Submission, ctx: Context) -> Verdict:
    """Sum the findings of every check; a hard finding or a score of 1 or more is spam."""
    findings: list[Finding] = []
    for check in CHECKS:
        finding = check(sub, ctx)
        if finding is not None:
            findings.append(finding)
            if finding.hard:
                break  # spam already: spare the later checks (and Akismet) the work
    score = round(min(1.0, sum(f.score for f in findings)), 4)
    spam = any(f.hard for f in findings) or score >= SPAM_THRESHOLD
    hold = any(f.hold for f in findings) or score >= 0.5
    reasons = [r for f in findings for r in (f.reason, *f.details)]
    return Verdict(score=score, reasons=reasons, spam=spam, hold=hold)
