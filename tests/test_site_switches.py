"""Site switches (issue 17 item 5): PATCH /api/v1/moderation/sites/{site}, `site set`, and
what they do to submissions and thread reads: read-only, quiet hours (hold/close), the rest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from commentsvc import clock
from commentsvc.extensions import db
from commentsvc.models import ModerationEvent
from tests.conftest import Actions

# 2026-12-02 is winter time in Berlin: UTC+1, so 22:00-07:00 there is 21:00-06:00 UTC.
EVENING = dt.datetime(2026, 12, 2, 20, 59, tzinfo=dt.UTC)
NIGHT = dt.datetime(2026, 12, 2, 21, 0, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)
BERLIN_NIGHTS = {"from": "22:00", "to": "07:00", "tz": "Europe/Berlin"}


def patch(actions, token, site="demo", **options):
    return actions.client.patch(f"/api/v1/moderation/sites/{site}", json=options,
                                headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def admin(actions, mod):
    return actions.moderator("boss", admin=True)


def test_settings_are_one_flat_object(app, actions, mod):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:2525"  # reader notifications need mail
    response = actions.client.get("/api/v1/moderation/sites/demo",
                                  headers={"Authorization": f"Bearer {mod}"})
    assert response.status_code == 200
    assert response.json["read_only"] is False and response.json["quiet_hours"] is None
    assert response.json["flag_threshold"] == 3 and response.json["reader_notifications"] is False
    assert {"default_lang", "spam_hold_budget", "max_depth", "site"} <= set(response.json)
    changed = patch(actions, mod, read_only=True, flag_threshold=5, default_lang="fr",
                    reader_notifications=True, spam_hold_budget=0.2, max_depth=50,
                    quiet_hours={**BERLIN_NIGHTS, "action": "close"})
    assert changed.status_code == 200, changed.json
    assert changed.json["read_only"] is True and changed.json["flag_threshold"] == 5
    assert changed.json["default_lang"] == "fr" and changed.json["reader_notifications"] is True
    assert changed.json["spam_hold_budget"] == 0.2 and changed.json["max_depth"] == 50
    assert changed.json["quiet_hours"] == {**BERLIN_NIGHTS, "action": "close"}
    cleared = patch(actions, mod, quiet_hours=None, default_lang=None)
    assert cleared.json["quiet_hours"] is None and cleared.json["default_lang"] is None
    assert cleared.json["read_only"] is True  # what is not given stays


def test_who_may_change_a_site(actions, mod, admin):
    assert actions.client.patch("/api/v1/moderation/sites/demo",
                                json={"read_only": True}).status_code == 401
    assert patch(actions, "wrong-token", read_only=True).status_code == 401
    refused = patch(actions, mod, site="other", read_only=True)
    assert refused.status_code == 403
    assert actions.client.get("/api/v1/moderation/sites/other",
                              headers={"Authorization": f"Bearer {mod}"}).status_code == 403
    assert patch(actions, admin, site="other", read_only=True).json["read_only"] is True
    assert patch(actions, admin, site="nowhere", read_only=True).status_code == 404
    assert actions.post(site="other").status_code == 403
    assert actions.post(site="demo").status_code == 202


@pytest.mark.parametrize("options, field", [
    ({"quiet_hours": {**BERLIN_NIGHTS, "tz": "Mars/Olympus"}}, "quiet_hours"),
    ({"quiet_hours": {**BERLIN_NIGHTS, "tz": "../../etc/passwd"}}, "quiet_hours"),
    ({"quiet_hours": {**BERLIN_NIGHTS, "from": "25:00"}}, "quiet_hours"),
    ({"quiet_hours": {**BERLIN_NIGHTS, "to": "7"}}, "quiet_hours"),
    ({"quiet_hours": {**BERLIN_NIGHTS, "to": "22:00"}}, "quiet_hours"),
    ({"quiet_hours": {**BERLIN_NIGHTS, "action": "sleep"}}, "quiet_hours"),
    ({"quiet_hours": {**BERLIN_NIGHTS, "colour": "blue"}}, "quiet_hours"),
    ({"quiet_hours": "22:00-07:00"}, "quiet_hours"),
    ({"max_depth": 51}, "max_depth"),
    ({"max_depth": 0}, "max_depth"),
    ({"spam_hold_budget": 1.5}, "spam_hold_budget"),
    ({"spam_hold_budget": -0.1}, "spam_hold_budget"),
    ({"flag_threshold": 0}, "flag_threshold"),
    ({"flag_threshold": "3"}, "flag_threshold"),
    ({"read_only": "yes"}, "read_only"),
    ({"reader_notifications": 1}, "reader_notifications"),
    ({"default_lang": "not a language"}, "default_lang"),
    ({"read_only": None}, "read_only"),
    ({"colour": "blue"}, "colour"),
])
def test_each_bad_value_is_a_422_naming_the_field(actions, mod, options, field):
    response = patch(actions, mod, flag_threshold=7, **options) if "flag_threshold" not in \
        options else patch(actions, mod, **options)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "validation_failed" and field in response.json["fields"]
    settings = actions.client.get("/api/v1/moderation/sites/demo",
                                  headers={"Authorization": f"Bearer {mod}"}).json
    assert settings["flag_threshold"] == 3 and settings["quiet_hours"] is None  # nothing stored


def test_a_malformed_body_is_a_400(actions, mod):
    response = actions.client.patch("/api/v1/moderation/sites/demo", data="{",
                                    content_type="application/json",
                                    headers={"Authorization": f"Bearer {mod}"})
    assert response.status_code == 400


def test_read_only_closes_the_whole_site(actions, mod):
    actions.site("demo", moderation="none")
    assert actions.post(body="before").status_code == 201
    assert patch(actions, mod, read_only=True).status_code == 200
    refused = actions.post(body="during", article="another-article")
    assert refused.status_code == 403 and refused.json["error"] == "comments_closed"
    thread = actions.thread().json
    assert thread["comments_open"] is False and thread["count"] == 1
    patch(actions, mod, read_only=False)
    assert actions.thread().json["comments_open"] is True
    assert actions.post(body="after").status_code == 201


def test_quiet_hours_hold_every_comment_across_midnight(app, actions, mod):
    actions.site("demo", moderation="none")
    patch(actions, mod, quiet_hours={**BERLIN_NIGHTS, "action": "hold"})
    with clock.frozen(EVENING) as frozen:
        assert actions.post(body="21:59 in Berlin").status_code == 201
        frozen.set(NIGHT)
        held = actions.post(body="22:00 in Berlin")
        assert held.status_code == 202 and held.json["status"] == "pending"
        frozen.set(MORNING - dt.timedelta(minutes=1))
        assert actions.post(body="06:59 in Berlin").status_code == 202
        assert actions.thread().json["comments_open"] is True  # hold never closes
        frozen.set(MORNING)
        assert actions.post(body="07:00 in Berlin").status_code == 201
    with app.app_context():
        reasons = db.session.scalars(select(ModerationEvent.reason)
                                     .where(ModerationEvent.action == "submit")).all()
    assert sum("quiet hours" in (r or "") for r in reasons) == 2


def test_quiet_hours_close_and_cached_heads_open_again_at_the_boundary(app_factory, mod_factory):
    app = app_factory(THREAD_HEAD_TTL=3600)
    actions, mod = mod_factory(app)
    patch(actions, mod, quiet_hours={**BERLIN_NIGHTS, "action": "close"})
    with clock.frozen(EVENING) as frozen:
        first = actions.thread()
        assert first.json["comments_open"] is True  # the head is now cached for an hour
        frozen.set(NIGHT)
        closed = actions.thread()
        assert closed.json["comments_open"] is False
        assert closed.headers["ETag"] != first.headers["ETag"]
        refused = actions.post()
        assert refused.status_code == 403 and refused.json["error"] == "comments_closed"
        frozen.set(MORNING)
        assert actions.thread().json["comments_open"] is True
        assert actions.post().status_code == 202


@pytest.fixture
def mod_factory():
    def make(app):
        actions = Actions(app, app.test_client())
        actions.site("demo")
        actions.site("other")
        return actions, actions.moderator("mod", "demo")

    return make


def test_changes_are_audited(app, actions, mod):
    patch(actions, mod, read_only=True, flag_threshold=4)
    patch(actions, mod, read_only=True)  # no change, no event
    with app.app_context():
        events = db.session.scalars(select(ModerationEvent)
                                    .where(ModerationEvent.action == "settings")).all()
    assert [(e.actor, e.reason) for e in events] == [("mod", "demo: flag_threshold, read_only")]


def test_site_set_on_the_command_line(app, actions, runner, mod):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:2525"  # reader notifications need mail
    result = runner.invoke(args=["site", "set", "demo", "--read-only", "on",
                                 "--quiet-hours", "22:00-07:00", "--quiet-tz", "Europe/Berlin",
                                 "--quiet-action", "close", "--flag-threshold", "4",
                                 "--default-lang", "de", "--reader-notifications", "on"])
    assert result.exit_code == 0, result.output
    assert "read_only=on quiet_hours=22:00-07:00(Europe/Berlin,close) flag_threshold=4" \
        in result.output and "default_lang=de reader_notifications=on" in result.output
    result = runner.invoke(args=["site", "set", "demo", "--quiet-action", "hold",
                                 "--read-only", "off"])
    assert "read_only=off quiet_hours=22:00-07:00(Europe/Berlin,hold)" in result.output
    result = runner.invoke(args=["site", "set", "demo", "--quiet-hours", "off"])
    assert "quiet_hours=off" in result.output


def test_the_switches_also_work_as_bare_flags(app, actions, runner, mod):
    """`--read-only` as the contract writes it: alone it means on, before another option too."""
    app.config["SMTP_URL"] = "smtp://127.0.0.1:2525"
    result = runner.invoke(args=["site", "set", "demo", "--read-only"])
    assert result.exit_code == 0 and "read_only=on" in result.output, result.output
    assert actions.post().json["error"] == "comments_closed"
    result = runner.invoke(args=["site", "set", "demo", "--reader-notifications", "--max-depth",
                                 "3", "--read-only", "off"])
    assert result.exit_code == 0, result.output
    assert "read_only=off" in result.output and "reader_notifications=on" in result.output
    assert actions.post().status_code in (201, 202)


@pytest.mark.parametrize("args, says", [
    (["--quiet-hours", "22:00-07:00", "--quiet-tz", "Mars/Olympus"], "time zone"),
    (["--quiet-hours", "10pm"], "HH:MM"),
    (["--quiet-tz", "Europe/Berlin"], "need --quiet-hours"),
    (["--max-depth", "51"], "--max-depth"),
    (["--flag-threshold", "0"], "--flag-threshold"),
    (["--default-lang", "??"], "--default-lang"),
    (["--read-only", "maybe"], "--read-only"),
])
def test_site_set_refuses_bad_values(actions, runner, mod, args, says):
    result = runner.invoke(args=["site", "set", "demo", *args])
    assert result.exit_code != 0 and says in result.output
