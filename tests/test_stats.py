"""Moderation figures (issue 17 item 6): GET /api/v1/moderation/stats and the same in /metrics."""

from __future__ import annotations

import datetime as dt

import pytest

from commentsvc import clock

DAY1 = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)  # a late comment, decided after midnight


def figures(actions, token, **params):
    return actions.client.get("/api/v1/moderation/stats", query_string=params,
                              headers={"Authorization": f"Bearer {token}"})


def test_a_day_of_moderation_in_figures(actions, mod):
    with clock.frozen(DAY1) as frozen:
        first = actions.post(body="one", email="a@example.org").json["id"]
        second = actions.post(body="two", email="b@example.org").json["id"]
        actions.post(body="three", email="c@example.org", fax="bot")  # spam at once
        frozen.advance(hours=2)  # 2026-12-01 01:00 UTC
        assert actions.moderate(mod, first, status="approved").status_code == 200
        frozen.advance(hours=2)
        assert actions.moderate(mod, second, status="rejected").status_code == 200
        actions.post(body="four", email="d@example.org")
        actions.post(site="other", body="not mine", email="e@example.org")
        frozen.advance(minutes=10)
        answer = figures(actions, mod, days=3)
    assert answer.status_code == 200, answer.json
    days = answer.json["days"]
    assert [d["date"] for d in days] == ["2026-11-29", "2026-11-30", "2026-12-01"]
    assert days[0] == {"date": "2026-11-29", "submitted": 0, "approved": 0, "rejected": 0,
                       "spam": 0, "flagged": 0, "median_decision_seconds": None}
    assert (days[1]["submitted"], days[1]["spam"], days[1]["approved"]) == (3, 1, 0)
    assert (days[2]["submitted"], days[2]["approved"], days[2]["rejected"]) == (1, 1, 1)
    assert days[2]["median_decision_seconds"] == 3 * 3600  # 2 h and 4 h
    assert answer.json["pending_now"] == 1 and answer.json["oldest_pending_seconds"] == 600


def test_figures_are_scoped_to_the_moderators_sites(actions, mod):
    actions.post(site="other", body="theirs", email="x@example.org")
    assert figures(actions, mod).json["pending_now"] == 0
    assert len(figures(actions, mod).json["days"]) == 30
    assert figures(actions, mod, site="demo").status_code == 200
    assert figures(actions, mod, site="other").status_code == 403
    assert figures(actions, mod, site="nowhere").status_code == 404
    admin = actions.moderator("boss", admin=True)
    assert figures(actions, admin).json["pending_now"] == 1
    assert figures(actions, admin, site="other").json["oldest_pending_seconds"] is not None
    assert actions.client.get("/api/v1/moderation/stats").status_code == 401


@pytest.mark.parametrize("days", ["0", "366", "-1", "ten", "1.5", "99999999999999999999"])
def test_days_outside_1_to_365_are_a_422(actions, mod, days):
    answer = figures(actions, mod, days=days)
    assert answer.status_code == 422 and "days" in answer.json["fields"]


def test_the_same_figures_in_metrics(actions, mod, client):
    cid = actions.post(body="one", email="a@example.org").json["id"]
    actions.post(body="two", email="b@example.org")
    actions.moderate(mod, cid, status="approved")
    text = client.get("/metrics").text
    assert 'commentsvc_pending_comments{site="demo"} 1.0' in text
    assert 'commentsvc_pending_comments{site="other"} 0.0' in text
    assert 'commentsvc_comments_today{outcome="submitted",site="demo"} 2.0' in text
    assert 'commentsvc_comments_today{outcome="approved",site="demo"} 1.0' in text
    assert 'commentsvc_comments_today{outcome="flagged",site="demo"} 0.0' in text
    assert 'commentsvc_oldest_pending_seconds{site="demo"}' in text
    assert 'commentsvc_median_decision_seconds_today{site="demo"}' in text
