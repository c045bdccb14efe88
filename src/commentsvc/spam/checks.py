"""One function per check. Each reads the submission and its context and returns a Finding or None.

    def check_honeypot(sub: Submission, ctx: Context) -> Finding | None: ...

A hard finding (honeypot filled, disallowed word, blocked address) makes the comment spam at
once; soft findings add up to a score (1.0 or more is spam, 0.5 or more is held).
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import UsedFormToken
from ..privacy import ip_in_prefixes
from . import akismet, formtoken, learned, store
from .features import link_domains, normalise

if t.TYPE_CHECKING:
    from ..models import Site
    from ..validation import Submission


@dataclass(frozen=True)
class Finding:
    score: float
    reason: str
    hard: bool = False  # spam at once, whatever the score
    hold: bool = False  # hold for a moderator even when the site publishes at once
    details: tuple[str, ...] = ()  # more reasons, each shown to the moderator on its own


@dataclass(frozen=True)
class Context:
    site: Site
    email_hash: str
    ip_prefix: str | None
    ip_hash: str | None
    user_agent: str | None
    # "ip", "article", "email_hashes"; "edit": an author's edit (no form token to check);
    # "model_head": the learned filter's version, already read in this transaction (store.Head
    # or None: no model), so the filter need not ask the database again
    extra: dict[str, t.Any] = field(default_factory=dict)


Check = t.Callable[["Submission", Context], "Finding | None"]


def check_honeypot(sub: Submission, ctx: Context) -> Finding | None:
    """A filled honeypot field is a bot (any value: blanks too, which no person types there)."""
    if sub.honeypot:
        return Finding(1.0, "honeypot field filled", hard=True)
    return None


def check_form_token(sub: Submission, ctx: Context) -> Finding | None:
    """The form token: too fast, too old, forged or replayed. A missing one is a soft signal."""
    config = current_app.config
    if ctx.extra.get("edit"):
        return None  # an author's edit carries the edit token, not a form token
    if not sub.form_token:
        score = float(config["FORM_TOKEN_MISSING_SCORE"])
        return Finding(score, "no form token") if score > 0 else None
    article = ctx.extra.get("article")
    stamp = formtoken.read(sub.form_token, ctx.site.key, article or "")
    if stamp is None:
        return Finding(0.5, "form token invalid or for another page", hold=True)
    minimum = float(config["FORM_TOKEN_MIN_SECONDS"])
    if stamp.age_seconds < minimum:
        return Finding(0.6, f"form sent within {minimum:g} s of being served", hold=True)
    if stamp.age_seconds > float(config["FORM_TOKEN_MAX_SECONDS"]):
        return Finding(0.5, "form token expired", hold=True)
    if not _spend(stamp.nonce):
        return Finding(0.6, "form token used before", hold=True)
    return None


def _spend(nonce: str) -> bool:
    """Record a form nonce as used; False when it was used already (by any worker)."""
    try:
        with db.session.begin_nested():
            db.session.add(UsedFormToken(nonce=nonce[:64], used_at=clock.now()))
    except IntegrityError:
        return False
    return True


def check_links(sub: Submission, ctx: Context) -> Finding | None:
    """More links in the text than the site allows."""
    allowed = ctx.site.max_links if ctx.site.max_links is not None else 2
    count = len(link_domains(normalise(sub.body)))
    if count > allowed:
        return Finding(0.6, f"{count} links (the site allows {allowed})", hold=True)
    return None


def _word_in(words: list[str], sub: Submission) -> str | None:
    """The first listed word or phrase found, as a whole word, in name, email, url or body."""
    haystack = " \n ".join([sub.name, sub.email, sub.url or "", normalise(sub.body)]).casefold()
    for word in words:
        w = word.strip().casefold()
        if w and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", haystack):
            return word.strip()
    return None


def check_disallowed_words(sub: Submission, ctx: Context) -> Finding | None:
    """A word the site never accepts: spam at once."""
    word = _word_in(list(ctx.site.disallowed_words or []), sub)
    return Finding(1.0, f"disallowed word {word!r}", hard=True) if word else None


def check_moderation_words(sub: Submission, ctx: Context) -> Finding | None:
    """A word the site wants a person to see first: hold."""
    word = _word_in(list(ctx.site.moderation_words or []), sub)
    return Finding(0.0, f"moderation word {word!r}", hold=True) if word else None


def check_blocklists(sub: Submission, ctx: Context) -> Finding | None:
    """An address or network the site has blocked: spam at once."""
    blocked = set(ctx.site.blocked_emails or [])
    hashes = set(ctx.extra.get("email_hashes") or [ctx.email_hash])
    if blocked & hashes:
        return Finding(1.0, "blocked email address", hard=True)
    if ip_in_prefixes(ctx.ip_prefix, ctx.site.blocked_ip_prefixes or []):
        return Finding(1.0, "blocked network", hard=True)
    return None


def check_learned(sub: Submission, ctx: Context) -> Finding | None:
    """The learned filter (logistic regression): spam past the ham-blocked budget, held in the
    band the site's spam_hold_budget allows; silent until a model has been trained."""
    model = store.current(ctx.extra.get("model_head", store.ASK))
    if model is None:
        return None
    config = current_app.config
    j = learned.judge(model, store.hasher(), sub.body, sub.name, sub.url,
                      hold_budget=float(ctx.site.spam_hold_budget),
                      blocked_budget=float(config.get("SPAM_HAM_BLOCKED_BUDGET",
                                                      learned.BLOCKED_BUDGET)))
    if j.spam:
        return Finding(1.0, j.reasons[0], details=j.reasons[1:])
    if j.hold:
        return Finding(0.5, j.reasons[0], hold=True, details=j.reasons[1:])
    return None


def check_akismet(sub: Submission, ctx: Context) -> Finding | None:
    """Akismet's opinion, when AKISMET_KEY is configured."""
    if not akismet.enabled():
        return None
    site_url = (ctx.site.origins or [f"https://{ctx.site.key}.invalid"])[0]
    answer = akismet.check(site_url, ctx.extra.get("ip"), sub.name, sub.email, sub.url, sub.body,
                           ctx.user_agent)
    if answer == "spam":
        return Finding(1.0, "akismet: spam")
    return None


CHECKS: list[Check] = [
    check_honeypot,
    check_blocklists,
    check_disallowed_words,
    check_moderation_words,
    check_links,
    check_form_token,
    check_learned,
    check_akismet,
]
