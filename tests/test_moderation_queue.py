"""The moderation API, reading: tokens, scopes, the queue, paging, items, revealing an address."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from commentsvc.extensions import db
from commentsvc.models import Comment, ModerationEvent

from .moderating import auth, bulk, post_many


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
    assert actions.moderate(token, 999999, status="approved").status_code == 403
    assert actions.queue(token, status="glorious").status_code == 400



def test_paging_newest_first_never_repeats_or_skips_while_comments_arrive(actions, mod):
    first = post_many(actions, 5)
    seen: list[int] = []
    cursor = None
    for round_ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = actions.queue(mod, **params).json
        seen += [i["id"] for i in page["items"]]
        actions.post(body=f"arrived while paging {round_}", email=f"late{round_}@example.org")
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(first))



def test_paging_is_stable_when_comments_share_a_timestamp(app, actions, mod):
    ids = post_many(actions, 5)
    same = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with app.app_context():
        db.session.execute(update(Comment).values(created_at=same))
        db.session.commit()
    seen, cursor = [], None
    while True:
        page = actions.queue(mod, limit=2, **({"cursor": cursor} if cursor else {})).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)



@pytest.mark.parametrize("cursor", [
    "garbage!", "bm90IGpzb24", "WyJ4IiwgMV0",  # not base64 json / ["x", 1]
    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgMV0",  # a naive time
    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",  # id too large
    "W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tb" * 5,  # too long, nested
])
def test_a_bad_cursor_is_a_400(actions, mod, cursor):
    response = actions.queue(mod, cursor=cursor)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"



def test_queue_filters_by_article_and_all_statuses(actions, mod):
    a = actions.post(article="one").json["id"]
    b = actions.post(article="two", body="another").json["id"]
    actions.moderate(mod, b, status="approved")
    assert [i["id"] for i in actions.queue(mod, article="one").json["items"]] == [a]
    assert {i["id"] for i in actions.queue(mod, status="").json["items"]} == {a, b}



def test_item_has_history_and_spam_reasons(actions, mod, client):
    cid = actions.post(fax="I am a bot").json["id"]
    actions.moderate(mod, cid, status="rejected", reason="bot")
    item = client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(mod)).json
    assert item["spam"]["score"] == 1.0 and item["spam"]["reasons"] == ["honeypot field filled"]
    assert [(e["action"], e["from"], e["to"]) for e in item["history"]] == [
        ("submit", None, "spam"), ("status", "spam", "rejected")]
    assert item["history"][1]["actor"] == "mod" and item["history"][1]["reason"] == "bot"



def test_admins_reach_every_site(actions, mod, client):
    admin = actions.moderator("root", admin=True)
    theirs = actions.post(site="other").json["id"]
    assert actions.moderate(admin, theirs, status="approved").status_code == 200
    assert bulk(client, admin, [theirs], "rejected").json == {"updated": 1}
    assert client.get(f"/api/v1/moderation/comments/{theirs}/email",
                      headers=auth(admin)).status_code == 200
    assert client.delete(f"/api/v1/moderation/comments/{theirs}",
                         headers=auth(admin)).status_code == 204



def test_email_reveal_is_audited_every_time(app, actions, mod, client):
    cid = actions.post(email="Ana.Smith@Example.org").json["id"]
    for _ in range(2):
        response = client.get(f"/api/v1/moderation/comments/{cid}/email", headers=auth(mod))
        assert response.status_code == 200 and response.json == {"email": "Ana.Smith@example.org"}
    history = client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(mod)).json["history"]
    assert [e["action"] for e in history].count("reveal") == 2
    assert history[-1]["actor"] == "mod"



def test_email_reveal_elsewhere_is_forbidden_and_not_logged(app, actions, mod, client):
    theirs = actions.post(site="other").json["id"]
    assert client.get(f"/api/v1/moderation/comments/{theirs}/email",
                      headers=auth(mod)).status_code == 403
    assert client.get(f"/api/v1/moderation/comments/{theirs}/email").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModerationEvent)
                                 .where(ModerationEvent.action == "reveal")) == 0

