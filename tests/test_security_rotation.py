"""Issue 12 item 14: after a key rotation, duplicate and flood checks still match old hashes."""

from __future__ import annotations

import typing as t

from flask import Flask

from .conftest import Actions

OLD = "test-secret-key-not-for-production"  # the suite's SECRET_KEY: the key before rotation
URL = "/api/v1/sites/demo/articles/hello-world/comments"
ANA = {"name": "Ana", "email": "ana@example.org", "body": "The same words twice"}


def _rotated(app_factory: t.Callable[..., Flask], **config: t.Any) -> Flask:
    return app_factory(SECRET_KEY="a-new-secret-after-rotation-0123456789",
                       SECRET_KEY_FALLBACKS=[OLD], **config)


def test_the_same_person_and_text_after_rotation_is_still_a_duplicate(
        app_factory: t.Callable[..., Flask]) -> None:
    before = app_factory()
    Actions(before, before.test_client()).site("demo")
    ip = {"REMOTE_ADDR": "192.0.2.7"}
    assert before.test_client().post(URL, json=ANA, environ_base=ip).status_code == 202
    after = _rotated(app_factory).test_client().post(URL, json=ANA, environ_base=ip)
    assert after.status_code == 409 and after.json["error"] == "duplicate"


def test_flood_control_matches_the_address_and_the_ip_hashed_under_the_old_key(
        app_factory: t.Callable[..., Flask]) -> None:
    before = app_factory(FLOOD_SECONDS=15)
    Actions(before, before.test_client()).site("demo")
    assert before.test_client().post(URL, json=ANA, environ_base={"REMOTE_ADDR": "192.0.2.7"}
                                     ).status_code == 202
    client = _rotated(app_factory, FLOOD_SECONDS=15).test_client()
    same_address = client.post(URL, json={**ANA, "body": "Something new"},
                               environ_base={"REMOTE_ADDR": "198.51.100.9"})
    same_ip = client.post(URL, json={**ANA, "email": "bo@example.org", "body": "Other words"},
                          environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert same_address.status_code == 429 and same_address.json["error"] == "too_fast"
    assert same_ip.status_code == 429
    someone_else = client.post(URL, json={**ANA, "email": "cy@example.org", "body": "Hi"},
                               environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert someone_else.status_code == 202
