"""The one clock: `now()` is the current time in UTC; tests freeze and move it.

    from commentsvc import clock
    deadline = clock.now() + dt.timedelta(hours=1)
    stamp = clock.timestamp()                      # seconds since the epoch, a float

    with clock.frozen(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) as frozen:
        ...                                        # every clock.now() answers 2026-01-01
        frozen.advance(seconds=90)                 # ... and now 90 s later

Every decision that depends on time (edit windows, form-token age, review sessions, retries,
purges) reads it here; `models.utcnow`, the column default, is this clock too. A frozen
clock holds for every thread (the live test server's too) until the `with` block ends.
Imports nothing from the package.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import typing as t

_frozen_at: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware UTC (or the frozen time)."""
    return _frozen_at if _frozen_at is not None else dt.datetime.now(dt.UTC)


def timestamp() -> float:
    """now() as seconds since the epoch."""
    return now().timestamp()


class Frozen:
    """The handle `frozen()` yields: move the stopped clock on, or set it."""

    def advance(self, **delta: float) -> dt.datetime:
        """Move on by a timedelta's keywords (seconds=, minutes=, days=...); the new time."""
        return self.set(now() + dt.timedelta(**delta))

    def set(self, moment: dt.datetime) -> dt.datetime:
        global _frozen_at
        if moment.tzinfo is None:
            raise ValueError("the clock holds aware datetimes only (tzinfo=dt.UTC)")
        _frozen_at = moment.astimezone(dt.UTC)
        return _frozen_at


@contextlib.contextmanager
def frozen(moment: dt.datetime | None = None) -> t.Iterator[Frozen]:
    """Stop the clock at `moment` (default: the current time) for the `with` block."""
    global _frozen_at
    before = _frozen_at
    handle = Frozen()
    handle.set(moment or now())
    try:
        yield handle
    finally:
        _frozen_at = before
