"""Notifications: the outbox row on submit, the worker's mail, outages, 4xx and 5xx, injection."""

from __future__ import annotations

import datetime as dt
import select as select_module
import time
import typing as t

import pytest
from sqlalchemy import select

from commentsvc import notify
from commentsvc.extensions import db
from commentsvc.models import Article, Comment, OutboxMessage, Site, utcnow
from commentsvc.notify import mail, outbox, worker

from .notify_servers import silent_listener, smtp_server
from .servers import free_port

PUBLIC = "https://comments.example.org"


def setup_people(actions: t.Any, **emails: str | None) -> None:
    """Sites demo and other; moderators by name, each given an address unless None."""
    actions.site("demo")
    actions.site("other")
    runner = actions.app.test_cli_runner()
    for name, address in emails.items():
        args = ["moderator", "add", name]
        args += ["--admin"] if name.startswith("admin") else (
            ["--site", "other"] if name.startswith("other") else ["--site", "demo"])
        if address:
            args += ["--email", address]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output


def run_worker(app: t.Any, now: dt.datetime | None = None) -> dict[str, int]:
    with app.app_context():
        return dict(worker.run_once(now))


def outbox_rows(app: t.Any) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def mail_rows(app: t.Any) -> list[OutboxMessage]:
    return [r for r in outbox_rows(app) if r.kind == "mail"]


def test_a_held_comment_adds_one_outbox_row_and_the_request_never_talks_to_smtp(app_factory):
    with silent_listener() as smtp:
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{smtp.getsockname()[1]}",
                          NOTIFY_SMTP_TIMEOUT=10)
        from .conftest import Actions

        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        started = time.monotonic()
        response = actions.post()
        elapsed = time.monotonic() - started
        assert response.status_code == 202
        assert elapsed < 3  # a greeting-less SMTP server would have held it for 10 s
        waiting, _, _ = select_module.select([smtp], [], [], 0)
        assert waiting == [], "the request connected to the SMTP server"
    [row] = outbox_rows(app)
    assert (row.kind, row.payload, row.attempts) == ("held", {"comment_id": response.json["id"]}, 0)


@pytest.mark.parametrize(
    ("config", "moderation", "expect_rows"),
    [
        ({}, "all", 0),  # notifications off: no SMTP_URL, no webhook
        ({"SMTP_URL": "smtp://127.0.0.1:1"}, "none", 0),  # published at once: nothing to do
        ({"SMTP_URL": "smtp://127.0.0.1:1"}, "all", 1),
    ],
)
def test_rows_only_for_held_comments_when_notifications_are_on(app_factory, config, moderation,
                                                                expect_rows):
    from .conftest import Actions

    app = app_factory(**config)
    actions = Actions(app, app.test_client())
    actions.site("demo", moderation=moderation)
    assert actions.post().status_code in (201, 202)
    assert len(outbox_rows(app)) == expect_rows


def test_spam_is_not_announced(app_factory):
    from .conftest import Actions

    app = app_factory(SMTP_URL="smtp://127.0.0.1:1")
    actions = Actions(app, app.test_client())
    actions.site("demo")
    assert actions.post(fax="buy now").status_code == 202
    assert outbox_rows(app) == []


def test_worker_mails_every_moderator_of_the_site_with_an_address(app_factory):
    from .conftest import Actions

    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", PUBLIC_URL=PUBLIC,
                          MAIL_FROM="Comments <comments@example.org>")
        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org", admin="boss@example.org",
                     other="other@example.org", quiet=None, gone="gone@example.org")
        assert app.test_cli_runner().invoke(args=["moderator", "revoke", "gone"]).exit_code == 0
        body = "Nice <script>alert(1)</script> & <b>bold</b> words"
        cid = actions.post(name="Ana Smith", email="ana.smith@example.org", body=body,
                           url="https://ana.example").json["id"]
        tally = run_worker(app)
    assert tally == {"sent": 3}  # the held row, then two mails
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == ["boss@example.org", "mod@example.org"]
    got = next(r for r in inbox.received if r.rcpt_tos == ["mod@example.org"])
    message = got.message
    assert message["From"] == "Comments <comments@example.org>"
    assert "Ana Smith" in message["Subject"] and "hello-world" in message["Subject"]
    plain, html = got.part("plain"), got.part("html")
    for text in (plain, html):
        assert "a•••@example.org" in text
        assert "ana.smith@example.org" not in text
        assert "hello-world" in text and "https://ana.example" in text
    assert body in plain
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Spam score: 0.10 (no form token)" in plain  # a JSON post without a form token
    for action in ("approve", "reject", "spam"):
        assert got.link(action).startswith(f"{PUBLIC}/moderate/mail/")
    assert len({got.link(a) for a in ("approve", "reject", "spam")}) == 3
    rows = outbox_rows(app)
    assert all(r.sent_at is not None and r.failed_at is None for r in rows)
    assert {r.payload.get("comment_id") for r in rows} == {cid}


