"""Personal data: keyed hashes, encryption with key rotation, masking, IP prefixes, erasure."""

from __future__ import annotations

import datetime as dt
import hashlib
import typing as t

import pytest
from sqlalchemy import select

from commentsvc import clock
from commentsvc.extensions import db
from commentsvc.models import Article, Comment, ModerationEvent
from commentsvc.privacy import Keys, ip_in_prefixes, ip_prefix, mask_email

ADDRESS = "Ana.Lima@Example.org"


def test_email_hash_is_keyed_case_blind_and_not_a_plain_digest():
    keys = Keys(("secret-one",))
    digest = keys.email_hash("ana@example.org")
    assert digest == keys.email_hash("ANA@example.org")
    assert digest != Keys(("secret-two",)).email_hash("ana@example.org")
    plain = {getattr(hashlib, name)(b"ana@example.org").hexdigest() for name in
             ("md5", "sha1", "sha256")}
    assert digest not in plain
    assert keys.avatar_key("ana@example.org", "demo") not in digest  # another purpose, another key
    assert keys.ip_hash("ana@example.org") != digest


def test_encryption_round_trips_and_is_authenticated():
    keys = Keys(("secret-one",))
    token = keys.encrypt("ana@example.org")
    assert "ana" not in token
    assert keys.decrypt(token) == "ana@example.org"
    assert keys.encrypt("ana@example.org") != token  # fresh IV each time
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    assert keys.decrypt(tampered) is None
    assert Keys(("another",)).decrypt(token) is None


def test_rotated_secret_still_decrypts_and_matches_through_fallbacks():
    old = Keys(("old-secret",))
    token = old.encrypt("ana@example.org")
    rotated = Keys.from_config({"SECRET_KEY": "new-secret", "SECRET_KEY_FALLBACKS": ["old-secret"]})
    assert rotated.decrypt(token) == "ana@example.org"
    assert old.email_hash("ana@example.org") in rotated.email_hashes("ana@example.org")
    assert rotated.email_hash("ana@example.org") != old.email_hash("ana@example.org")
    new_token = rotated.encrypt("ana@example.org")
    assert old.decrypt(new_token) is None  # new data under the new key only


def test_a_single_fallback_given_as_a_string_is_one_key():
    keys = Keys.from_config({"SECRET_KEY": "new", "SECRET_KEY_FALLBACKS": "old-secret"})
    assert keys.secrets == ("new", "old-secret")


@pytest.mark.parametrize("address, masked", [
    ("ana@example.org", "a•••@example.org"),
    ("Bo@example.com", "B•••@example.com"),
    ("x@example.org", "x•••@example.org"),
    ("a.very.long.name+tag@mail.example.org", "a•••@mail.example.org"),
])
def test_mask_shows_first_character_and_domain(address, masked):
    assert mask_email(address) == masked


