"""The command line: every group registered, the entry module, sites, moderators, the demo."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Moderator


def test_site_add_is_idempotent_and_merges_origins(runner):
    first = runner.invoke(args=["site", "add", "blog", "--origin", "https://blog.example/"])
    assert first.exit_code == 0 and "added" in first.output
    again = runner.invoke(args=["site", "add", "blog", "--origin", "https://www.blog.example:443",
                                "--moderation", "none"])
    assert again.exit_code == 0 and "updated" in again.output
    assert "https://blog.example https://www.blog.example" in again.output
    assert "moderation=none" in again.output


def test_site_add_refuses_bad_keys_and_origins(runner):
    assert runner.invoke(args=["site", "add", "Bad Key"]).exit_code == 2
    bad = runner.invoke(args=["site", "add", "ok", "--origin", "javascript:alert(1)"])
    assert bad.exit_code == 2 and "origin" in bad.output


def test_moderator_token_is_printed_once_and_only_its_hash_kept(app, runner):
    runner.invoke(args=["site", "add", "blog", "--origin", "https://blog.example"])
    result = runner.invoke(args=["moderator", "add", "ana", "--site", "blog"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert len(token) >= 32
    with app.app_context():
        stored = db.session.scalar(select(Moderator).where(Moderator.name == "ana"))
        assert stored is not None and token not in stored.token_hash
    listing = runner.invoke(args=["moderator", "list"])
    assert "ana\tblog\tactive" in listing.output and token not in listing.output
    assert runner.invoke(args=["moderator", "add", "ana", "--site", "blog"]).exit_code == 2
    assert runner.invoke(args=["moderator", "add", "bo"]).exit_code == 2  # no site, no admin


def test_demo_command_is_idempotent_and_prints_the_token_the_first_time(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0
    assert "moderator token (shown once):" in first.output
    assert "http://127.0.0.1:5000/demo/" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "token (shown once)" not in second.output


def test_demo_page_shows_the_leave_a_reply_form_and_posts_without_javascript(runner, client):
    runner.invoke(args=["demo", "--origin", "http://localhost"])
    assert 'data-site="demo"' in client.get("/demo/").get_data(as_text=True)  # the widget
    page = client.get("/embed/demo/hello-world").get_data(as_text=True)  # its no-JS page
    for text in ("Leave a Reply", "Name <span", "Email <span", "Website", "Comment",
                 "Your email address will not be published.", "Required fields are marked",
                 "Post Comment"):
        assert text in page
    posted = client.post("/api/v1/sites/demo/articles/hello-world/comments", data={
        "name": "Ana", "email": "ana@example.org", "body": "Hi", "return_to":
        "http://localhost/embed/demo/hello-world?posted=1"})
    assert posted.status_code == 303
    assert posted.headers["Location"] == \
        "http://localhost/embed/demo/hello-world?posted=1#comment-pending"
    held = client.get("/embed/demo/hello-world?posted=1").get_data(as_text=True)
    assert '"commentsvc-notice-page" role="status">Your comment is awaiting moderation.' in held



GROUPS = {"site": {"add", "set", "webhook"}, "moderator": {"add", "list", "revoke"},
          "import": {"wordpress", "disqus", "jsonl"}, "spam": {"train"}}
COMMANDS = {"db", "demo", "erase", "export", "outbox", "purge", "serve", "worker", *GROUPS}


def listed(help_text: str) -> set[str]:
    """The command names of a click --help page."""
    after = help_text.split("Commands:", 1)[1]
    return {line.split()[0] for line in after.splitlines() if line.strip()}


def test_python_m_commentsvc_is_the_console_entry_with_every_command(tmp_path):
    env = {**os.environ, "COMMENTSVC_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "commentsvc", "--help"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    assert COMMANDS <= listed(result.stdout)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_group_keeps_its_subcommands(runner, group):
    result = runner.invoke(args=[group, "--help"])
    assert result.exit_code == 0
    assert listed(result.output) == GROUPS[group]


def test_the_wsgi_app_is_built_once_on_first_use_and_wsgi_py_is_the_same_object(tmp_path):
    code = ("import commentsvc.wsgi_app as entry, wsgi; "
            "assert entry.app is entry.app is wsgi.app; print(type(entry.app).__name__); "
            "entry.nothing")
    env = {**os.environ, "COMMENTSVC_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": "."}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.stdout.strip() == "Flask"
    assert "AttributeError: module 'commentsvc.wsgi_app' has no attribute 'nothing'" in \
        result.stderr
