"""Paging of thread reads: query arguments parsed once into a typed Paging.

    paging = parse_paging(request.args)          # the JSON read: clamped, or 400
    paging = parse_page_link(request.args, 50)   # the no-JavaScript page: junk is page 1
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from .errors import BadRequest
from .i18n import N_

PAGE_MAX = 1_000_000
PER_PAGE_MAX = 200
PER_PAGE_DEFAULT = 50
ORDERS = ("oldest", "newest")


@dataclass(frozen=True)
class Paging:
    """Which page of top-level comments to read: page ≥ 1, per_page 1–200, oldest|newest."""

    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    order: str = "oldest"


def _whole_number(args: t.Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(N_("%(name)s must be a whole number.", name=name)) from None
    return min(max(value, low), high)


def parse_paging(args: t.Mapping[str, str]) -> Paging:
    """?page=&per_page=&order= of the JSON read: numbers out of range are clamped.

    :raises BadRequest: a number that is not a whole number, an order other than oldest|newest.
    """
    page = _whole_number(args, "page", 1, 1, PAGE_MAX)
    per_page = _whole_number(args, "per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    order = args.get("order", "oldest")
    if order not in ORDERS:
        raise BadRequest(N_("order must be oldest or newest."))
    return Paging(page, per_page, order)


def link_number(args: t.Mapping[str, str], name: str) -> int | None:
    """A number from one of the no-JavaScript page's own links (?page=, ?replytocom=): plain
    digits, at most 9 of them; anything else is None (the page is shown as if it were absent)."""
    raw = args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def parse_page_link(args: t.Mapping[str, str], per_page: int) -> Paging:
    """The no-JavaScript page's ?page=: oldest first, a fixed page size, junk reads as page 1."""
    return Paging(min(max(1, link_number(args, "page") or 1), PAGE_MAX), per_page, "oldest")
