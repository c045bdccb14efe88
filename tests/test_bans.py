"""Sanctions: bans by address, IP prefix or domain, checked before the spam pipeline."""

from __future__ import annotations

import datetime as dt

import pytest

from commentsvc import clock

from .moderating import auth

BANS = "/api/v1/moderation/sites/{site}/bans"


def ban(client, token, site="demo", **body):
    return client.post(BANS.format(site=site), json=body, headers=auth(token))


def post(actions, email="troll@spam.example", remote="203.0.113.7", body="Buy now", **extra):
    return actions.client.post(
        "/api/v1/sites/demo/articles/hello-world/comments",
        json={"name": "Troll", "email": email, "body": body, **extra},
        environ_base={"REMOTE_ADDR": remote})


@pytest.fixture
def troll(actions, mod):
    """A comment on demo by troll@spam.example from 203.0.113.7."""
    return post(actions).json["id"]


def test_reject_ban_by_email_from_a_comment(actions, client, mod, troll):
    made = ban(client, mod, kind="email", comment_id=troll, reason="abuse", days=30)
    assert made.status_code == 201
    assert made.json["value"] == "t•••@spam.example"
    assert made.json["mode"] == "reject" and made.json["expires_at"]
    refused = post(actions, body="again")
    assert refused.status_code == 403 and refused.json["error"] == "banned"
    # another address from another network still posts
    assert post(actions, email="ana@example.org", remote="198.51.100.1").status_code == 202


def test_shadow_ban_stores_spam_answered_as_held(actions, client, mod, troll):
    assert ban(client, mod, kind="email", comment_id=troll, mode="shadow").status_code == 201
    answer = post(actions, body="a new one")
    assert answer.status_code == 202 and answer.json["status"] == "pending"
    listed = actions.queue(mod, status="spam").json["items"]
    assert [(i["id"], i["spam"]["reasons"]) for i in listed] == [(answer.json["id"], ["ban"])]


def test_ip_and_domain_bans(actions, client, mod, troll):
    made = ban(client, mod, kind="ip", comment_id=troll)
    assert made.json["value"] == "203.0.•.•/24"
    assert post(actions, email="new@example.org", remote="203.0.113.99").status_code == 403
    assert ban(client, mod, kind="domain", value="Junk.Example").status_code == 201
    assert post(actions, email="x@junk.example", remote="192.0.2.50").status_code == 403
    assert post(actions, email="x@fine.example", remote="192.0.2.50").status_code == 202


def test_a_ban_is_checked_before_the_spam_pipeline(actions, client, mod, troll, runner):
    # A word that would make it spam anyway: the ban answers first, with 403.
    runner.invoke(args=["site", "set", "demo", "--disallowed-word", "casino"])
    ban(client, mod, kind="email", comment_id=troll)
    assert post(actions, body="casino casino").json["error"] == "banned"


def test_bans_expire_and_can_be_lifted(actions, client, mod, troll):
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) as frozen:
        made = ban(client, mod, kind="email", comment_id=troll, days=1).json
        assert [b["id"] for b in client.get(BANS.format(site="demo"),
                                            headers=auth(mod)).json["items"]] == [made["id"]]
        frozen.advance(days=2)
        assert client.get(BANS.format(site="demo"), headers=auth(mod)).json["items"] == []
        assert post(actions, body="back again").status_code == 202
    forever = ban(client, mod, kind="email", comment_id=troll).json
    assert client.delete(f"/api/v1/moderation/bans/{forever['id']}",
                         headers=auth(mod)).status_code == 204
    assert post(actions, body="lifted").status_code == 202
    assert client.delete(f"/api/v1/moderation/bans/{forever['id']}",
                         headers=auth(mod)).status_code == 404


