"""The one clock: aware UTC, frozen for a block, moved on, and back to real time after."""

from __future__ import annotations

import datetime as dt

import pytest

from commentsvc import clock
from commentsvc.models import utcnow


def test_now_is_aware_utc_and_real_outside_a_frozen_block():
    before = dt.datetime.now(dt.UTC)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)
    assert before <= now <= dt.datetime.now(dt.UTC)


def test_frozen_holds_moves_on_and_restores():
    moment = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(moment) as frozen:
        assert clock.now() == moment == utcnow()  # the column default follows the clock
        assert clock.timestamp() == moment.timestamp()
        assert frozen.advance(minutes=2) == moment + dt.timedelta(minutes=2) == clock.now()
        with clock.frozen(moment - dt.timedelta(days=1)):
            assert clock.now().day == 28
        assert clock.now() == moment + dt.timedelta(minutes=2)
    assert clock.now() > moment + dt.timedelta(days=30)


def test_frozen_refuses_a_naive_time():
    with pytest.raises(ValueError, match="aware"), clock.frozen(dt.datetime(2026, 1, 1)):
        pass
    assert clock.now().tzinfo is not None
