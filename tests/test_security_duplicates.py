"""Issue 12 item 3: the duplicate rule is no email oracle. Posting the exact text of a public
comment with a guessed address answered 409 when the guess was right and 201/202 when wrong; the
guesser withdrew each wrong guess with its edit token. Now 409 only for the same client; anyone
else gets a held comment's answer (nothing stored), with an edit token that works."""

from __future__ import annotations

import typing as t

from flask import Flask
from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import Comment

from .conftest import Actions

URL = "/api/v1/sites/demo/articles/hello-world/comments"
TEXT = "Thanks for the article, I learnt a lot from the second part."
VICTIM = "victim@example.org"


def _post(actions: Actions, ip: str, **fields: t.Any) -> t.Any:
    body = {"name": "Guesser", "email": "guess@example.org", "body": TEXT, **fields}
    return actions.client.post(URL, json=body, environ_base={"REMOTE_ADDR": ip})


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Comment)) or 0)


def _public_comment_by_victim(actions: Actions) -> None:
    actions.site("demo", moderation="none")
    posted = _post(actions, "192.0.2.10", name="Victim", email=VICTIM)
    assert posted.status_code == 201


def _shape(answer: t.Any) -> tuple[t.Any, ...]:
    body = answer.json
    return (answer.status_code, sorted(body), body["status"], sorted(body["comment"]),
            len(body["edit_token"]), body["comment"]["body_html"])


def test_a_right_and_a_wrong_guess_get_the_same_answer_and_both_withdraw(
        actions: Actions, app: Flask) -> None:
    _public_comment_by_victim(actions)
    wrong = _post(actions, "203.0.113.5", email="someone-else@example.org")
    right = _post(actions, "203.0.113.6", email=VICTIM)
    assert _shape(wrong) == _shape(right)
    assert right.status_code == 202 and right.json["status"] == "pending"
    assert right.json["id"] > wrong.json["id"]  # ids drawn as a stored comment's are
    assert _count(app) == 2  # the victim's and the held wrong guess; the right one is not stored
    assert actions.thread().json["count"] == 1
    answers = []
    for guess in (wrong, right):
        cid, token = guess.json["id"], guess.json["edit_token"]
        edit = actions.client.patch(f"/api/v1/comments/{cid}", json={"body": "changed my mind"},
                                    headers={"X-Edit-Token": token})
        gone = actions.client.delete(f"/api/v1/comments/{cid}", headers={"X-Edit-Token": token})
        again = actions.client.delete(f"/api/v1/comments/{cid}", headers={"X-Edit-Token": token})
        answers.append((edit.status_code, edit.json["status"], sorted(edit.json["comment"]),
                        edit.json["comment"]["author"]["name"], gone.status_code,
                        again.status_code, again.json))
    assert answers[0] == answers[1]
    assert answers[0][:5] == (200, "pending", answers[0][2], "Guesser", 204)
    assert answers[0][5] == 403


def test_a_repeat_after_the_guess_answers_alike_too(actions: Actions) -> None:
    _public_comment_by_victim(actions)
    seen = []
    for email, ip in (("someone-else@example.org", "203.0.113.5"), (VICTIM, "203.0.113.6")):
        first = _post(actions, ip, email=email)
        second = _post(actions, ip, email=email)
        seen.append((first.status_code, second.status_code, second.json["error"]))
    assert seen[0] == seen[1] == (202, 409, "duplicate")


def test_the_same_client_sending_the_same_text_again_is_still_a_duplicate(
        actions: Actions, app: Flask) -> None:
    _public_comment_by_victim(actions)
    again = _post(actions, "192.0.2.10", name="Victim", email=VICTIM)
    assert again.status_code == 409 and again.json["error"] == "duplicate"
    assert _count(app) == 1


def test_a_right_guess_is_no_oracle_however_many_copies_came_first(actions: Actions) -> None:
    # The repeat check once looked at 50 rows of the same text: with more copies before the
    # victim's comment, a right guess reached the unique constraint and answered 409.
    actions.site("demo", moderation="none")
    for n in range(55):
        copy = _post(actions, f"198.51.100.{n + 1}", email=f"copier{n}@example.org")
        assert copy.status_code in (201, 202)
    assert _post(actions, "192.0.2.10", name="Victim", email=VICTIM).status_code == 202
    wrong = _post(actions, "203.0.113.5", email="someone-else@example.org")
    right = _post(actions, "203.0.113.6", email=VICTIM)
    assert _shape(right) == _shape(wrong)
    assert right.status_code == 202
    assert _post(actions, "192.0.2.10", name="Victim", email=VICTIM).status_code == 409