def test_the_listing_never_shows_an_address(client, mod, troll):
    ban(client, mod, kind="email", comment_id=troll)
    text = client.get(BANS.format(site="demo"), headers=auth(mod)).get_data(as_text=True)
    assert "troll@" not in text and "203.0.113" not in text


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "email", "comment_id": 999999}, "comment_id"),
    ({"kind": "email"}, "comment_id"),
    ({"kind": "phone", "comment_id": 1}, "kind"),
    ({"kind": "email", "comment_id": 1, "mode": "quiet"}, "mode"),
    ({"kind": "email", "comment_id": 1, "days": 0}, "days"),
    ({"kind": "email", "comment_id": 1, "days": "ten"}, "days"),
    ({"kind": "domain", "value": "not a domain"}, "value"),
    ({"kind": "email", "value": "spam.example"}, "value"),
    ({"kind": "email", "comment_id": "1"}, "comment_id"),
    ({"kind": "email", "comment_id": 1, "reason": "x" * 501}, "reason"),
])
def test_bad_bans_name_the_field(client, mod, troll, body, field):
    answer = ban(client, mod, **body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["fields"]


def test_a_comment_of_another_site_cannot_be_banned_here(actions, client, mod):
    admin = actions.moderator("root", admin=True)
    other = actions.post(site="other").json["id"]
    answer = ban(client, admin, kind="email", comment_id=other)  # on demo's path
    assert answer.status_code == 422 and "comment_id" in answer.json["fields"]


def test_permissions(actions, client, mod, troll):
    assert ban(client, "wrong", kind="email", comment_id=troll).status_code == 401
    assert client.get(BANS.format(site="demo")).status_code == 401
    outsider = actions.moderator("outsider", "other")
    assert ban(client, outsider, kind="email", comment_id=troll).status_code == 403
    assert client.get(BANS.format(site="demo"), headers=auth(outsider)).status_code == 403
    made = ban(client, mod, kind="email", comment_id=troll).json
    assert client.delete(f"/api/v1/moderation/bans/{made['id']}",
                         headers=auth(outsider)).status_code == 403
    admin = actions.moderator("root", admin=True)
    assert client.get(BANS.format(site="demo"), headers=auth(admin)).json["items"]
    assert client.delete(f"/api/v1/moderation/bans/{made['id']}",
                         headers=auth(admin)).status_code == 204
    assert ban(client, mod, site="nosuch", kind="domain", value="a.example").status_code == 404


def test_bulk_author_of_rejects_every_comment_by_that_address(actions, client, mod, troll):
    second = post(actions, body="second", remote="192.0.2.1").json["id"]
    bystander = post(actions, email="ana@example.org", body="fine").json["id"]
    answer = client.post("/api/v1/moderation/comments/bulk",
                         json={"author_of": troll, "status": "rejected"}, headers=auth(mod))
    assert answer.status_code == 200 and answer.json == {"updated": 2}
    statuses = {i["id"]: i["status"] for i in actions.queue(mod, status="").json["items"]}
    assert statuses == {troll: "rejected", second: "rejected", bystander: "pending"}


@pytest.mark.parametrize("author_of", [0, "12", True, 2**40])
def test_bulk_author_of_must_name_a_comment(client, mod, author_of):
    answer = client.post("/api/v1/moderation/comments/bulk",
                         json={"author_of": author_of, "status": "rejected"}, headers=auth(mod))
    assert answer.status_code == 422 and "author_of" in answer.json["fields"]


def test_bulk_author_of_respects_scope(actions, client, mod):
    outsider = actions.moderator("outsider", "other")
    cid = actions.post().json["id"]
    answer = client.post("/api/v1/moderation/comments/bulk",
                         json={"author_of": cid, "status": "rejected"}, headers=auth(outsider))
    assert answer.status_code == 403
    answer = client.post("/api/v1/moderation/comments/bulk",
                         json={"author_of": 999999, "status": "rejected"}, headers=auth(mod))
    assert answer.status_code == 403  # a site-scoped moderator: missing looks like elsewhere


def test_a_ban_made_through_another_worker_applies_to_the_next_comment(
        actions, app_factory, mod, troll):
    other = app_factory().test_client()  # another worker process on the same database
    made = ban(other, mod, kind="domain", value="spam.example")
    assert made.status_code == 201
    assert post(actions, email="new@spam.example", remote="192.0.2.8").status_code == 403
    assert other.delete(f"/api/v1/moderation/bans/{made.json['id']}",
                        headers=auth(mod)).status_code == 204
    assert post(actions, email="new@spam.example", remote="192.0.2.8").status_code == 202


def test_a_reject_ban_wins_over_a_shadow_ban(actions, client, mod, troll):
    assert ban(client, mod, kind="email", comment_id=troll, mode="shadow").status_code == 201
    assert post(actions, body="shadowed").status_code == 202  # answered as held
    assert ban(client, mod, kind="ip", comment_id=troll).status_code == 201  # reject
    refused = post(actions, body="and rejected")
    assert refused.status_code == 403 and refused.json["error"] == "banned"
