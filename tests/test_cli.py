"""The command line: sites, moderators, the demo."""

from __future__ import annotations

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
