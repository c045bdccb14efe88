"""Authors editing and withdrawing their own comments with the edit token, within the window."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from commentsvc import clock
from commentsvc.extensions import db
from commentsvc.models import Article, Comment, ModerationEvent


def _submit(actions, moderation="none", **fields):
    actions.site("demo", moderation=moderation)
    posted = actions.post(**fields)
    assert posted.status_code in (201, 202), posted.json
    return posted.json


def _patch(client, cid, token, body="Changed *text*", **kw):
    headers = {"X-Edit-Token": token} if token is not None else {}
    return client.patch(f"/api/v1/comments/{cid}", json={"body": body}, headers=headers, **kw)


def _delete(client, cid, token):
    headers = {"X-Edit-Token": token} if token is not None else {}
    return client.delete(f"/api/v1/comments/{cid}", headers=headers)


def _article(app):
    with app.app_context():
        article = db.session.scalar(select(Article))
        return article.approved_count, article.version


def _events(app, cid):
    with app.app_context():
        return [(e.actor, e.action, e.from_status, e.to_status) for e in db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.comment_id == cid)
            .order_by(ModerationEvent.id))]


def test_edit_rerenders_marks_edited_and_stays_published_without_premoderation(actions, app):
    posted = _submit(actions, "none")
    count, version = _article(app)
    response = _patch(actions.client, posted["id"], posted["edit_token"])
    assert response.status_code == 200
    assert response.json["status"] == "approved"
    assert response.json["comment"]["body_html"] == "<p>Changed <em>text</em></p>"
    assert response.json["comment"]["edited_at"] is not None
    assert _article(app) == (count, version + 1)
    shown = actions.thread().json["comments"][0]
    assert shown["body_html"] == "<p>Changed <em>text</em></p>"
    assert shown["edited_at"] == response.json["comment"]["edited_at"]
    assert ("author", "edit", "approved", "approved") in _events(app, posted["id"])


def test_edit_goes_back_to_moderation_when_the_site_premoderates(actions, app):
    posted = _submit(actions, "none")
    actions.site("demo", moderation="all")
    count, version = _article(app)
    response = _patch(actions.client, posted["id"], posted["edit_token"])
    assert response.status_code == 200
    assert response.json["status"] == "pending"
    assert _article(app) == (count - 1, version + 1)
    assert actions.thread().json["comments"] == []
    assert ("author", "edit", "approved", "pending") in _events(app, posted["id"])


def test_editing_a_pending_comment_keeps_it_pending_and_the_thread_untouched(actions, app):
    posted = _submit(actions, "all")
    before = _article(app)
    response = _patch(actions.client, posted["id"], posted["edit_token"])
    assert response.json["status"] == "pending"
    assert _article(app) == before


@pytest.mark.parametrize(
    ("body", "field_error"),
    [("", "is required"), ("   ", "is required"), ("x" * 5001, "at most 5000"),
     ("bell \x07", "control"), (17, "must be text")],
)
def test_edits_pass_the_same_validation_as_new_comments(actions, body, field_error):
    posted = _submit(actions, "none")
    response = _patch(actions.client, posted["id"], posted["edit_token"], body=body)
    assert response.status_code == 422
    assert field_error in response.json["fields"]["body"]
    assert actions.thread().json["comments"][0]["body_html"] == "<p>Hello there</p>"


def test_edit_body_must_be_json_or_a_form(actions):
    posted = _submit(actions, "none")
    response = actions.client.patch(f"/api/v1/comments/{posted['id']}", data="body=x",
                                    content_type="text/plain",
                                    headers={"X-Edit-Token": posted["edit_token"]})
    assert response.status_code == 415


def test_edit_to_a_text_already_posted_is_a_duplicate(actions):
    first = _submit(actions, "none", body="One")
    actions.post(body="Two")
    response = _patch(actions.client, first["id"], first["edit_token"], body="two")
    assert response.status_code == 409
    assert response.json["error"] == "duplicate"


def test_withdraw_hides_the_comment_and_frees_its_text(actions, app):
    posted = _submit(actions, "none")
    count, version = _article(app)
    response = _delete(actions.client, posted["id"], posted["edit_token"])
    assert response.status_code == 204
    assert response.data == b""
    assert _article(app) == (count - 1, version + 1)
    assert actions.thread().json["comments"] == []
    with app.app_context():
        comment = db.session.get(Comment, posted["id"])
        assert (comment.status, comment.body_fingerprint) == ("deleted", None)
    assert ("author", "withdraw", "approved", "deleted") in _events(app, posted["id"])
    assert actions.post().status_code == 201  # the same text may be posted again
    again = _delete(actions.client, posted["id"], posted["edit_token"])
    assert again.status_code == 403


def test_withdrawing_a_pending_comment_leaves_the_count(actions, app):
    posted = _submit(actions, "all")
    before = _article(app)
    assert _delete(actions.client, posted["id"], posted["edit_token"]).status_code == 204
    assert _article(app) == before


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 500])
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_missing_or_wrong_token_is_403(actions, token, method):
    posted = _submit(actions, "none")
    response = (_patch if method == "patch" else _delete)(actions.client, posted["id"], token)
    assert response.status_code == 403
    assert response.json["error"] == "invalid_edit_token"
    assert actions.thread().json["comments"][0]["body_html"] == "<p>Hello there</p>"


def test_another_comments_token_does_not_work(actions):
    first = _submit(actions, "none")
    second = actions.post(body="Second", email="bo@example.org").json
    assert _delete(actions.client, first["id"], second["edit_token"]).status_code == 403


@pytest.mark.parametrize("cid", ["999999", "2147483647", "99999999999999999999", "0"])
def test_unknown_comment_is_the_same_403(actions, cid):
    actions.site("demo")
    response = actions.client.delete(f"/api/v1/comments/{cid}", headers={"X-Edit-Token": "x"})
    assert response.status_code == 403
    assert response.json["error"] == "invalid_edit_token"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_after_the_window_the_author_gets_the_same_403(actions, app, method):
    posted = _submit(actions, "none")
    created = dt.datetime.fromisoformat(posted["comment"]["created_at"].replace("Z", "+00:00"))
    window = app.config["EDIT_WINDOW_SECONDS"]
    with clock.frozen(created + dt.timedelta(seconds=window - 5)) as frozen:
        assert _patch(actions.client, posted["id"], posted["edit_token"],
                      body="In time").status_code == 200
        frozen.advance(seconds=10)
        response = (_patch if method == "patch" else _delete)(
            actions.client, posted["id"], posted["edit_token"])
    assert response.status_code == 403
    assert response.json["error"] == "invalid_edit_token"
    assert actions.thread().json["comments"][0]["body_html"] == "<p>In time</p>"


def test_spam_is_answered_as_pending_to_its_author(actions):
    posted = _submit(actions, "none", fax="I am a bot")
    assert posted["status"] == "pending"
    response = _patch(actions.client, posted["id"], posted["edit_token"])
    assert response.status_code == 200
    assert response.json["status"] == "pending"


def test_edit_answer_holds_no_address(actions):
    posted = _submit(actions, "none")
    response = _patch(actions.client, posted["id"], posted["edit_token"])
    assert b"ana@example.org" not in response.data
    assert "edit_token" not in response.json
