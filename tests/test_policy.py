"""Per-site policy: moderation modes (201 published at once, 202 held) and closing old threads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from commentsvc.comments import comments_open, decide_status
from commentsvc.extensions import db
from commentsvc.models import Article, Site
from commentsvc.privacy import keys
from commentsvc.spam.pipeline import Verdict


def approved_before(actions, token: str, site: str, email: str) -> None:
    cid = actions.post(site=site, article="earlier", email=email, body="an earlier one").json["id"]
    assert actions.moderate(token, cid, status="approved").status_code == 200


def held_before(actions, site: str, email: str) -> None:
    response = actions.post(site=site, article="earlier", email=email, body="still waiting")
    assert response.status_code == 202


# mode, history of the address, extra fields, expected code, expected stored status
POLICY = [
    ("all", None, {}, 202, "pending"),
    ("all", "approved", {}, 202, "pending"),
    ("first-time", None, {}, 202, "pending"),
    ("first-time", "approved", {}, 201, "approved"),
    ("first-time", "approved-other-case", {}, 201, "approved"),
    ("first-time", "held", {}, 202, "pending"),
    ("first-time", "approved-elsewhere", {}, 202, "pending"),
    ("first-time", "approved", {"fax": "bot"}, 202, "spam"),
    ("none", None, {}, 201, "approved"),
    ("none", None, {"fax": "bot"}, 202, "spam"),
]


@pytest.mark.parametrize("mode, past, extra, code, stored", POLICY)
def test_moderation_modes(actions, mode, past, extra, code, stored):
    actions.site("demo", moderation=mode)
    actions.site("elsewhere", moderation=mode)
    token = actions.moderator("root", admin=True)
    if past == "approved":
        approved_before(actions, token, "demo", "ana@example.org")
    elif past == "approved-other-case":
        approved_before(actions, token, "demo", "ANA@Example.ORG")
    elif past == "approved-elsewhere":
        approved_before(actions, token, "elsewhere", "ana@example.org")
    elif past == "held":
        held_before(actions, "demo", "ana@example.org")
    response = actions.post(email="ana@example.org", body="the new comment", **extra)
    assert response.status_code == code
    assert response.json["status"] == ("approved" if code == 201 else "pending")
    [item] = actions.queue(token, status="", article="hello-world").json["items"]
    assert item["status"] == stored
    thread = actions.thread().json
    assert thread["count"] == (1 if stored == "approved" else 0)


def test_the_default_mode_holds_everything(actions):
    actions.site("demo")
    assert actions.post().status_code == 202
    assert actions.thread().json["count"] == 0


@pytest.mark.parametrize("mode, known, expected", [
    ("none", False, "pending"),
    ("first-time", True, "pending"),
    ("all", True, "pending"),
])
def test_a_held_finding_holds_even_where_comments_publish_at_once(app, actions, mode, known,
                                                                  expected):
    actions.site("demo", moderation=mode)
    token = actions.moderator("root", admin=True)
    if known:
        approved_before(actions, token, "demo", "ana@example.org")
    verdict = Verdict(score=0.6, reasons=["too many links"], spam=False, hold=True)
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "demo"))
        assert decide_status(site, verdict, keys().email_hashes("ana@example.org"),
                             "Ana") == expected


def set_close_after(app, days: int | None) -> None:
    with app.app_context():
        db.session.execute(update(Site).where(Site.key == "demo").values(close_after_days=days))
        db.session.commit()


def age_article(app, days: float) -> None:
    with app.app_context():
        db.session.execute(update(Article).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)))
        db.session.commit()


@pytest.mark.parametrize("close_after, age_days, is_open", [
    (None, 3650, True),
    (7, 6.9, True),
    (7, 7.1, False),
    (1, 2, False),
])
def test_threads_close_after_n_days(app, actions, close_after, age_days, is_open):
    actions.site("demo")
    assert actions.post(body="first").status_code == 202
    set_close_after(app, close_after)
    age_article(app, age_days)
    response = actions.post(body="later")
    assert response.status_code == (202 if is_open else 403)
    if not is_open:
        assert response.json["error"] == "comments_closed"
    assert actions.thread().json["comments_open"] is is_open


def test_comments_open_follows_an_injected_clock(app, actions):
    actions.site("demo")
    actions.post()
    set_close_after(app, 30)
    with app.app_context():
        site = db.session.scalar(select(Site))
        article = db.session.scalar(select(Article))
        start = article.created_at
        assert comments_open(site, article, start + dt.timedelta(days=29, hours=23))
        assert not comments_open(site, article, start + dt.timedelta(days=30))
        assert comments_open(site, None, start + dt.timedelta(days=999))


def test_a_form_post_to_a_closed_thread_gets_a_page(app, actions, client):
    actions.site("demo")
    actions.post()
    set_close_after(app, 1)
    age_article(app, 2)
    response = client.post("/api/v1/sites/demo/articles/hello-world/comments", data={
        "name": "Ana", "email": "ana@example.org", "body": "late",
        "return_to": "https://blog.example/hello-world"})
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert b"Comments are closed" in response.data
