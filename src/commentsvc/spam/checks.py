"""One function per check. Each reads the submission and its context and returns a Finding or None.

    def check_honeypot(sub: Submission, ctx: Context) -> Finding | None: ...

A hard finding (honeypot filled, disallowed word, blocked address) makes the comment spam at
once; soft findings add up to a score.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

if t.TYPE_CHECKING:
    from ..models import Site
    from ..validation import Submission


@dataclass(frozen=True)
class Finding:
    score: float
    reason: str
    hard: bool = False  # spam at once, whatever the score
    hold: bool = False  # hold for a moderator even when the site publishes at once


@dataclass(frozen=True)
class Context:
    site: Site
    email_hash: str
    ip_prefix: str | None
    ip_hash: str | None
    user_agent: str | None
    extra: dict[str, t.Any] = field(default_factory=dict)


Check = t.Callable[["Submission", Context], "Finding | None"]


def check_honeypot(sub: Submission, ctx: Context) -> Finding | None:
    """A filled honeypot field is a bot."""
    if sub.honeypot.strip():
        return Finding(1.0, "honeypot field filled", hard=True)
    return None


CHECKS: list[Check] = [check_honeypot]
