"""`commentsvc purge`: besides old spam, the traces nothing needs any more go (retention.py):
decoys, expired review sessions, old reader-mail records, the reader hashes of decided flags."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask
from sqlalchemy import func, select

from commentsvc import clock
from commentsvc.extensions import db
from commentsvc.models import Comment, Decoy, Flag, ReaderMail, ReviewSession

from .conftest import Actions
from .reader_helpers import Readers
from .servers import free_port
from .test_reader_mail import Picky, approve, make_readers, moderator, notifications, picky_server
from .test_review_page import login

URL = "/api/v1/sites/demo/articles/hello-world/comments"
TEXT = "Thanks for the article, I learnt a lot from the second part."
VICTIM = "victim@example.org"


def purge(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["purge", "--spam-older-than", "30"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def rows(app: Flask, model: t.Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def guess(actions: Actions, ip: str, **fields: t.Any) -> t.Any:
    body = {"name": "Guesser", "email": VICTIM, "body": TEXT, **fields}
    return actions.client.post(URL, json=body, environ_base={"REMOTE_ADDR": ip})


# Decoys -------------------------------------------------------------------------------------

def test_a_decoy_lives_while_the_text_it_repeated_stands(app: Flask, actions: Actions) -> None:
    actions.site("demo", moderation="none")
    with clock.frozen() as frozen:
        assert guess(actions, "192.0.2.10", name="Victim").status_code == 201
        assert guess(actions, "203.0.113.6").status_code == 202  # a right guess: a decoy
        assert rows(app, Decoy) == 1
        frozen.advance(minutes=14)  # its edit window (15 minutes) is still open
        assert "purged 0 decoys" in purge(app)
        frozen.advance(days=400)
        assert "purged 0 decoys" in purge(app)  # the victim's comment still stands
        repeat = guess(actions, "203.0.113.6")
        assert repeat.status_code == 409 and repeat.json["error"] == "duplicate"  # as before
        erased = app.test_cli_runner().invoke(args=["erase", "--email", VICTIM])
        assert erased.exit_code == 0, erased.output
        assert "purged 1 decoys" in purge(app)
    assert rows(app, Decoy) == 0


def test_a_withdrawn_decoy_goes_once_its_edit_window_is_over(app: Flask,
                                                             actions: Actions) -> None:
    actions.site("demo", moderation="none")
    with clock.frozen() as frozen:
        assert guess(actions, "192.0.2.10", name="Victim").status_code == 201
        right = guess(actions, "203.0.113.6")
        gone = actions.client.delete(f"/api/v1/comments/{right.json['id']}",
                                     headers={"X-Edit-Token": right.json["edit_token"]})
        assert gone.status_code == 204
        frozen.advance(minutes=14)
        assert "purged 0 decoys" in purge(app)
        frozen.advance(minutes=2)
        assert "purged 1 decoys" in purge(app)
        # Its token now answers as any closed window does.
        edit = actions.client.patch(f"/api/v1/comments/{right.json['id']}", json={"body": "x"},
                                    headers={"X-Edit-Token": right.json["edit_token"]})
        assert edit.status_code == 403
    assert rows(app, Decoy) == 0


# Review sessions ----------------------------------------------------------------------------

def test_expired_review_sessions_go_and_live_ones_stay(app: Flask, actions: Actions) -> None:
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    early, late = app.test_client(), app.test_client()
    with clock.frozen() as frozen:
        login(early, token)
        frozen.advance(hours=6)
        login(late, token)
        frozen.advance(hours=6, seconds=1)  # the first login (12 h) has expired
        assert "1 expired review sessions" in purge(app)
        assert rows(app, ReviewSession) == 1
        assert b"Log out" in late.get("/moderate/").data
        assert b"Log in" in early.get("/moderate/").data


# Reader mail records ------------------------------------------------------------------------

@pytest.fixture
def mailed(app_factory: t.Any) -> t.Iterator[t.Callable[..., Readers]]:
    """Make readers of a site with reader mail on, delivered to a local SMTP server."""
    port = free_port()
    with picky_server(Picky(), port) as inbox:
        yield lambda **config: make_readers(app_factory, inbox, port, **config)


def republish(readers: Readers, token: str, comment_id: int) -> None:
    """Unpublish a comment and approve it again; deliver what that queues."""
    readers.client.patch(f"/api/v1/moderation/comments/{comment_id}", json={"status": "pending"},
                         headers={"Authorization": f"Bearer {token}"})
    approve(readers, token, comment_id)
    readers.work()


def test_reader_mail_records_keep_one_mail_per_comment_for_their_days(mailed) -> None:
    readers = mailed(moderation="all")
    token = moderator(readers)
    with clock.frozen() as frozen:
        ana = readers.post("ana@example.org", "replies")
        readers.work()
        readers.confirm("ana@example.org")
        approve(readers, token, ana)
        bob = readers.post("bob@example.org", parent_id=ana, name="Bob")
        approve(readers, token, bob)
        readers.work()
        assert len(notifications(readers, "ana@example.org")) == 1
        frozen.advance(days=89)
        assert "0 reader mail records" in purge(app := readers.app)
        republish(readers, token, bob)
        assert len(notifications(readers, "ana@example.org")) == 1  # still one for that comment
        frozen.advance(days=2)
        assert "3 reader mail records" in purge(app)  # confirm, published, notify
        assert rows(app, ReaderMail) == 0
        # After PURGE_READER_MAIL_DAYS the rule has no record left to hold (README).
        republish(readers, token, bob)
        assert len(notifications(readers, "ana@example.org")) == 2


def test_a_queued_reader_mail_is_never_purged(mailed) -> None:
    readers = mailed(PURGE_READER_MAIL_DAYS=1)
    with clock.frozen() as frozen:
        readers.post("ana@example.org", "replies")  # queues a confirmation; no worker runs
        frozen.advance(days=3)
        assert "0 reader mail records" in purge(readers.app)
        readers.work()
        assert "Confirm" in str(readers.mails_to("ana@example.org")[-1].message["Subject"])
        frozen.advance(days=2)
        assert "1 reader mail records" in purge(readers.app)  # sent and old now


# Flags' reader hashes -----------------------------------------------------------------------

def flag(actions: Actions, comment_id: int, remote: str) -> int:
    answer = actions.client.post(f"/api/v1/comments/{comment_id}/flags",
                                 json={"reason": "abuse"}, environ_base={"REMOTE_ADDR": remote})
    return int(answer.status_code)


def open_flags(actions: Actions, token: str, comment_id: int) -> int:
    item = actions.client.get(f"/api/v1/moderation/comments/{comment_id}",
                              headers={"Authorization": f"Bearer {token}"}).json
    return int(item["flags"]["count"])


def reported(actions: Actions, token: str) -> int:
    """A published comment that one reader (192.0.2.1) has reported; its id."""
    cid = int(actions.post().json["id"])
    assert actions.moderate(token, cid, status="approved").status_code == 200
    assert flag(actions, cid, "192.0.2.1") == 202
    return cid


def test_a_decided_flag_loses_its_reader_hash_after_its_days_and_keeps_its_count(
        app: Flask, actions: Actions, mod: str) -> None:
    with clock.frozen() as frozen:
        cid = reported(actions, mod)
        assert actions.moderate(mod, cid, status="approved").status_code == 200  # decided
        frozen.advance(days=29)
        assert "cleared the reader hash of 0 decided flags" in purge(app)
        assert flag(actions, cid, "192.0.2.1") == 202
        assert open_flags(actions, mod, cid) == 0  # the same reader: not counted again
        frozen.advance(days=2)
        assert "cleared the reader hash of 1 decided flags" in purge(app)
        with app.app_context():
            kept = db.session.scalars(select(Flag)).one()
            assert (kept.comment_id, kept.reason, kept.resolved_at is not None) == (
                cid, "abuse", True)
            assert kept.reader_hash == f"cleared-{kept.id}"
        assert "cleared the reader hash of 0 decided flags" in purge(app)  # once only
        assert flag(actions, cid, "192.0.2.1") == 202  # a new report after the decision
        assert open_flags(actions, mod, cid) == 1
    assert rows(app, Flag) == 2


def test_an_open_flag_keeps_its_hash_so_one_reader_counts_once(
        app: Flask, actions: Actions, mod: str) -> None:
    with clock.frozen() as frozen:
        cid = reported(actions, mod)
        frozen.advance(days=400)
        assert "cleared the reader hash of 0 decided flags" in purge(app)
        assert flag(actions, cid, "192.0.2.1") == 202
        assert open_flags(actions, mod, cid) == 1


@pytest.mark.parametrize("key, value", [("PURGE_FLAG_HASH_DAYS", -1),
                                        ("PURGE_READER_MAIL_DAYS", "ninety"),
                                        ("PURGE_READER_MAIL_DAYS", 1.5)])
def test_a_bad_retention_setting_stops_the_purge_and_names_the_key(
        app_factory: t.Any, key: str, value: t.Any) -> None:
    app = app_factory(**{key: value})
    actions = Actions(app, app.test_client())
    actions.site("demo")
    spam = actions.post(fax="x").json["id"]
    with clock.frozen() as frozen:
        frozen.advance(days=40)
        result = app.test_cli_runner().invoke(args=["purge", "--spam-older-than", "30"])
    assert result.exit_code == 1 and key in result.output
    with app.app_context():
        assert db.session.get(Comment, spam) is not None  # nothing was purged
