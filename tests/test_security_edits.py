"""Issue 12 item 4: an author's edit runs the checks and policy of a new comment."""

from __future__ import annotations

from .conftest import Actions

EVIL = ("Buy now, casino bonus! https://a.example https://b.example https://c.example "
        "https://d.example https://e.example")


def _published(actions: Actions) -> dict:
    actions.site("demo", moderation="none")
    result = actions.app.test_cli_runner().invoke(
        args=["site", "set", "demo", "--disallowed-word", "casino"])
    assert result.exit_code == 0, result.output
    posted = actions.post(body="A perfectly nice comment")
    assert posted.status_code == 201 and posted.json["status"] == "approved"
    return posted.json


def test_a_published_comment_edited_into_spam_is_no_longer_published(actions: Actions) -> None:
    posted = _published(actions)
    token = actions.moderator("root", admin=True)
    edited = actions.client.patch(f"/api/v1/comments/{posted['id']}", json={"body": EVIL},
                                  headers={"X-Edit-Token": posted["edit_token"]})
    assert edited.status_code == 200
    assert edited.json["status"] == "pending"  # spam is answered as pending, never revealed
    thread = actions.thread().json
    assert thread["count"] == 0 and thread["comments"] == []
    [item] = actions.queue(token, status="spam").json["items"]
    assert item["id"] == posted["id"] and "casino" in " ".join(item["spam"]["reasons"])


def test_an_edit_with_too_many_links_alone_is_held(actions: Actions) -> None:
    posted = _published(actions)
    body = "See " + " ".join(f"https://{c}.example" for c in "abcde")
    edited = actions.client.patch(f"/api/v1/comments/{posted['id']}", json={"body": body},
                                  headers={"X-Edit-Token": posted["edit_token"]})
    assert edited.status_code == 200 and edited.json["status"] == "pending"
    assert actions.thread().json["count"] == 0


def test_a_clean_edit_stays_published_on_a_none_site(actions: Actions) -> None:
    posted = _published(actions)
    edited = actions.client.patch(f"/api/v1/comments/{posted['id']}",
                                  json={"body": "A perfectly nice comment, with a typo fixed"},
                                  headers={"X-Edit-Token": posted["edit_token"]})
    assert edited.status_code == 200 and edited.json["status"] == "approved"
    assert actions.thread().json["count"] == 1
