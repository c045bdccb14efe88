"""Sites: one lookup, one moderator scope check, one setter for options (CLI and service)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commentsvc import sites
from commentsvc.errors import Forbidden, NotFound
from commentsvc.extensions import db
from commentsvc.models import Moderator, Site


def stored(app, key: str = "demo") -> Site:
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == key))
        db.session.expunge(site)
        return site


@pytest.mark.parametrize("depth", ["1", "50"])
def test_max_depth_from_1_to_50_is_stored(app, actions, runner, depth):
    actions.site("demo")
    result = runner.invoke(args=["site", "set", "demo", "--max-depth", depth])
    assert result.exit_code == 0, result.output
    assert stored(app).max_depth == int(depth)


@pytest.mark.parametrize("depth", ["51", "10000", "0"])
def test_max_depth_outside_1_to_50_is_refused_on_the_command_line(app, actions, runner, depth):
    actions.site("demo")
    result = runner.invoke(args=["site", "set", "demo", "--max-depth", depth])
    assert result.exit_code == 2
    assert "max-depth" in result.output
    assert stored(app).max_depth == 5  # unchanged


def test_a_refused_setting_is_a_422_naming_the_option_and_stores_nothing(app, actions):
    actions.site("demo")
    with app.app_context():
        with pytest.raises(sites.InvalidSetting) as refused:
            sites.configure("demo", max_links=7, max_depth=51)
        assert refused.value.status == 422
        assert refused.value.fields is not None and set(refused.value.fields) == {"max_depth"}
    assert (stored(app).max_links, stored(app).max_depth) == (2, 5)


@pytest.mark.parametrize(("option", "value"), [
    ("max_links", -1), ("close_after_days", -1), ("max_depth", 0), ("max_depth", 51),
    ("max_depth", True), ("moderation", "sometimes"), ("webhook_url", "javascript:alert(1)"),
    ("blocked_emails", ["not-an-address"]), ("blocked_ip_prefixes", ["300.1.2.0/24"]),
])
def test_configure_refuses_each_bad_value_by_name(app, actions, option, value):
    actions.site("demo")
    with app.app_context():
        with pytest.raises(sites.InvalidSetting) as refused:
            sites.configure("demo", **{option: value})
        assert refused.value.fields is not None and list(refused.value.fields) == [option]
        with pytest.raises(NotFound):
            sites.configure("nosuch", **{option: value})


@pytest.mark.parametrize("url", ["http://user:secret@hooks.example/x", "https://hooks.example/a\\b",
                                 "https://hooks.example/" + "x" * 500])
@pytest.mark.parametrize("command", [["site", "webhook", "demo"],
                                     ["site", "set", "demo", "--webhook-url"]])
def test_both_webhook_commands_keep_the_stricter_url_rules(app, actions, runner, url, command):
    actions.site("demo")
    result = runner.invoke(args=[*command, url])
    assert result.exit_code == 2
    assert "http(s)" in result.output and "--webhook-url" in result.output
    assert stored(app).webhook_url is None


def test_both_webhook_commands_set_and_clear_the_same_url(app, actions, runner):
    actions.site("demo")
    result = runner.invoke(args=["site", "webhook", "demo", " https://hooks.example/x "])
    assert result.exit_code == 0, result.output
    assert stored(app).webhook_url == "https://hooks.example/x"
    assert runner.invoke(args=["site", "set", "demo", "--webhook-url", ""]).exit_code == 0
    assert stored(app).webhook_url is None
    assert runner.invoke(args=["site", "set", "demo", "--webhook-url",
                               "https://hooks.example/y"]).exit_code == 0
    assert runner.invoke(args=["site", "webhook", "demo", "--remove"]).exit_code == 0
    assert stored(app).webhook_url is None


@pytest.mark.parametrize("command", [["site", "webhook", "nosuch", "https://hooks.example/"],
                                     ["site", "set", "nosuch", "--max-depth", "3"]])
def test_setting_an_unknown_site_is_refused(actions, runner, command):
    result = runner.invoke(args=command)
    assert result.exit_code == 2 and "no site 'nosuch'" in result.output


def test_get_and_in_reach(app, actions):
    actions.site("demo")
    actions.site("other")
    actions.moderator("ana", "demo")
    actions.moderator("root", admin=True)
    with app.app_context():
        assert sites.get("demo").key == "demo"
        for junk in ("nosuch", "Demo", "de\x00mo", "x" * 100):
            with pytest.raises(NotFound):
                sites.get(junk)
        ana = db.session.scalar(select(Moderator).where(Moderator.name == "ana"))
        root = db.session.scalar(select(Moderator).where(Moderator.name == "root"))
        assert sites.in_reach(ana, "demo").key == "demo"
        with pytest.raises(Forbidden):
            sites.in_reach(ana, "other")
        with pytest.raises(NotFound):
            sites.in_reach(ana, "nosuch")
        assert sites.in_reach(root, "other").key == "other"


def test_moderator_api_answers_404_and_403_for_sites_out_of_reach(actions):
    actions.site("demo")
    actions.site("other")
    token = actions.moderator("ana", "demo")
    assert actions.queue(token, site="demo").status_code == 200
    assert actions.queue(token, site="other").status_code == 403
    assert actions.queue(token, site="nosuch").status_code == 404
