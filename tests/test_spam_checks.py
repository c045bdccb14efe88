"""The spam pipeline through the real submit endpoint: each check, its status and its reason."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest
from sqlalchemy import select, update

from commentsvc import clock
from commentsvc.extensions import db
from commentsvc.models import Comment, Site
from commentsvc.spam import formtoken

RULES = ["site", "set", "demo", "--max-links", "1", "--disallowed-word", "viagra",
         "--disallowed-word", "cheap pills", "--moderation-word", "refund",
         "--block-email", "Blocked@Example.org", "--block-ip", "203.0.113.0/24"]


@pytest.fixture
def site(actions: t.Any, runner: t.Any) -> str:
    actions.site("demo", moderation="none")
    result = runner.invoke(args=RULES)
    assert result.exit_code == 0, result.output
    return actions.moderator("mod", "demo")


def item(actions: t.Any, token: str, comment_id: int) -> dict[str, t.Any]:
    answer = actions.client.get(f"/api/v1/moderation/comments/{comment_id}",
                                headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    return answer.json  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("fields", "remote", "status", "reason"),
    [
        ({}, "127.0.0.1", "approved", None),
        ({"fax": "555-0100"}, "127.0.0.1", "spam", "honeypot field filled"),
        ({"fax": "   "}, "127.0.0.1", "spam", "honeypot field filled"),  # any value, blanks too
        ({"fax": "\x07"}, "127.0.0.1", "spam", "honeypot field filled"),  # never refused by name
        ({"fax": ""}, "127.0.0.1", "approved", None),  # what a person's browser sends
        ({"body": "see http://a.example and https://b.example/x"}, "127.0.0.1", "pending",
         "2 links (the site allows 1)"),
        ({"body": "one link http://a.example is fine"}, "127.0.0.1", "approved", None),
        ({"body": "buy VIAGRA now"}, "127.0.0.1", "spam", "disallowed word 'viagra'"),
        ({"body": "buy via&#103;ra now"}, "127.0.0.1", "spam", "disallowed word 'viagra'"),
        ({"body": "get cheap   pills"}, "127.0.0.1", "approved", None),
        ({"body": "get cheap pills here"}, "127.0.0.1", "spam", "disallowed word 'cheap pills'"),
        ({"name": "Viagra Shop"}, "127.0.0.1", "spam", "disallowed word 'viagra'"),
        ({"email": "viagra@example.org"}, "127.0.0.1", "spam", "disallowed word 'viagra'"),
        ({"url": "https://viagra.example/"}, "127.0.0.1", "spam", "disallowed word 'viagra'"),
        ({"body": "viagrassimo is a town"}, "127.0.0.1", "approved", None),
        ({"body": "I want a Refund"}, "127.0.0.1", "pending", "moderation word 'refund'"),
        ({"email": "BLOCKED@example.org"}, "127.0.0.1", "spam", "blocked email address"),
        ({}, "203.0.113.77", "spam", "blocked network"),
        ({}, "203.0.114.77", "approved", None),
    ],
)
def test_each_check_sets_the_status_and_names_its_reason(actions, site, fields, remote, status,
                                                         reason):
    body = {"name": "Ana", "email": "ana@example.org", "body": "Hello there", **fields}
    answer = actions.client.post("/api/v1/sites/demo/articles/hello-world/comments", json=body,
                                 environ_base={"REMOTE_ADDR": remote})
    assert answer.status_code == (201 if status == "approved" else 202)
    assert answer.json["status"] == ("approved" if status == "approved" else "pending")
    stored = item(actions, site, answer.json["id"])
    assert stored["status"] == status
    if reason:
        assert reason in stored["spam"]["reasons"]
        assert stored["spam"]["score"] > 0
    else:
        assert stored["spam"]["reasons"] == ["no form token"]  # JSON client: a soft signal only


def test_spam_is_answered_exactly_like_pending_and_never_shown(actions, site):
    actions.site("demo", moderation="all")
    held = actions.post(body="A fine comment")
    spam = actions.post(body="A fine comment, with a honeypot", fax="x")
    assert spam.status_code == held.status_code == 202
    assert set(spam.json) == set(held.json)
    assert spam.json["status"] == held.json["status"] == "pending"
    assert item(actions, site, spam.json["id"])["status"] == "spam"
    actions.site("demo", moderation="none")
    approved = actions.post(email="bo@example.org", body="visible")
    assert [c["id"] for c in actions.thread().json["comments"]] == [approved.json["id"]]


def stamp(app: t.Any, age: float, article: str = "hello-world") -> str:
    with app.app_context(), clock.frozen(clock.now() - dt.timedelta(seconds=age)):
        return formtoken.issue("demo", article)


@pytest.mark.parametrize(
    ("age", "article", "status", "reason"),
    [
        (10.0, "hello-world", "approved", None),
        (0.5, "hello-world", "pending", "form sent within 3 s of being served"),
        (3 * 24 * 3600.0, "hello-world", "pending", "form token expired"),
        (10.0, "another-article", "pending", "form token invalid or for another page"),
    ],
)
def test_form_token_age_and_binding(app, actions, site, age, article, status, reason):
    answer = actions.post(form_token=stamp(app, age, article))
    stored = item(actions, site, answer.json["id"])
    assert stored["status"] == status
    assert stored["spam"]["reasons"] == ([reason] if reason else [])


def test_forged_form_token_is_held(actions, site):
    stored = item(actions, site, actions.post(form_token="not-a-token").json["id"])
    assert stored["status"] == "pending"


def test_a_replayed_form_token_is_held(app, actions, site):
    token = stamp(app, 10.0)
    first = actions.post(form_token=token, body="first")
    again = actions.post(form_token=token, body="second", email="bo@example.org")
    assert item(actions, site, first.json["id"])["status"] == "approved"
    replay = item(actions, site, again.json["id"])
    assert replay["status"] == "pending"
    assert replay["spam"]["reasons"] == ["form token used before"]


def test_a_form_filled_at_once_from_the_form_endpoint_is_held(actions, client, site):
    token = client.get("/api/v1/sites/demo/articles/hello-world/form").json["form_token"]
    stored = item(actions, site, actions.post(form_token=token).json["id"])
    assert stored["status"] == "pending"
    assert stored["spam"]["reasons"][0].startswith("form sent")


@pytest.mark.parametrize("minimum", [0, 1])
def test_form_token_thresholds_are_configuration(app_factory, minimum):
    app = app_factory(FORM_TOKEN_MIN_SECONDS=minimum, FORM_TOKEN_MISSING_SCORE=0)
    from .conftest import Actions

    actions = Actions(app, app.test_client())
    actions.site("demo", moderation="none")
    answer = actions.post(form_token=stamp(app, 0.5))
    assert answer.json["status"] == ("approved" if minimum == 0 else "pending")
    assert actions.post(email="bo@example.org", body="no token").json["status"] == "approved"


def test_purge_erases_only_old_spam(app, actions, runner, site):
    old_spam = actions.post(fax="x", body="old spam").json["id"]
    new_spam = actions.post(fax="x", body="new spam").json["id"]
    old_ok = actions.post(body="old but fine").json["id"]
    with app.app_context():
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
        db.session.execute(update(Comment).where(Comment.id.in_([old_spam, old_ok]))
                           .values(created_at=long_ago))
        db.session.commit()
    result = runner.invoke(args=["purge", "--spam-older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "purged 1 spam" in result.output
    with app.app_context():
        left = set(db.session.scalars(select(Comment.id)))
    assert left == {new_spam, old_ok}
    assert runner.invoke(args=["purge", "--spam-older-than", "-1"]).exit_code == 2
    assert runner.invoke(args=["purge"]).exit_code == 2


def test_site_set_stores_options_and_keeps_addresses_hashed(app, actions, runner):
    actions.site("demo")
    result = runner.invoke(args=["site", "set", "demo", "--close-after-days", "30",
                                 "--max-depth", "3", "--webhook-url", "https://hooks.example/x",
                                 "--moderation", "first-time", "--block-email", "ana@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        s = db.session.scalar(select(Site).where(Site.key == "demo"))
        assert (s.close_after_days, s.max_depth, s.webhook_url, s.moderation) == (
            30, 3, "https://hooks.example/x", "first-time")
        assert len(s.blocked_emails) == 1 and "ana" not in s.blocked_emails[0]
    cleared = runner.invoke(args=["site", "set", "demo", "--webhook-url", "",
                                  "--disallowed-word", ""])
    assert cleared.exit_code == 0
    with app.app_context():
        s = db.session.scalar(select(Site).where(Site.key == "demo"))
        assert s.webhook_url is None and s.disallowed_words == [] and s.max_depth == 3


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["site", "set", "nosuch", "--max-links", "1"], "no site"),
        (["site", "set", "demo", "--block-ip", "300.1.2.0/24"], "not an IP"),
        (["site", "set", "demo", "--block-email", "not-an-address"], "--block-email"),
        (["site", "set", "demo", "--webhook-url", "ftp://x.example"], "--webhook-url"),
        (["site", "set", "demo", "--max-links", "-1"], "max-links"),
        (["site", "set", "demo", "--moderation", "sometimes"], "moderation"),
    ],
)
def test_site_set_refuses_bad_values(actions, runner, args, complaint):
    actions.site("demo")
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert complaint in result.output
