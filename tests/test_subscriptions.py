"""Subscriptions: the notify field, double opt-in, one-click unsubscribe, manage page, erase."""

from __future__ import annotations

import datetime as dt
import json
import typing as t

import pytest
from sqlalchemy import select, update

from commentsvc.extensions import db
from commentsvc.models import Confirmation, ReaderMail, Subscription, utcnow
from commentsvc.notify import reader_links

from .notify_servers import smtp_server
from .reader_helpers import PUBLIC, Readers, link, local, setup_site


@pytest.fixture
def readers(app_factory: t.Any) -> t.Iterator[Readers]:
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", PUBLIC_URL=PUBLIC)
        setup_site(app)
        yield Readers(app, app.test_client(), inbox)


def confirmations(app: t.Any) -> list[Confirmation]:
    with app.app_context():
        rows = list(db.session.scalars(select(Confirmation).order_by(Confirmation.id)))
        db.session.expunge_all()
        return rows


def subscriptions_of(app: t.Any) -> list[Subscription]:
    with app.app_context():
        rows = list(db.session.scalars(select(Subscription).order_by(Subscription.id)))
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("value", ["yes", "REPLIES", 1, True, ["all"], {"scope": "all"}])
def test_the_notify_field_is_replies_or_all(readers, value):
    answer = readers.client.post("/api/v1/sites/demo/articles/a/comments", json={
        "name": "Ana", "email": "ana@example.org", "body": "Hi", "notify": value})
    assert answer.status_code == 422
    assert answer.get_json()["fields"] == {"notify": "must be replies or all"}


@pytest.mark.parametrize("value", [None, ""])
def test_an_empty_notify_field_subscribes_nobody(readers, value):
    readers.post("ana@example.org", notify=value)
    readers.work()
    assert subscriptions_of(readers.app) == [] and readers.inbox.received == []


def test_reader_mail_is_off_by_default_and_needs_smtp(app_factory):
    app = app_factory()
    runner = app.test_cli_runner()
    runner.invoke(args=["site", "add", "demo", "--origin", "https://blog.example"])
    result = runner.invoke(args=["site", "set", "demo", "--reader-notifications", "on"])
    assert result.exit_code != 0 and "SMTP_URL" in result.output
    client = app.test_client()
    answer = client.post("/api/v1/sites/demo/articles/a/comments", json={
        "name": "Ana", "email": "ana@example.org", "body": "Hi", "notify": "all"})
    assert answer.status_code == 202  # accepted; the site simply sends no reader mail
    assert subscriptions_of(app) == []


def test_the_first_subscription_mails_a_confirmation_that_get_does_not_confirm(readers):
    readers.post("ana@example.org", notify="replies")
    assert readers.work()["sent"] == 1  # (and the skipped fan-out: nobody else subscribed)
    [mail] = readers.mails_to("ana@example.org")
    assert "Confirm your subscription" in mail.message["Subject"]
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.part("html") and "ana@example.org" not in mail.part("plain")
    path = local(link(mail, "/subscriptions/confirm/"))
    assert "/confirm" in path
    page = readers.client.get(path)
    assert page.status_code == 200 and b'<form method="post"' in page.data
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert confirmations(readers.app)[0].confirmed_at is None  # a mail scanner's GET
    assert [s.confirmed for s in subscriptions_of(readers.app)] == [False]
    answer = readers.client.post(path)
    assert answer.status_code == 200 and b"confirmed" in answer.data
    assert confirmations(readers.app)[0].confirmed_at is not None
    assert [s.confirmed for s in subscriptions_of(readers.app)] == [True]


def test_one_confirmation_covers_later_subscriptions_on_that_site(readers):
    readers.subscribe("ana@example.org", "replies")
    readers.post("ana@example.org", notify="all", article="another")
    readers.work()
    assert len(readers.mails_to("ana@example.org")) == 1
    assert [s.confirmed for s in subscriptions_of(readers.app)] == [True, True]