@pytest.mark.parametrize("addr, prefix", [
    ("203.0.113.77", "203.0.113.0/24"),
    ("10.1.2.3", "10.1.2.0/24"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ("::1", "::/48"),
    ("not-an-ip", None),
    ("", None),
    (None, None),
])
def test_ip_is_reduced_to_its_prefix(addr, prefix):
    assert ip_prefix(addr) == prefix


def test_blocked_prefixes_match_inside_and_skip_junk():
    assert ip_in_prefixes("203.0.113.0/24", ["203.0.0.0/16"])
    assert not ip_in_prefixes("203.0.113.0/24", ["198.51.100.0/24", "junk", "2001:db8::/32"])
    assert not ip_in_prefixes(None, ["0.0.0.0/0"])


def test_stored_comment_holds_no_plaintext_address_or_ip(actions):
    actions.site("demo")
    long_agent = "Mozilla/5.0 " + "x" * 500
    response = actions.client.post(
        "/api/v1/sites/demo/articles/hello-world/comments",
        json={"name": "Ana", "email": ADDRESS, "body": "Hi"},
        headers={"User-Agent": long_agent}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 202
    with actions.app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.ip_prefix == "203.0.113.0/24"
        assert comment.ip_hash and "203.0.113.77" not in comment.ip_hash
        assert comment.user_agent == long_agent[:200]
        assert comment.email_hash and comment.email_cipher
        for value in (comment.email_hash, comment.email_cipher, comment.avatar_key):
            assert "ana" not in value.lower() and "example" not in value.lower()


def test_moderators_see_the_address_masked_even_after_rotation(actions, app_factory):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    cid = actions.post(email=ADDRESS).json["id"]
    rotated = app_factory(SECRET_KEY="a-brand-new-secret",
                          SECRET_KEY_FALLBACKS=["test-secret-key-not-for-production"])
    item = rotated.test_client().get(f"/api/v1/moderation/comments/{cid}",
                                     headers={"Authorization": f"Bearer {token}"}).json
    assert item["author"]["email_masked"] == "A•••@example.org"
    assert ADDRESS.lower() not in str(item).lower()


# -- erasure ------------------------------------------------------------------------------------

def erase(app: t.Any, address: str) -> str:
    result = app.test_cli_runner().invoke(args=["erase", "--email", address])
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_erase_removes_every_comment_of_the_address_and_keeps_replies(actions):
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    ana = "ana@example.org"
    top = actions.post(email=ana, body="Top by Ana").json["id"]
    actions.moderate(token, top, status="approved")
    bo = actions.post(email="bo@example.org", body="Bo replies", parent_id=top).json["id"]
    actions.moderate(token, bo, status="approved")
    ana_reply = actions.post(email=ana, body="Ana answers Bo", parent_id=bo).json["id"]
    actions.moderate(token, ana_reply, status="approved")
    cy = actions.post(email="cy@example.org", body="Cy answers Ana",
                      parent_id=ana_reply).json["id"]
    actions.moderate(token, cy, status="approved")
    pending = actions.post(email="ANA@example.org", body="pending elsewhere",
                           article="other").json["id"]
    with actions.app.app_context():
        before = db.session.scalar(select(Article.version).where(Article.key == "hello-world"))
    assert actions.thread().json["count"] == 4

    output = erase(actions.app, "  Ana@EXAMPLE.org ")
    assert "erased 3 comments" in output

    thread = actions.thread().json
    assert thread["count"] == 2
    [bo_node] = thread["comments"]  # Bo's reply moved up to the top level
    assert bo_node["id"] == bo and bo_node["parent_id"] is None
    assert [r["id"] for r in bo_node["replies"]] == [cy]
    assert bo_node["replies"][0]["parent_id"] == bo  # Cy moved up to Ana's reply's parent
    with actions.app.app_context():
        left = set(db.session.scalars(select(Comment.id)))
        assert left == {bo, cy}
        after = db.session.scalar(select(Article.version).where(Article.key == "hello-world"))
        assert after > before
        events = db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.action == "erase")).all()
        assert {e.comment_id for e in events} == {top, ana_reply, pending}
        assert all(e.actor == "cli" and "ana" not in (e.reason or "") for e in events)
    assert actions.client.get(f"/api/v1/moderation/comments/{top}",
                              headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_erase_finds_comments_stored_under_a_fallback_key(actions, app_factory):
    actions.site("demo", moderation="none")
    actions.post(email="ana@example.org")
    rotated = app_factory(SECRET_KEY="a-brand-new-secret",
                          SECRET_KEY_FALLBACKS=["test-secret-key-not-for-production"])
    assert "erased 1 comment;" in erase(rotated, "ana@example.org")
    assert actions.thread().json["count"] == 0


def test_erase_of_an_unknown_address_changes_nothing(actions):
    actions.site("demo", moderation="none")
    actions.post(email="bo@example.org")
    assert "erased 0 comments" in erase(actions.app, "nobody@example.org")
    assert "erased 0 comments" in erase(actions.app, "not even an address")
    assert actions.thread().json["count"] == 1


def test_erase_requires_an_address(runner):
    assert runner.invoke(args=["erase"]).exit_code == 2


def test_signed_tokens_survive_a_key_rotation_with_one_fallback_given_as_a_string(app_factory):
    from commentsvc.spam import formtoken

    old = app_factory(SECRET_KEY="old-key-0123456789")
    with clock.frozen(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) as frozen:
        with old.app_context():
            token = formtoken.issue("demo", "a")
        frozen.advance(seconds=5)
        rotated = app_factory(SECRET_KEY="new-key-9876543210",
                              SECRET_KEY_FALLBACKS="old-key-0123456789")
        with rotated.app_context():
            stamp = formtoken.read(token, "demo", "a")
        assert stamp is not None and stamp.age_seconds == 5.0
        stranger = app_factory(SECRET_KEY="another-key-000000")
        with stranger.app_context():
            assert formtoken.read(token, "demo", "a") is None
