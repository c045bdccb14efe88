"""Readers report comments: POST /api/v1/comments/{id}/flags, the threshold, the queue view."""

from __future__ import annotations

import re

import pytest

from commentsvc.extensions import db
from commentsvc.models import SpamExample
from commentsvc.spam import store

from .moderating import auth


def flag(client, comment_id, reason="abuse", remote="192.0.2.1", **extra):
    return client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": reason, **extra},
                       environ_base={"REMOTE_ADDR": remote})


@pytest.fixture
def approved(actions, mod):
    """An approved comment on demo (the moderator approved it)."""
    cid = actions.post().json["id"]
    assert actions.moderate(mod, cid, status="approved").status_code == 200
    return cid


def item(client, token, cid):
    return client.get(f"/api/v1/moderation/comments/{cid}", headers=auth(token)).json


def test_a_report_is_accepted_and_shown_to_moderators(client, mod, approved):
    answer = flag(client, approved, "abuse", note="Insults another reader")
    assert answer.status_code == 202
    flags = item(client, mod, approved)["flags"]
    assert flags == {"count": 1, "reasons": {"abuse": 1}, "notes": ["Insults another reader"]}


def test_one_reader_counts_once(client, mod, approved):
    assert flag(client, approved, "spam").status_code == 202
    assert flag(client, approved, "abuse").status_code == 202  # repeat: accepted, not counted
    assert item(client, mod, approved)["flags"]["count"] == 1


def test_threshold_sends_the_comment_back_to_pending_by_readers(actions, client, mod, approved):
    for n in range(3):
        assert flag(client, approved, "offensive", remote=f"192.0.2.{n + 1}").status_code == 202
    shown = item(client, mod, approved)
    assert shown["status"] == "pending"
    assert shown["flags"]["count"] == 3
    event = shown["history"][-1]
    assert (event["actor"], event["from"], event["to"]) == ("readers", "approved", "pending")
    assert actions.thread().json["count"] == 0  # no longer public
    # now not public: further reports are refused like an unknown comment
    assert flag(client, approved, remote="192.0.2.9").status_code == 404


def test_flagged_queue_shows_reported_comments_of_any_status(actions, client, mod, approved):
    other = actions.post(body="not reported").json["id"]
    flag(client, approved)
    listed = [i["id"] for i in actions.queue(mod, flagged="1").json["items"]]
    assert listed == [approved]
    assert other in [i["id"] for i in actions.queue(mod).json["items"]]


def test_a_decision_resolves_the_flags(actions, client, mod, approved):
    flag(client, approved, "spam")
    assert actions.moderate(mod, approved, status="approved").status_code == 200  # keep it
    assert actions.queue(mod, flagged="1").json["items"] == []
    assert item(client, mod, approved)["flags"]["count"] == 0


def test_reports_teach_the_spam_filter_nothing(app, actions, client, mod, approved):
    with app.app_context():
        before = store.waiting_decisions(0)[0]  # the moderator's approval of the comment
    for n in range(3):  # the threshold: back to pending, by actor "readers"
        flag(client, approved, "spam", remote=f"198.51.100.{n + 1}")
    with app.app_context():
        assert store.waiting_decisions(0)[0] == before  # readers' reports are no decision
        store.sync_decisions(0)  # what the worker copies before it retrains
        # The last decision on the comment is still the moderator's approval: a ham example.
        kept = db.session.query(SpamExample).filter_by(comment_id=approved).all()
        assert [e.spam for e in kept] in ([], [False])


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": "boring"}, "reason"),
    ({}, "reason"),
    ({"reason": "other", "note": "x" * 501}, "note"),
    ({"reason": "other", "note": 5}, "note"),
])
def test_bad_reports_name_the_field(client, approved, body, field):
    answer = client.post(f"/api/v1/comments/{approved}/flags", json=body)
    assert answer.status_code == 422
    assert field in answer.json["fields"]


def test_reports_on_comments_that_are_not_public_are_404(actions, client, mod):
    pending = actions.post().json["id"]
    assert flag(client, pending).status_code == 404
    assert flag(client, 999999).status_code == 404
    assert flag(client, 2**40).status_code == 404


def test_reports_are_rate_limited_like_submissions(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="2 per minute")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["site", "add", "demo", "--origin", "https://blog.example",
                               "--moderation", "none"]).exit_code == 0
    client = app.test_client()
    cid = client.post("/api/v1/sites/demo/articles/a/comments",
                      json={"name": "Ana", "email": "ana@example.org", "body": "Hi"}).json["id"]
    answers = [flag(client, cid, remote="203.0.113.5") for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[-1].headers["Retry-After"]
    assert flag(client, cid, remote="203.0.113.99").status_code == 202  # another reader


def test_a_form_report_returns_to_the_page(client, approved):
    answer = client.post(f"/api/v1/comments/{approved}/flags",
                         data={"reason": "abuse", "return_to": "https://blog.example/post"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"https://blog.example/post#comment-{approved}"


def test_the_no_javascript_page_reports_a_comment(actions, client, mod, approved):
    page = client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert f'href="?report={approved}#comment-{approved}"' in page
    assert "commentsvc-report-form" not in page  # the form only for the comment asked
    asked = client.get(f"/embed/demo/hello-world?report={approved}").get_data(as_text=True)
    form = asked[asked.index('<form class="commentsvc-report-form"'):]
    form = form[:form.index("</form>")]
    assert '<option value="off_topic">Off topic</option>' in form
    action = re.search(r'action="([^"]+)"', form)[1]
    return_to = re.search(r'name="return_to" value="([^"]+)"', form)[1]
    sent = client.post(action, data={"reason": "off_topic", "note": "", "return_to": return_to})
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/embed/demo/hello-world#comment-{approved}")
    assert item(client, mod, approved)["flags"]["reasons"] == {"off_topic": 1}


def test_reports_from_a_foreign_page_are_refused(client, approved):
    foreign = client.post(f"/api/v1/comments/{approved}/flags", json={"reason": "spam"},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.json["error"] == "origin_not_allowed"
    own = client.post(f"/api/v1/comments/{approved}/flags", json={"reason": "spam"},
                      headers={"Origin": "https://blog.example"})
    assert own.status_code == 202
    assert own.headers["Access-Control-Allow-Origin"] == "https://blog.example"


def test_a_form_report_may_not_return_elsewhere(client, approved):
    answer = client.post(f"/api/v1/comments/{approved}/flags",
                         data={"reason": "abuse", "return_to": "https://evil.example/"})
    assert answer.status_code == 400