def test_a_confirmation_link_expires_after_seven_days(readers):
    readers.post("ana@example.org", notify="replies")
    with readers.app.app_context():
        [confirmation] = db.session.scalars(select(Confirmation))
        week_ago = utcnow() - dt.timedelta(days=7, minutes=1)
        old = reader_links.confirm_token(confirmation.id, week_ago)
        fresh = reader_links.confirm_token(confirmation.id, utcnow() - dt.timedelta(days=6))
    assert readers.client.get(f"/subscriptions/confirm/{old}").status_code == 410
    assert readers.client.post(f"/subscriptions/confirm/{old}").status_code == 410
    assert confirmations(readers.app)[0].confirmed_at is None
    assert readers.client.post(f"/subscriptions/confirm/{fresh}").status_code == 200


def test_confirming_late_drops_subscriptions_older_than_seven_days(readers):
    readers.post("ana@example.org", notify="replies")
    with readers.app.app_context():
        db.session.execute(update(Subscription).values(
            created_at=utcnow() - dt.timedelta(days=8)))
        db.session.commit()
    readers.post("ana@example.org", notify="all", article="newer")
    readers.work()
    readers.confirm("ana@example.org")
    assert [(s.scope, s.confirmed) for s in subscriptions_of(readers.app)] == [("all", True)]


def test_at_most_three_confirmation_mails_per_address_per_day(readers):
    for n in range(5):
        readers.post("ana@example.org", notify="replies", article=f"article-{n}")
    readers.work()
    assert len(readers.mails_to("ana@example.org")) == 3
    with readers.app.app_context():  # a day later
        db.session.execute(update(ReaderMail).values(
            created_at=utcnow() - dt.timedelta(hours=25)))
        db.session.commit()
    readers.post("ana@example.org", notify="replies", article="next-day")
    readers.work()
    assert len(readers.mails_to("ana@example.org")) == 4


def test_spam_subscribes_nobody(readers):
    readers.post("victim@example.org", notify="all", fax="I am a bot")
    readers.work()
    assert subscriptions_of(readers.app) == [] and readers.inbox.received == []


@pytest.mark.parametrize("path", ["/subscriptions/confirm/x", "/u/x", "/subscriptions/manage/x"])
def test_a_damaged_link_is_a_400_page(readers, path):
    assert readers.client.get(path).status_code == 400
    assert readers.client.post(path).status_code == 400


def notified_reader(readers: Readers) -> t.Any:
    """Ana subscribed to replies and confirmed; Bob replied; the notification Ana received."""
    ana = readers.subscribe("ana@example.org", "replies")
    readers.post("bob@example.org", parent_id=ana, name="Bob")
    readers.work()
    return readers.mails_to("ana@example.org")[-1]


