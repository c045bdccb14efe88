"""Reader notifications: on approval only, scopes, caps and digest, outages, refusals, content."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import typing as t
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import OutboxMessage, ReaderMail, utcnow

from .notify_servers import Inbox
from .reader_helpers import PUBLIC, Readers, link, setup_site
from .servers import free_port


@dataclass
class Picky(Inbox):
    """An inbox that refuses some recipients with 550 and notes each client connection."""

    refuse: set[str] = field(default_factory=set)
    peers: list[t.Any] = field(default_factory=list)

    async def handle_RCPT(self, server: t.Any, session: t.Any, envelope: t.Any, address: str,
                          rcpt_options: t.Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        if session.peer not in self.peers:
            self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def picky_server(inbox: Picky, port: int) -> t.Iterator[Picky]:
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def inbox(port: int) -> t.Iterator[Picky]:
    with picky_server(Picky(), port) as server:
        yield server


def make_readers(app_factory: t.Any, inbox: Picky, port: int, moderation: str = "none",
                 **config: t.Any) -> Readers:
    app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", PUBLIC_URL=PUBLIC, **config)
    setup_site(app, moderation=moderation)
    return Readers(app, app.test_client(), inbox)


@pytest.fixture
def readers(app_factory: t.Any, inbox: Picky, port: int) -> Readers:
    return make_readers(app_factory, inbox, port)


def subjects(readers: Readers, address: str) -> list[str]:
    return [str(m.message["Subject"]) for m in readers.mails_to(address)]


def notifications(readers: Readers, address: str) -> list[str]:
    return [s for s in subjects(readers, address) if s.startswith("New comment")]


def test_a_notification_goes_out_only_when_the_comment_is_approved(app_factory, inbox, port):
    readers = make_readers(app_factory, inbox, port, moderation="all")
    token = moderator(readers)
    ana = readers.post("ana@example.org", "replies")
    readers.work()
    readers.confirm("ana@example.org")
    approve(readers, token, ana)
    readers.work()
    assert subjects(readers, "ana@example.org")[-1].startswith("Your comment is now published")
    bob = readers.post("bob@example.org", parent_id=ana, name="Bob")
    readers.work()
    assert notifications(readers, "ana@example.org") == []  # held: nobody hears of it yet
    approve(readers, token, bob)
    readers.work()
    [mail] = [m for m in readers.mails_to("ana@example.org")
              if str(m.message["Subject"]).startswith("New comment")]
    assert "Bob" in mail.message["Subject"] and f"#comment-{bob}" in mail.part("plain")
    # Unpublished and approved again: still one mail for that comment.
    readers.client.patch(f"/api/v1/moderation/comments/{bob}", json={"status": "pending"},
                         headers={"Authorization": f"Bearer {token}"})
    approve(readers, token, bob)
    readers.work()
    assert len(notifications(readers, "ana@example.org")) == 1


def moderator(readers: Readers) -> str:
    result = readers.app.test_cli_runner().invoke(args=["moderator", "add", "mod", "--admin"])
    return result.output.strip().splitlines()[-1]


def approve(readers: Readers, token: str, comment_id: int) -> None:
    answer = readers.client.patch(f"/api/v1/moderation/comments/{comment_id}",
                                  json={"status": "approved"},
                                  headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_json()


def test_nobody_is_told_of_their_own_comment(readers):
    ana = readers.subscribe("ana@example.org", "all")
    readers.post("ana@example.org", parent_id=ana)
    readers.post("ana@example.org")
    readers.work()
    assert notifications(readers, "ana@example.org") == []


def test_replies_means_any_depth_below_and_all_means_the_whole_article(readers):
    ana = readers.subscribe("ana@example.org", "replies")
    readers.subscribe("bea@example.org", "all")
    bob = readers.post("bob@example.org", parent_id=ana, name="Bob")
    readers.post("cid@example.org", parent_id=bob, name="Cid")  # a reply to the reply
    readers.post("dan@example.org", name="Dan")  # top level: not under Ana's comment
    readers.post("eve@example.org", name="Eve", article="elsewhere")
    readers.work()
    assert sorted(notifications(readers, "ana@example.org")) == [
        "New comment by Bob on hello-world", "New comment by Cid on hello-world"]
    assert sorted(notifications(readers, "bea@example.org")) == [
        "New comment by Bob on hello-world", "New comment by Cid on hello-world",
        "New comment by Dan on hello-world"]  # Ana's came before Bea subscribed


def test_two_subscriptions_matching_one_comment_make_one_mail(readers):
    ana = readers.subscribe("ana@example.org", "replies")
    readers.post("ana@example.org", notify="all")
    readers.post("bob@example.org", parent_id=ana, name="Bob")
    readers.work()
    assert notifications(readers, "ana@example.org") == ["New comment by Bob on hello-world"]


def test_the_mail_links_the_comment_on_the_article_page_and_shows_no_address(readers):
    ana = readers.subscribe("ana@example.org", "replies", article="/2026/12/hello/")
    bob = readers.post("bob@example.org", parent_id=ana, name="Bob", article="/2026/12/hello/")
    readers.work()
    mail = readers.mails_to("ana@example.org")[-1]
    assert link(mail, "#comment-") == f"https://blog.example/2026/12/hello/#comment-{bob}"
    assert f'href="https://blog.example/2026/12/hello/#comment-{bob}"' in mail.part("html")
    assert mail.message["List-Unsubscribe"].startswith(f"<{PUBLIC}/u/")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = dict(mail.message.raw_items())["List-Unsubscribe"]  # as sent, not decoded
    assert raw.startswith(f"<{PUBLIC}/u/") and raw.endswith(">") and "=?" not in raw
    for part in (mail.part("plain"), mail.part("html"), str(mail.message["Subject"])):
        assert "bob@example.org" not in part and "ana@example.org" not in part
    assert "Comment number" in mail.part("plain")  # the comment's text itself


def test_above_the_hourly_cap_the_rest_waits_for_one_digest(app_factory, inbox, port):
    readers = make_readers(app_factory, inbox, port, READER_MAIL_MAX_PER_HOUR=3)
    ana = readers.subscribe("ana@example.org", "replies")
    for n in range(7):
        readers.post(f"r{n}@example.org", parent_id=ana, name=f"R{n}")
    now = utcnow()
    readers.work(now)
    assert len(notifications(readers, "ana@example.org")) == 3
    readers.work(now + dt.timedelta(minutes=59))
    assert len(readers.mails_to("ana@example.org")) == 1 + 3
    readers.work(now + dt.timedelta(minutes=61))
    digest = readers.mails_to("ana@example.org")[-1]
    assert digest.message["Subject"] == "4 new comments on demo"
    assert [f"R{n} on" in digest.part("plain") for n in range(7)] == [False] * 3 + [True] * 4
    assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    readers.post("late@example.org", parent_id=ana, name="Late")  # the next hour: one by one
    readers.work(now + dt.timedelta(minutes=125))
    assert notifications(readers, "ana@example.org")[-1] == "New comment by Late on hello-world"


def test_smtp_down_then_up_loses_nothing_and_sends_nothing_twice(app_factory, port, database_uri):
    inbox = Picky()
    with picky_server(inbox, port):
        readers = make_readers(app_factory, inbox, port)
        ana = readers.subscribe("ana@example.org", "replies")
        readers.subscribe("bea@example.org", "all")
    for n in range(4):  # the mail server is down
        readers.post(f"r{n}@example.org", parent_id=ana, name=f"R{n}")
    tally = readers.work()
    assert tally.get("retry") == 8 and not tally.get("failed")
    later = utcnow() + dt.timedelta(hours=2)
    with picky_server(inbox, port):
        if database_uri.startswith("postgresql"):  # two workers at once
            threads = [threading.Thread(target=readers.work, args=(later,)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:  # SQLite: one worker at a time
            readers.work(later)
            readers.work(later)
    assert sorted(notifications(readers, "ana@example.org")) == [
        f"New comment by R{n} on hello-world" for n in range(4)]
    assert len(notifications(readers, "bea@example.org")) == 4
    with readers.app.app_context():
        assert all(r.sent_at for r in db.session.scalars(select(OutboxMessage)))


def test_a_550_for_one_reader_stops_mail_to_that_address_only(readers, inbox):
    ana = readers.subscribe("ana@example.org", "replies")
    readers.subscribe("gone@example.org", "all")
    inbox.refuse.add("gone@example.org")
    readers.post("bob@example.org", parent_id=ana, name="Bob")
    readers.work()
    assert len(notifications(readers, "ana@example.org")) == 1
    listing = readers.app.test_cli_runner().invoke(args=["outbox"]).output
    assert "stopped addresses 1" in listing
    assert re.search(r"failed\treader_mail\t.*550 5\.1\.1 No such user here; mail to this "
                     r"reader stopped", listing), listing
    readers.post("cid@example.org", parent_id=ana, name="Cid")
    readers.work()
    assert len(notifications(readers, "ana@example.org")) == 2
    with readers.app.app_context():  # nothing more was even queued for the stopped address
        assert len([m for m in db.session.scalars(select(ReaderMail))
                    if m.kind == "notify" and m.state != "sent"]) == 1


def test_the_worker_reuses_one_smtp_connection_for_a_batch(readers, inbox):
    ana = readers.subscribe("ana@example.org", "replies")
    inbox.peers.clear()
    for n in range(5):
        readers.post(f"r{n}@example.org", parent_id=ana, name=f"R{n}")
    readers.work()
    assert len(notifications(readers, "ana@example.org")) == 5
    assert len(inbox.peers) == 1


def test_mail_counts_for_100_approved_replies_with_20_subscribers(readers, capsys):
    """The figure the issue asks for; printed with -s."""
    top = readers.post("author@example.org", name="Author")
    for n in range(20):
        readers.subscribe(f"s{n}@example.org", "all")
    readers.work(utcnow() + dt.timedelta(minutes=61))  # the digests of those 20 comments
    readers.inbox.received.clear()
    for n in range(100):
        readers.post(f"replier{n}@example.org", parent_id=top, name=f"P{n}")
    now = utcnow() + dt.timedelta(hours=3)  # the subscribers' own hours of mail are long past
    readers.work(now)
    readers.work(now + dt.timedelta(minutes=61))
    got = readers.inbox.received
    digests = [m for m in got if "new comments on" in str(m.message["Subject"])]
    single = [m for m in got if str(m.message["Subject"]).startswith("New comment")]
    assert len(single) == 20 * 10 and len(digests) == 20
    assert {str(m.message["Subject"]) for m in digests} == {"90 new comments on demo"}
    with capsys.disabled():
        print(f"\n100 replies x 20 subscribers: {len(got)} mails = {len(single)} notifications"
              f" + {len(digests)} digests (of 90 comments each)")


def test_turning_the_switch_off_stops_notifications(readers):
    ana = readers.subscribe("ana@example.org", "replies")
    result = readers.app.test_cli_runner().invoke(
        args=["site", "set", "demo", "--reader-notifications", "off"])
    assert "reader_notifications=off" in result.output
    readers.post("bob@example.org", parent_id=ana, name="Bob")
    readers.work()
    assert notifications(readers, "ana@example.org") == []
    runner = readers.app.test_cli_runner()
    runner.invoke(args=["site", "set", "demo", "--reader-notifications", "on"])
    readers.post("cid@example.org", parent_id=ana, name="Cid")  # queued while on ...
    runner.invoke(args=["site", "set", "demo", "--reader-notifications", "off"])
    readers.work()  # ... and off before the worker came
    assert notifications(readers, "ana@example.org") == []
