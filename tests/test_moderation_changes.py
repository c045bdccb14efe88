"""The moderation API, changing: status rules and counts, edits, notes, bulk, delete, closing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from commentsvc.extensions import db
from commentsvc.models import Article, Comment, ModerationEvent

from .moderating import auth, bulk, post_many, set_open


def test_approving_then_unpublishing_keeps_the_count_exact(actions):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    actions.moderate(token, cid, status="approved")
    actions.moderate(token, cid, status="approved")  # no change, no double count
    assert actions.thread().json["count"] == 1
    actions.moderate(token, cid, status="spam")
    assert actions.thread().json["count"] == 0



def test_editing_the_body_rerenders_it_and_updates_the_public_thread(actions, mod, client):
    cid = actions.post(body="Hello *there*").json["id"]
    actions.moderate(mod, cid, status="approved")
    etag = actions.thread().headers["ETag"]
    response = actions.moderate(mod, cid, body="Fixed **typo** <script>alert(1)</script>",
                                reason="typo")
    assert response.status_code == 200
    assert response.json["body_html"] == (
        "<p>Fixed <strong>typo</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    thread = actions.thread()
    assert thread.headers["ETag"] != etag
    [comment] = thread.json["comments"]
    assert comment["body_html"] == response.json["body_html"] and comment["edited_at"]
    history = client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(mod)).json["history"]
    assert history[-1]["action"] == "edit" and history[-1]["reason"] == "typo"
    assert thread.json["count"] == 1



def test_body_and_status_change_together(actions, mod):
    cid = actions.post().json["id"]
    item = actions.moderate(mod, cid, body="Better words", status="approved").json
    assert item["status"] == "approved" and item["body"] == "Better words"
    assert actions.thread().json["comments"][0]["body_html"] == "<p>Better words</p>"



def test_a_reason_alone_is_kept_as_a_note(actions, mod, client):
    cid = actions.post().json["id"]
    assert actions.moderate(mod, cid, reason="asked the author").status_code == 200
    history = client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(mod)).json["history"]
    assert (history[-1]["action"], history[-1]["reason"]) == ("note", "asked the author")



def test_a_reason_with_an_unchanged_status_is_still_kept(actions, mod, client):
    cid = actions.post().json["id"]
    assert actions.moderate(mod, cid, status="pending", reason="looked at it").status_code == 200
    history = client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(mod)).json["history"]
    assert [e["action"] for e in history] == ["submit", "note"]
    assert history[1]["reason"] == "looked at it"



def test_an_edit_may_not_duplicate_another_comment_of_the_same_person(actions, mod):
    actions.post(body="First words")
    second = actions.post(body="Second words").json["id"]
    response = actions.moderate(mod, second, body="first   WORDS", status="approved")
    assert response.status_code == 409 and response.json["error"] == "duplicate"
    item = [i for i in actions.queue(mod).json["items"] if i["id"] == second][0]
    assert (item["body"], item["status"]) == ("Second words", "pending")



@pytest.mark.parametrize("changes, status, field", [
    ({"status": 3}, 400, None),
    ({"status": "glorious"}, 400, None),
    ({"body": ["x"]}, 422, "body"),
    ({"body": "   "}, 422, "body"),
    ({"body": "x" * 5001}, 422, "body"),
    ({"body": "bad \x07 bell"}, 422, "body"),
    ({"reason": 5}, 422, "reason"),
    ({"reason": "r" * 501}, 422, "reason"),
])
def test_bad_changes_are_refused_and_change_nothing(actions, mod, changes, status, field):
    cid = actions.post().json["id"]
    response = actions.moderate(mod, cid, **changes)
    assert response.status_code == status
    assert response.json["message"]
    if field:
        assert field in response.json["fields"]
    assert actions.queue(mod).json["items"][0]["body"] == "Hello there"



def test_patch_needs_a_json_object(actions, mod, client):
    cid = actions.post().json["id"]
    url = f"/api/v1/moderation/comments/{cid}"
    assert client.patch(url, data="[1]", content_type="application/json",
                        headers=auth(mod)).status_code == 400
    assert client.patch(url, data="x", content_type="text/plain",
                        headers=auth(mod)).status_code == 415



@pytest.mark.parametrize("start, to, code", [
    ("pending", "approved", 200), ("pending", "spam", 200), ("pending", "rejected", 200),
    ("approved", "pending", 200), ("spam", "approved", 200), ("rejected", "pending", 200),
    ("pending", "deleted", 409), ("deleted", "approved", 409), ("deleted", "pending", 409),
])
def test_transition_rules(app, actions, mod, start, to, code):
    cid = actions.post().json["id"]
    with app.app_context():
        db.session.execute(update(Comment).values(status=start))
        db.session.commit()
    response = actions.moderate(mod, cid, status=to)
    assert response.status_code == code
    if code == 409:
        assert response.json["error"] == "invalid_transition"
        assert start in response.json["message"] and to in response.json["message"]



def test_a_withdrawn_comment_cannot_be_edited(app, actions, mod):
    cid = actions.post().json["id"]
    with app.app_context():
        db.session.execute(update(Comment).values(status="deleted"))
        db.session.commit()
    assert actions.moderate(mod, cid, body="new").status_code == 409



def test_bulk_approves_and_counts_only_what_changed(actions, mod, client):
    ids = post_many(actions, 3)
    actions.moderate(mod, ids[0], status="approved")
    response = bulk(client, mod, ids + [ids[1]], "approved")
    assert response.status_code == 200 and response.json == {"updated": 2}
    assert actions.thread().json["count"] == 3



def test_bulk_is_all_or_nothing(app, actions, mod, client):
    ids = post_many(actions, 3)
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == ids[2]).values(status="deleted"))
        db.session.commit()
    response = bulk(client, mod, ids, "approved")
    assert response.status_code == 409 and str(ids[2]) in response.json["message"]
    assert actions.thread().json["count"] == 0
    assert {i["status"] for i in actions.queue(mod, status="").json["items"]} == {"pending",
                                                                                   "deleted"}



def test_bulk_respects_the_moderators_sites(actions, mod, client):
    mine = actions.post().json["id"]
    theirs = actions.post(site="other").json["id"]
    assert bulk(client, mod, [mine, theirs], "spam").status_code == 403
    assert actions.queue(mod).json["items"][0]["status"] == "pending"
    assert bulk(client, mod, [mine, 999999], "spam").status_code == 403  # no existence oracle



@pytest.mark.parametrize("body, status", [
    ({"ids": [], "status": "approved"}, 400),
    ({"ids": "1", "status": "approved"}, 400),
    ({"ids": [True], "status": "approved"}, 400),
    ({"ids": ["1"], "status": "approved"}, 400),
    ({"ids": [1.5], "status": "approved"}, 400),
    ({"ids": list(range(1, 202)), "status": "approved"}, 400),
    ({"ids": [1]}, 400),
    ({"ids": [1], "status": "nope"}, 400),
])
def test_bulk_refuses_bad_input(actions, mod, client, body, status):
    response = client.post("/api/v1/moderation/comments/bulk", json=body, headers=auth(mod))
    assert response.status_code == status and response.json["message"]



def test_delete_erases_the_comment_and_keeps_its_replies(app, actions, mod, client):
    root = actions.post(body="root").json["id"]
    actions.moderate(mod, root, status="approved")
    middle = actions.post(body="middle", parent_id=root, email="m@example.org").json["id"]
    actions.moderate(mod, middle, status="approved")
    leaf = actions.post(body="leaf", parent_id=middle, email="l@example.org").json["id"]
    actions.moderate(mod, leaf, status="approved")
    etag = actions.thread().headers["ETag"]
    response = client.delete(f"/api/v1/moderation/comments/{middle}", headers=auth(mod))
    assert response.status_code == 204 and response.data == b""
    thread = actions.thread()
    assert thread.headers["ETag"] != etag and thread.json["count"] == 2
    [top] = thread.json["comments"]
    assert top["id"] == root and [r["id"] for r in top["replies"]] == [leaf]
    assert client.get(f"/api/v1/moderation/comments/{middle}", headers=auth(mod)).status_code == 403
    with app.app_context():
        assert db.session.get(Comment, middle) is None
        assert db.session.get(Comment, leaf).parent_id == root
        actions_kept = db.session.scalars(
            select(ModerationEvent.action).where(ModerationEvent.comment_id == middle)).all()
        assert actions_kept[-1] == "delete" and "submit" in actions_kept
        assert db.session.scalar(select(Article.approved_count)) == 2



def test_delete_is_scoped_and_missing_is_the_same_403(actions, mod, client):
    theirs = actions.post(site="other").json["id"]
    url = f"/api/v1/moderation/comments/{theirs}"
    assert client.delete(url, headers=auth(mod)).status_code == 403
    assert client.delete("/api/v1/moderation/comments/999999", headers=auth(mod)).status_code == 403
    assert client.delete(f"/api/v1/moderation/comments/{theirs}").status_code == 401



def test_closing_and_reopening_an_article(actions, mod, client):
    assert actions.post().status_code == 202
    etag = actions.thread().headers["ETag"]
    response = set_open(client, mod, False)
    assert response.status_code == 200
    assert response.json == {"site": "demo", "article": "hello-world", "comments_open": False}
    closed = actions.post(body="too late")
    assert closed.status_code == 403 and closed.json["error"] == "comments_closed"
    thread = actions.thread()
    assert thread.json["comments_open"] is False and thread.headers["ETag"] != etag
    assert set_open(client, mod, True).json["comments_open"] is True
    assert actions.post(body="open again").status_code == 202
    assert actions.thread().json["comments_open"] is True



def test_an_article_can_be_closed_before_its_first_comment(actions, mod, client):
    key = "%2F2021%2F10%2Ftitle%2F"
    assert set_open(client, mod, False, article=key).status_code == 200
    assert actions.post(article=key).status_code == 403
    assert actions.thread(article=key).json["comments_open"] is False



@pytest.mark.parametrize("body", [{}, {"comments_open": "false"}, {"comments_open": 0}])
def test_closing_needs_a_boolean(actions, mod, client, body):
    response = client.patch("/api/v1/moderation/sites/demo/articles/a", json=body,
                            headers=auth(mod))
    assert response.status_code == 400



def test_closing_is_scoped(actions, mod, client):
    assert set_open(client, mod, False, site="other").status_code == 403
    assert set_open(client, mod, False, site="nowhere").status_code == 404
    assert client.patch("/api/v1/moderation/sites/demo/articles/a",
                        json={"comments_open": False}).status_code == 401
    admin = actions.moderator("root", admin=True)
    assert set_open(client, admin, False, site="other").status_code == 200
    assert actions.post(site="other").status_code == 403



@pytest.mark.postgres
def test_two_moderators_approving_at_once_count_it_once(app, actions, mod, database_uri):
    """The row lock makes the second approval see the first (PostgreSQL; SQLite is one writer)."""
    import threading

    if database_uri.startswith("sqlite"):
        pytest.skip("row locks are a PostgreSQL matter")
    for round_ in range(5):
        cid = actions.post(body=f"race {round_}", email=f"r{round_}@example.org").json["id"]
        barrier = threading.Barrier(2)
        codes: list[int] = []

        def approve(cid: int, barrier: threading.Barrier, codes: list[int]) -> None:
            client = app.test_client()
            barrier.wait(timeout=10)
            codes.append(client.patch(f"/api/v1/moderation/comments/{cid}",
                                      json={"status": "approved"}, headers=auth(mod)).status_code)

        threads = [threading.Thread(target=approve, args=(cid, barrier, codes)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert codes == [200, 200]
        assert actions.thread().json["count"] == round_ + 1
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(ModerationEvent)
                                   .where(ModerationEvent.action == "status"))
    assert events == 5