def test_spam_score_and_reasons_are_in_the_mail_escaped(app_factory):
    from .conftest import Actions

    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        actions.post()
        with app.app_context():  # as the spam checks would have scored it
            comment = db.session.scalars(select(Comment)).one()
            comment.spam_score = 0.42
            comment.spam_reasons = ["3 links", "moderation word <casino>"]
            db.session.commit()
        run_worker(app)
    plain, html = inbox.received[0].part("plain"), inbox.received[0].part("html")
    assert "Spam score: 0.42 (3 links, moderation word <casino>)" in plain
    assert "0.42 (3 links, moderation word &lt;casino&gt;)" in html


def test_smtp_down_then_back_delivers_everything(app_factory):
    from .conftest import Actions

    port = free_port()  # nothing listens here yet
    app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", NOTIFY_RETRY_BASE_SECONDS=60)
    actions = Actions(app, app.test_client())
    setup_people(actions, mod="mod@example.org")
    for i in range(3):
        assert actions.post(body=f"comment {i}").status_code == 202
    assert all(r.kind == "held" for r in outbox_rows(app))
    now = utcnow()
    assert run_worker(app, now) == {"sent": 3, "retry": 3}  # fanned out; three mails wait
    waiting = mail_rows(app)
    assert len(waiting) == 3
    for row in waiting:
        assert row.sent_at is None and row.failed_at is None and row.attempts == 1
        assert "unreachable" in (row.last_error or "")
        assert row.next_attempt_at == now + dt.timedelta(seconds=60)
    # Still down a minute later: the next wait doubles.
    later = now + dt.timedelta(seconds=61)
    assert run_worker(app, later) == {"retry": 3}
    assert all(r.next_attempt_at == later + dt.timedelta(seconds=120) for r in mail_rows(app))
    assert run_worker(app, later) == {}  # nothing due before the backoff ends
    with smtp_server(port) as (inbox, _):
        assert run_worker(app, later + dt.timedelta(seconds=121)) == {"sent": 3}
    assert len(inbox.received) == 3
    bodies = sorted(r.part("plain").split("-" * 70)[1].strip() for r in inbox.received)
    assert bodies == ["comment 0", "comment 1", "comment 2"]
    assert all(r.sent_at is not None and r.attempts == 3 for r in mail_rows(app))


@pytest.mark.parametrize(
    ("reply", "state"),
    [("451 4.3.0 try again later", "retry"), ("550 5.7.1 refused for policy", "failed")],
)
def test_smtp_4xx_is_retried_and_5xx_is_given_up_and_shown(app_factory, caplog, reply, state):
    from .conftest import Actions

    with smtp_server(reply=reply) as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        actions.post()
        assert run_worker(app) == {"sent": 1, state: 1}
    logged = [r for r in caplog.records if r.name == "commentsvc.notify.worker"]
    assert [r.levelname for r in logged] == ["ERROR" if state == "failed" else "WARNING"]
    assert reply.split()[0] in logged[0].getMessage()
    [row] = mail_rows(app)
    assert reply.split()[0] in (row.last_error or "")
    if state == "retry":
        assert row.failed_at is None and row.next_attempt_at > utcnow()
    else:
        assert row.failed_at is not None
    listing = app.test_cli_runner().invoke(args=["outbox"])
    assert listing.exit_code == 0
    pending, failed = (1, 0) if state == "retry" else (0, 1)
    assert f"pending {pending}  failed {failed}  sent 1" in listing.output
    line = next(x for x in listing.output.splitlines() if x.startswith(f"{row.id}\t"))
    assert ("failed" if state == "failed" else "pending") in line and reply.split()[0] in line


def test_a_given_up_message_can_be_put_back_and_then_delivered(app_factory):
    from .conftest import Actions

    with smtp_server(reply="550 no such user") as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        actions.post()
        run_worker(app)
        [row] = mail_rows(app)
        assert row.failed_at is not None
        inbox.reply = None  # the operator fixed the mailbox
        result = app.test_cli_runner().invoke(args=["outbox", "--retry", str(row.id)])
        assert result.exit_code == 0 and "1 message(s) queued again" in result.output
        assert run_worker(app) == {"sent": 1}
    assert len(inbox.received) == 1


