"""Review-page sessions (review_sessions.py): the cookie, logout, revoke, expiry, workers."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, update

from commentsvc.extensions import db
from commentsvc.models import ReviewSession, utcnow
from tests.test_review_page import csrf_of, login


@pytest.fixture
def mod(actions):
    actions.site("demo")
    return actions.moderator("mod", "demo")

def test_login_sets_a_lax_httponly_cookie_holding_only_a_random_id(app, client, mod):
    csrf = csrf_of(client.get("/moderate/").data)
    response = client.post("/moderate/login", data={"token": mod, "csrf_token": csrf})
    assert response.status_code == 303 and response.location.endswith("/moderate/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert mod not in cookie
    value = client.get_cookie("session").value
    data = app.session_interface.get_signing_serializer(app).loads(value)
    assert list(data) == ["sid"] and len(data["sid"]) >= 40  # no token hash, no CSRF token
    with app.app_context():
        stored = db.session.scalars(select(ReviewSession)).one()
    assert data["sid"] not in (stored.id_hash, stored.csrf)  # only the id's hash is stored
    assert stored.id_hash == hashlib.sha256(data["sid"].encode()).hexdigest()
    page = client.get("/moderate/")
    assert b"Log out" in page.data and b"mod" in page.data


def test_the_cookie_is_secure_in_production(app_factory, database_uri, redis_uri):
    if database_uri.startswith("sqlite"):
        pytest.skip("production refuses SQLite")
    app = app_factory(ENV="production", RATELIMIT_STORAGE_URI=redis_uri)
    cookie = app.test_client().get("/moderate/").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_cookie_is_secure_when_served_over_https(app_factory):
    app = app_factory(PUBLIC_URL="https://comments.example.org")
    cookie = app.test_client().get("/moderate/").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session(actions, client, mod):
    cid = actions.post().json["id"]
    csrf = login(client, mod)
    assert client.post("/moderate/logout", data={"csrf_token": csrf}).status_code == 303
    assert b"Log in" in client.get("/moderate/").data
    csrf = csrf_of(client.get("/moderate/").data)
    response = client.post(f"/moderate/comments/{cid}/status",
                           data={"status": "approved", "csrf_token": csrf})
    assert response.status_code == 401


def test_revoking_the_token_ends_the_session(app, actions, client, runner, mod):
    login(client, mod)
    assert runner.invoke(args=["moderator", "revoke", "mod"]).exit_code == 0
    assert b"Log in" in client.get("/moderate/").data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewSession)) == 0


def test_sessions_expire(app, client, mod):
    login(client, mod)
    with app.app_context():
        stored = db.session.scalars(select(ReviewSession)).one()
        assert dt.timedelta(hours=11, minutes=59) < stored.expires_at - stored.created_at \
            <= dt.timedelta(hours=12)
        stored.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert b"Log in" in client.get("/moderate/").data


def test_acting_from_a_page_whose_session_expired_says_so(app, actions, client, mod):
    cid = actions.post().json["id"]
    csrf = login(client, mod)
    with app.app_context():
        db.session.execute(update(ReviewSession).values(expires_at=utcnow()))
        db.session.commit()
    answer = client.post(f"/moderate/comments/{cid}/status",
                         data={"status": "approved", "csrf_token": csrf},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 401 and answer.json["message"].startswith("Your session has ended")
    assert actions.thread().json["comments"] == []
    logout = client.post("/moderate/logout", data={"csrf_token": csrf})
    assert logout.status_code == 303 and b'name="token"' in client.get("/moderate/").data


def test_a_forged_logout_is_refused_while_logged_in(client, mod):
    login(client, mod)
    assert client.post("/moderate/logout", data={"csrf_token": "forged"}).status_code == 403
    assert b"Log out" in client.get("/moderate/").data


def test_a_login_clears_expired_sessions(app, client, mod):
    login(client, mod)
    with app.app_context():
        db.session.execute(update(ReviewSession).values(expires_at=utcnow() - dt.timedelta(1)))
        db.session.commit()
    login(app.test_client(), mod)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewSession)) == 1


def test_a_session_works_on_every_worker_and_ends_on_all_of_them(app_factory, actions, mod):
    """Two apps on one database stand for two gunicorn workers or two hosts."""
    first, second = app_factory().test_client(), app_factory().test_client()
    csrf = login(first, mod)
    second.set_cookie("session", first.get_cookie("session").value)
    assert b"Log out" in second.get("/moderate/").data
    assert first.post("/moderate/logout", data={"csrf_token": csrf}).status_code == 303
    assert b"Log in" in second.get("/moderate/").data


def test_a_foreign_or_overlong_session_id_is_just_logged_out(app, client, mod):
    for sid in ["x" * 5000, 12345, ["a"], "not-a-session"]:
        with client.session_transaction() as session:
            session["sid"] = sid
        page = client.get("/moderate/")
        assert page.status_code == 200 and b'name="token"' in page.data
