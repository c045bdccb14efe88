"""Context on every moderation item: the article, the parent's first lines, the author's history."""

from __future__ import annotations

import pytest

from .moderating import auth


def item(client, token, cid):
    return client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(token)).json


def test_the_first_title_and_url_are_kept_per_article(actions, client, mod):
    first = actions.post(article_title="Budget vote tonight",
                         article_url="https://blog.example/2026/budget").json["id"]
    later = actions.post(body="second", email="bo@example.org", article_title="Changed",
                         article_url="https://blog.example/elsewhere").json["id"]
    for cid in (first, later):
        shown = item(client, mod, cid)
        assert shown["article_title"] == "Budget vote tonight"
        assert shown["article_url"] == "https://blog.example/2026/budget"
    listed = actions.queue(mod).json["items"][0]
    assert listed["article_title"] == "Budget vote tonight"


def test_a_page_without_context_leaves_it_empty(actions, client, mod):
    cid = actions.post().json["id"]
    shown = item(client, mod, cid)
    assert shown["article_title"] is None and shown["article_url"] is None


@pytest.mark.parametrize(("fields", "field"), [
    ({"article_url": "https://evil.example/post"}, "article_url"),
    ({"article_url": "javascript:alert(1)"}, "article_url"),
    ({"article_url": "https://blog.example/" + "x" * 2000}, "article_url"),
    ({"article_title": "t" * 201}, "article_title"),
    ({"article_title": "bad\x07title"}, "article_title"),
])
def test_bad_context_is_refused_with_the_field(actions, mod, fields, field):
    answer = actions.post(**fields)
    assert answer.status_code == 422
    assert field in answer.json["fields"]


def test_a_reply_shows_the_parents_first_lines(actions, client, mod, runner):
    runner.invoke(args=["site", "set", "demo", "--moderation", "none"])
    parent = actions.post(body="Line one\n\nLine two\nLine three\nLine four").json["id"]
    child = actions.post(body="I disagree", email="bo@example.org", parent_id=parent).json["id"]
    assert item(client, mod, child)["parent_excerpt"] == "Line one\nLine two\nLine three"
    assert item(client, mod, parent)["parent_excerpt"] is None


def test_the_authors_history_on_that_site(actions, client, mod):
    ids = [actions.post(body=f"comment {n}").json["id"] for n in range(4)]
    actions.moderate(mod, ids[0], status="approved")
    actions.moderate(mod, ids[1], status="rejected")
    actions.moderate(mod, ids[2], status="spam")
    actions.post(site="other", body="elsewhere")  # another site does not count
    history = item(client, mod, ids[3])["author_history"]
    assert {k: history[k] for k in ("approved", "rejected", "spam")} == \
        {"approved": 1, "rejected": 1, "spam": 1}
    assert history["first_seen"] == item(client, mod, ids[0])["created_at"]
    queued = actions.queue(mod, status="").json["items"]
    assert all(i["author_history"]["approved"] == 1 for i in queued)