def test_mail_is_not_sent_for_a_comment_moderated_before_the_worker_ran(app_factory):
    from .conftest import Actions

    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        token = actions.moderator("api", "demo")
        cid = actions.post().json["id"]
        assert actions.moderate(token, cid, status="approved").status_code == 200
        assert run_worker(app) == {"sent": 1, "skipped": 1}
    assert inbox.received == []
    [row] = mail_rows(app)
    assert row.last_error == "skipped: the comment is approved already"


def test_header_injection_through_a_stored_name_is_impossible(app_factory):
    """Validation refuses control characters; a row written some other way is still harmless."""
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        from .conftest import Actions

        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        evil = "Eve\r\nBcc: victim@evil.example\r\nX-Injected: yes\u2028Cc: b@evil.example"
        with app.app_context():
            site = db.session.scalars(select(Site).where(Site.key == "demo")).one()
            article = Article(site_id=site.id, key="a\r\nBcc: c@evil.example")
            db.session.add(article)
            db.session.flush()
            comment = Comment(article_id=article.id, status="pending", author_name=evil,
                              body="hi\r\n.\r\nMAIL FROM:<x@evil.example>", body_html="<p>hi</p>")
            db.session.add(comment)
            db.session.flush()
            notify.queue_held(comment, site)
            db.session.commit()
        assert run_worker(app) == {"sent": 2}
    [got] = inbox.received
    assert got.rcpt_tos == ["mod@example.org"]
    headers = {k.lower() for k in got.message.keys()}
    assert not headers & {"bcc", "cc", "x-injected"}
    subject = got.message["Subject"]
    assert "\r" not in subject and "\n" not in subject and "\u2028" not in subject
    assert subject.startswith("[demo] Comment by Eve Bcc: victim@evil.example")
    assert "MAIL FROM:<x@evil.example>" in got.part("plain")  # in the body, dot-stuffed, inert


def test_a_header_with_a_line_break_is_refused_by_the_message_itself():
    message = mail.EmailMessage()
    with pytest.raises(ValueError):
        message["Subject"] = "hello\r\nBcc: x@evil.example"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", mail.SmtpSettings("mail.example", 25, "plain")),
        ("smtp://127.0.0.1:2525", mail.SmtpSettings("127.0.0.1", 2525, "plain")),
        ("smtp+starttls://u%40x:p%3Aw@mail.example",
         mail.SmtpSettings("mail.example", 587, "starttls", "u@x", "p:w")),
        ("smtps://user:pw@mail.example:1465",
         mail.SmtpSettings("mail.example", 1465, "tls", "user", "pw")),
    ],
)
def test_smtp_url_forms(url, expected):
    assert mail.parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25", ""])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(ValueError):
        mail.parse_smtp_url(url)


def test_a_bad_smtp_url_gives_the_mail_up_with_a_reason(app_factory):
    from .conftest import Actions

    app = app_factory(SMTP_URL="http://not-smtp.example")
    actions = Actions(app, app.test_client())
    setup_people(actions, mod="mod@example.org")
    actions.post()
    assert run_worker(app) == {"sent": 1, "failed": 1}
    [row] = mail_rows(app)
    assert "SMTP_URL must start with" in (row.last_error or "")


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (50, 3600)],
)
def test_backoff_doubles_up_to_the_cap(app, attempts, seconds):
    with app.app_context():
        assert outbox.backoff(attempts) == dt.timedelta(seconds=seconds)


def test_moderator_email_is_validated(actions, runner):
    actions.site("demo")
    bad = runner.invoke(args=["moderator", "add", "x", "--site", "demo", "--email", "not-an-email"])
    assert bad.exit_code == 2 and "not an email address" in bad.output
    good = runner.invoke(args=["moderator", "add", "y", "--site", "demo", "--email",
                               "Y@Example.ORG"])
    assert good.exit_code == 0


def test_a_stored_moderator_address_with_a_line_break_sends_nothing(app_factory):
    from commentsvc.models import Moderator

    from .conftest import Actions

    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}")
        actions = Actions(app, app.test_client())
        setup_people(actions, mod="mod@example.org")
        with app.app_context():  # written around the validation of `moderator add --email`
            moderator = db.session.scalars(select(Moderator)).one()
            moderator.email = "mod@example.org\r\nBcc: victim@evil.example"
            db.session.commit()
        assert actions.post().status_code == 202
        assert run_worker(app) == {"sent": 1, "failed": 1}
    assert inbox.received == []
    [row] = mail_rows(app)
    assert "linefeed or carriage return" in (row.last_error or "")
