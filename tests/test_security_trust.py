"""Issue 12 item 8: first-time trust needs the name and the address of an approved comment."""

from __future__ import annotations

from .conftest import Actions


def _trusted(actions: Actions) -> str:
    actions.site("demo", moderation="first-time")
    token = actions.moderator("root", admin=True)
    cid = actions.post(article="earlier", body="An honest first comment").json["id"]
    assert actions.moderate(token, cid, status="approved").status_code == 200
    return token


def test_a_known_address_under_another_name_is_held(actions: Actions) -> None:
    token = _trusted(actions)
    posted = actions.post(name="Site Editor (official)", url="https://phish.example/login",
                          body="Official notice: confirm your account at https://phish.example/login")
    assert posted.status_code == 202 and posted.json["status"] == "pending"
    assert actions.thread().json["count"] == 0
    [item] = actions.queue(token, status="pending").json["items"]
    assert item["author"]["name"] == "Site Editor (official)"


def test_the_same_name_and_address_are_still_trusted(actions: Actions) -> None:
    _trusted(actions)
    posted = actions.post(body="Back again with a second thought")
    assert posted.status_code == 201 and posted.json["status"] == "approved"


def test_a_known_name_with_another_address_is_held(actions: Actions) -> None:
    _trusted(actions)
    posted = actions.post(email="impostor@example.net", body="It is me, Ana, honestly")
    assert posted.status_code == 202
