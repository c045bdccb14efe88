"""The moderation API: tokens, queue filters, status changes."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer "])
def test_moderation_needs_a_valid_token(actions, client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/moderation/comments", headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(actions, runner):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    assert actions.queue(token).status_code == 200
    assert runner.invoke(args=["moderator", "revoke", "mod"]).exit_code == 0
    assert actions.queue(token).status_code == 401


def test_queue_filters_by_status_and_site(actions):
    actions.site("demo")
    actions.site("other")
    token = actions.moderator("root", admin=True)
    a = actions.post(site="demo").json["id"]
    b = actions.post(site="other").json["id"]
    actions.moderate(token, a, status="approved")
    assert [i["id"] for i in actions.queue(token, status="pending").json["items"]] == [b]
    approved = actions.queue(token, status="approved", site="demo").json["items"]
    assert [i["id"] for i in approved] == [a]
    assert actions.queue(token, site="other", status="approved").json["items"] == []


def test_moderator_sees_only_their_sites(actions):
    actions.site("demo")
    actions.site("other")
    token = actions.moderator("mod", "demo")
    actions.post(site="demo")
    other = actions.post(site="other").json["id"]
    assert {i["site"] for i in actions.queue(token).json["items"]} == {"demo"}
    assert actions.queue(token, site="other").status_code == 403
    assert actions.moderate(token, other, status="approved").status_code == 403


def test_item_shape_masks_the_address(actions):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    actions.post(email="ana.smith@example.org", url="https://ana.example")
    [item] = actions.queue(token).json["items"]
    assert item["author"] == {"name": "Ana", "url": "https://ana.example",
                              "email_masked": "a•••@example.org"}
    assert set(item) >= {"id", "site", "article", "parent_id", "status", "body", "body_html",
                         "created_at", "spam", "ip_prefix"}
    assert item["ip_prefix"] == "127.0.0.0/24"


def test_unknown_status_and_comment(actions):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    assert actions.moderate(token, cid, status="glorious").status_code == 400
    assert actions.moderate(token, 999999, status="approved").status_code == 404
    assert actions.queue(token, status="glorious").status_code == 400


def test_approving_then_unpublishing_keeps_the_count_exact(actions):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    actions.moderate(token, cid, status="approved")
    actions.moderate(token, cid, status="approved")  # no change, no double count
    assert actions.thread().json["count"] == 1
    actions.moderate(token, cid, status="spam")
    assert actions.thread().json["count"] == 0
