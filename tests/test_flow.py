"""The walking skeleton's story: submit -> pending -> approve -> the thread shows it."""

from __future__ import annotations


def test_submitted_comment_waits_then_appears_nested_after_approval(actions):
    actions.site("demo")
    token = actions.moderator("mod", "demo")

    first = actions.post(body="First!")
    assert first.status_code == 202
    assert first.json["status"] == "pending"
    assert actions.thread().json["count"] == 0

    queue = actions.queue(token, status="pending").json["items"]
    assert [item["id"] for item in queue] == [first.json["id"]]
    assert actions.moderate(token, first.json["id"], status="approved").status_code == 200

    reply = actions.post(body="A reply", parent_id=first.json["id"], email="bo@example.org")
    assert reply.status_code == 202
    actions.moderate(token, reply.json["id"], status="approved")

    thread = actions.thread().json
    assert thread["count"] == 2
    assert thread["comments_open"] is True
    [top] = thread["comments"]
    assert top["id"] == first.json["id"]
    assert [r["id"] for r in top["replies"]] == [reply.json["id"]]
    assert top["replies"][0]["parent_id"] == first.json["id"]


def test_every_status_change_leaves_an_audit_event(actions, client):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    actions.moderate(token, cid, status="approved", reason="looks fine")
    actions.moderate(token, cid, status="rejected")
    item = client.get(f"/api/v1/moderation/comments/{cid}",
                      headers={"Authorization": f"Bearer {token}"}).json
    moves = [(e["actor"], e["from"], e["to"]) for e in item["history"]]
    assert moves == [("author", None, "pending"), ("mod", "pending", "approved"),
                     ("mod", "approved", "rejected")]
    assert item["history"][1]["reason"] == "looks fine"