def test_one_click_unsubscribe_by_post_answers_200_and_stops_the_mail(readers):
    mail = notified_reader(readers)
    url = mail.message["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{PUBLIC}/u/")
    page = readers.client.get(local(url))  # a scanner or a person looking: nothing changes
    assert page.status_code == 200 and b"/subscriptions/manage/" in page.data
    assert len(subscriptions_of(readers.app)) == 1
    answer = readers.client.post(local(url), data="List-Unsubscribe=One-Click",
                                 content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert subscriptions_of(readers.app) == []
    assert readers.client.post(local(url), data="List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded").status_code == 200
    before = len(readers.mails_to("ana@example.org"))
    readers.post("carl@example.org", parent_id=mail_comment_id(mail), name="Carl")
    readers.work()
    assert len(readers.mails_to("ana@example.org")) == before


def mail_comment_id(mail: t.Any) -> int:
    return int(link(mail, "#comment-").rsplit("#comment-", 1)[1])


def test_the_manage_page_lists_subscriptions_and_unsubscribes_from_all(readers):
    readers.subscribe("ana@example.org", "replies")
    readers.post("ana@example.org", notify="all", article="second")
    readers.work()
    mail = readers.mails_to("ana@example.org")[0]
    path = local(link(mail, "/subscriptions/manage/"))
    page = readers.client.get(path)
    assert page.status_code == 200
    assert b"Replies to your comment on hello-world" in page.data
    assert b"Every new comment on second" in page.data
    assert b"ana@example.org" not in page.data
    assert len(subscriptions_of(readers.app)) == 2
    assert readers.client.post(path, data={"subscription": "nonsense"}).status_code == 400
    answer = readers.client.post(path, data={"subscription": "all"})
    assert answer.status_code == 200 and b"You have no subscriptions here." in answer.data
    assert subscriptions_of(readers.app) == []


def test_erase_removes_the_subscriptions_and_kills_their_links(readers):
    mail = notified_reader(readers)
    result = readers.app.test_cli_runner().invoke(args=["erase", "--email", "ana@example.org"])
    assert "1 subscription removed" in result.output
    assert subscriptions_of(readers.app) == [] and confirmations(readers.app) == []
    manage = readers.client.get(local(link(mail, "/subscriptions/manage/")))
    assert b"You have no subscriptions here." in manage.data
    with readers.app.app_context():  # nor any record of the mail she was sent
        assert list(db.session.scalars(select(ReaderMail))) == []


def test_export_leaves_subscriptions_and_addresses_out_without_with_emails(readers):
    readers.subscribe("ana@example.org", "all")
    runner = readers.app.test_cli_runner()
    plain = runner.invoke(args=["export", "--site", "demo"]).output
    assert "ana@example.org" not in plain and "notify" not in plain
    full = [json.loads(line) for line in
            runner.invoke(args=["export", "--site", "demo", "--with-emails"]).output.splitlines()]
    assert full[0]["email"] == "ana@example.org" and full[0]["notify"] == "all"


def test_forms_offer_the_box_only_where_reader_mail_is_on(readers):
    form = readers.client.get("/api/v1/sites/demo/articles/a/form").get_json()
    assert form["reader_notifications"] is True
    page = readers.client.get("/embed/demo/a").data
    assert b'name="notify" type="checkbox" value="replies"' in page
    assert b"Notify me of follow-up comments by email." in page
    readers.app.test_cli_runner().invoke(args=["site", "set", "demo",
                                               "--reader-notifications", "off"])
    assert readers.client.get("/api/v1/sites/demo/articles/a/form").get_json()[
        "reader_notifications"] is False
    assert b'name="notify"' not in readers.client.get("/embed/demo/a").data


def test_the_no_js_form_subscribes_with_the_box_ticked(readers):
    answer = readers.client.post("/api/v1/sites/demo/articles/a/comments", data={
        "name": "Ana", "email": "ana@example.org", "body": "Plain form",
        "notify": "replies", "return_to": "https://blog.example/a"})
    assert answer.status_code == 303
    readers.work()
    assert [s.scope for s in subscriptions_of(readers.app)] == ["replies"]
    assert "Confirm" in readers.mails_to("ana@example.org")[0].message["Subject"]


def test_a_refused_form_keeps_the_ticked_box(readers):
    answer = readers.client.post("/api/v1/sites/demo/articles/a/comments", data={
        "name": "", "email": "ana@example.org", "body": "Plain form",
        "notify": "replies", "return_to": "https://blog.example/a"})
    assert answer.status_code == 422
    assert b'name="notify" type="checkbox" value="replies" checked' in answer.data


def test_an_unconfirmed_subscription_is_gone_after_seven_days(readers):
    readers.post("ana@example.org", notify="replies")
    readers.work()
    manage = local(link(readers.mails_to("ana@example.org")[0], "/subscriptions/manage/"))
    assert b"Replies to your comment on hello-world" in readers.client.get(manage).data
    with readers.app.app_context():
        db.session.execute(update(Subscription).values(
            created_at=utcnow() - dt.timedelta(days=7, minutes=1)))
        db.session.commit()
    assert b"You have no subscriptions here." in readers.client.get(manage).data
    readers.post("ana@example.org", notify="all", article="later")
    assert [s.scope for s in subscriptions_of(readers.app)] == ["all"]
