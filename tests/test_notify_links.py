"""One-click links in moderator mail: GET confirms and changes nothing, POST acts once."""

from __future__ import annotations

import datetime as dt
import re
import typing as t

import pytest
from sqlalchemy import select

from commentsvc import i18n
from commentsvc.extensions import db
from commentsvc.models import Comment, ModerationEvent, Moderator, utcnow
from commentsvc.notify import links, worker
from commentsvc.privacy import signer

from .conftest import Actions
from .notify_servers import Received, smtp_server

PUBLIC = "https://comments.example.org"


@pytest.fixture
def mailed(app_factory: t.Any) -> t.Iterator[tuple[Actions, Received, int]]:
    """A held comment on demo, mailed to moderator mod; yields (actions, mail, comment id)."""
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", PUBLIC_URL=PUBLIC)
        actions = Actions(app, app.test_client())
        actions.site("demo")
        result = app.test_cli_runner().invoke(
            args=["moderator", "add", "mod", "--site", "demo", "--email", "mod@example.org"])
        assert result.exit_code == 0, result.output
        cid = actions.post(name="Ana", body="Please approve me").json["id"]
        with app.app_context():
            worker.run_once()
        [mail] = inbox.received
        yield actions, mail, cid


def path_of(link: str) -> str:
    assert link.startswith(PUBLIC)
    return link[len(PUBLIC):]


def status_of(actions: Actions, cid: int) -> str:
    with actions.app.app_context():
        return t.cast(str, db.session.get(Comment, cid).status)


def signed(app: t.Any, cid: int, action: str, ago: dt.timedelta = dt.timedelta(0)) -> str:
    """A mail link's token for the comment, signed `ago` by the one moderator."""
    with app.app_context():
        comment = db.session.get(Comment, cid)
        moderator = db.session.scalars(select(Moderator)).one()
        return links.sign(comment, moderator, action, now=utcnow() - ago)


def hidden_token(html: str) -> str:
    found = re.search(r'<input type="hidden" name="token" value="([^"]+)">', html)
    assert found, html
    return found.group(1)


def test_get_confirms_post_approves_then_the_link_is_dead(mailed):
    actions, mail, cid = mailed
    client = actions.client
    path = path_of(mail.link("approve"))
    for _ in range(2):  # a mail scanner and then the moderator
        page = client.get(path)
        assert page.status_code == 200
        assert page.mimetype == "text/html"
        assert "Approve this comment?" in page.text and "Please approve me" in page.text
        assert status_of(actions, cid) == "pending"
    assert actions.thread().json["count"] == 0
    token = hidden_token(page.text)
    assert 'action="/moderate/mail/"' in page.text and token not in page.text.split("<form")[0]
    done = client.post("/moderate/mail/", data={"token": token})
    assert done.status_code == 200 and "Comment approved" in done.text
    assert status_of(actions, cid) == "approved"
    assert actions.thread().json["count"] == 1
    with actions.app.app_context():
        event = db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.comment_id == cid,
                                          ModerationEvent.action == "status")).one()
        assert (event.actor, event.from_status, event.to_status, event.reason) == (
            "mod", "pending", "approved", "one-click mail link")
    # Every link of that mail is dead now, for GET and POST alike.
    for action in ("approve", "reject", "spam"):
        again = client.get(path_of(mail.link(action)))
        assert again.status_code == 410 and "moderated since" in again.text
    replay = client.post("/moderate/mail/", data={"token": token})
    assert replay.status_code == 410
    assert status_of(actions, cid) == "approved"


@pytest.mark.parametrize(("action", "status"), [("reject", "rejected"), ("spam", "spam")])
def test_reject_and_spam_links(mailed, action, status):
    actions, mail, cid = mailed
    page = actions.client.get(path_of(mail.link(action)))
    assert page.status_code == 200
    done = actions.client.post("/moderate/mail/", data={"token": hidden_token(page.text)})
    assert done.status_code == 200
    assert status_of(actions, cid) == status


def test_the_token_in_the_url_alone_does_not_act(mailed):
    actions, mail, cid = mailed
    path = path_of(mail.link("approve"))
    assert actions.client.post(path).status_code == 405
    empty = actions.client.post("/moderate/mail/", data={})
    assert empty.status_code == 400 and "no link token" in empty.text
    assert status_of(actions, cid) == "pending"


def test_a_change_made_elsewhere_kills_the_link(mailed):
    actions, mail, cid = mailed
    token = actions.moderator("api", "demo")
    assert actions.moderate(token, cid, status="rejected").status_code == 200
    page = actions.client.get(path_of(mail.link("approve")))
    assert page.status_code == 410 and "rejected now" in page.text
    assert status_of(actions, cid) == "rejected"


def test_a_revoked_moderators_link_is_dead(mailed):
    actions, mail, cid = mailed
    assert actions.app.test_cli_runner().invoke(args=["moderator", "revoke", "mod"]).exit_code == 0
    path = path_of(mail.link("approve"))
    assert actions.client.get(path).status_code == 410
    token = path.rsplit("/", 1)[1]
    assert actions.client.post("/moderate/mail/", data={"token": token}).status_code == 410
    assert status_of(actions, cid) == "pending"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda tok: tok[:-2] + ("AA" if not tok.endswith("AA") else "BB"),  # signature broken
        lambda tok: "x" + tok,  # payload changed
        lambda tok: "not-a-token",
        lambda tok: "%00%ff<script>",
    ],
)
def test_forged_links_get_a_clear_400_page(mailed, mangle):
    actions, mail, cid = mailed
    token = mangle(path_of(mail.link("approve")).rsplit("/", 1)[1])
    for answer in (actions.client.get(f"/moderate/mail/{token}"),
                   actions.client.post("/moderate/mail/", data={"token": token})):
        assert answer.status_code == 400
        assert answer.mimetype == "text/html" and "This link is not valid" in answer.text
        assert "<script>" not in answer.text
    assert status_of(actions, cid) == "pending"


def test_a_link_signed_with_another_secret_is_forged(mailed, app_factory):
    actions, mail, cid = mailed
    token = signed(app_factory(SECRET_KEY="another-secret"), cid, "approve")
    assert actions.client.get(f"/moderate/mail/{token}").status_code == 400


@pytest.mark.parametrize("claims", [
    {"c": 1, "m": 1, "a": "approve", "t": 0},  # no bound status
    {"c": 1, "m": 1, "a": "approve", "s": 7, "t": 0},  # a status that is not a word
    {"c": 1, "m": 1, "a": "delete", "s": "pending", "t": 0},  # an action links never carry
    ["c", 1],
])
def test_a_genuine_signature_over_claims_we_never_make_is_forged(mailed, claims):
    actions, mail, cid = mailed
    with actions.app.app_context():
        now = int(utcnow().timestamp())
        if isinstance(claims, dict):
            claims = {**claims, "c": cid, "t": now}
            claims["m"] = db.session.scalars(select(Moderator.id)).one()
        token = signer(links.SALT).dumps(claims)
    for answer in (actions.client.get(f"/moderate/mail/{token}"),
                   actions.client.post("/moderate/mail/", data={"token": token})):
        assert answer.status_code == 400 and "not one this service makes" in answer.text
    assert status_of(actions, cid) == "pending"


@pytest.mark.parametrize(("hours_ago", "status"), [(1, 200), (71.9, 200), (72.1, 410), (500, 410)])
def test_links_expire_after_72_hours(mailed, hours_ago, status):
    actions, mail, cid = mailed
    token = signed(actions.app, cid, "approve", dt.timedelta(hours=hours_ago))
    page = actions.client.get(f"/moderate/mail/{token}")
    assert page.status_code == status
    posted = actions.client.post("/moderate/mail/", data={"token": token})
    assert posted.status_code == status
    assert status_of(actions, cid) == ("approved" if status == 200 else "pending")
    if status == 410:
        assert "expired" in page.text


def test_link_lifetime_follows_the_config(app_factory):
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", NOTIFY_LINK_HOURS=1)
        actions = Actions(app, app.test_client())
        actions.site("demo")
        app.test_cli_runner().invoke(args=["moderator", "add", "root", "--admin", "--email",
                                           "root@example.org"])
        cid = actions.post().json["id"]
        with app.app_context():
            worker.run_once()
        old = signed(app, cid, "spam", dt.timedelta(minutes=61))
        fresh = inbox.received[0].link("spam").split("/moderate/mail/")[1]
        assert "The links work for 1 hour and only" in inbox.received[0].part("plain")
        assert "work for 1 hour and only" in inbox.received[0].part("html")
    expired = actions.client.get(f"/moderate/mail/{old}")
    assert expired.status_code == 410 and "mail work for 1 hour. Use the review" in expired.text
    assert actions.client.get(f"/moderate/mail/{fresh}").status_code == 200


@pytest.mark.parametrize(("hours", "english", "german"), [
    (1, "work for 1 hour.", "gelten 1 Stunde."),
    (1.5, "work for 1.5 hours.", "gelten 1,5 Stunden."),
])
def test_an_expired_link_says_how_long_links_work_in_the_moderators_language(
        app_factory, hours, english, german):
    """"1 hour", not "1 hours"; a fractional setting; the unit in the answer's language, which
    is the one it is rendered in, not the one at hand where the link was refused."""
    app = app_factory(NOTIFY_LINK_HOURS=hours)
    actions = Actions(app, app.test_client())
    actions.site("demo")
    actions.moderator("mod", "demo")
    cid = actions.post().json["id"]
    token = signed(app, cid, "approve", dt.timedelta(hours=hours, minutes=1))
    with app.app_context(), pytest.raises(links.LinkExpired) as refused:  # no request: no
        links.verify(token)  # language yet
    assert str(refused.value.message).startswith(f"Links in notification mail {english} ")
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert i18n.translate_answer(refused.value.message, None)[0].startswith(
            f"Links in Benachrichtigungs-E-Mails {german} ")
    page = actions.client.get(f"/moderate/mail/{token}")
    assert page.status_code == 410 and f"Links in notification mail {english} Use" in page.text
    posted = actions.client.post("/moderate/mail/", data={"token": token},
                                 headers={"Accept-Language": "de"})
    assert posted.status_code == 410 and '<html lang="de" dir="ltr">' in posted.text
    assert f"Links in Benachrichtigungs-E-Mails {german} Moderiere" in posted.text
    assert status_of(actions, cid) == "pending"


def test_a_moderator_without_the_site_any_more_gets_a_dead_link(mailed):
    actions, mail, cid = mailed
    with actions.app.app_context():
        moderator = db.session.scalars(select(Moderator)).one()
        moderator.sites = []
        db.session.commit()
    assert actions.client.get(path_of(mail.link("approve"))).status_code == 410


def test_an_erased_comment_gives_a_dead_link(mailed):
    actions, mail, cid = mailed
    with actions.app.app_context():
        db.session.delete(db.session.get(Comment, cid))
        db.session.commit()
    page = actions.client.get(path_of(mail.link("approve")))
    assert page.status_code == 410 and "no longer exists" in page.text


def test_pages_are_not_cached_and_leak_no_referrer(mailed):
    actions, mail, cid = mailed
    page = actions.client.get(path_of(mail.link("approve")))
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_the_confirmation_page_escapes_the_comment(app_factory):
    with smtp_server() as (inbox, port):
        app = app_factory(SMTP_URL=f"smtp://127.0.0.1:{port}", PUBLIC_URL=PUBLIC)
        actions = Actions(app, app.test_client())
        actions.site("demo")
        app.test_cli_runner().invoke(args=["moderator", "add", "root", "--admin", "--email",
                                           "root@example.org"])
        actions.post(name="<img src=x onerror=alert(1)>", body="<script>alert(2)</script>")
        with app.app_context():
            worker.run_once()
        page = actions.client.get(path_of(inbox.received[0].link("approve")))
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page.text


@pytest.mark.parametrize(("lang", "asked", "done", "dead"), [
    ("de", "Diesen Kommentar als Spam markieren?", "Kommentar als Spam markiert",
     "Der Kommentar wurde seit dem Versand dieser E-Mail moderiert: Er ist jetzt spam."),
    ("ar", "وسم هذا التعليق كمزعج؟", "وُسم التعليق كمزعج",
     "رُوجع التعليق منذ إرسال هذه الرسالة: حالته الآن spam."),
])
def test_the_mail_link_page_speaks_the_moderators_language(mailed, lang, asked, done, dead):
    """The page a mail link opens, and the one a dead link answers, in the browser's language;
    the comment's own words stay as they were (and escaped)."""
    actions, mail, cid = mailed
    headers = {"Accept-Language": lang}
    page = actions.client.get(path_of(mail.link("spam")), headers=headers)
    rtl = "rtl" if lang == "ar" else "ltr"
    assert page.status_code == 200 and f'<html lang="{lang}" dir="{rtl}">' in page.text
    assert f"<title>{asked}</title>" in page.text and "<strong>Ana</strong>" in page.text
    acted = actions.client.post("/moderate/mail/", data={"token": hidden_token(page.text)},
                                headers=headers)
    assert acted.status_code == 200 and f"<h1>{done}</h1>" in acted.text
    again = actions.client.get(path_of(mail.link("approve")), headers=headers)
    assert again.status_code == 410 and dead in again.text
    assert "moderated since" not in again.text and "Open the review page" not in again.text


def test_the_mail_link_page_in_english_reads_as_before(mailed):
    actions, mail, cid = mailed
    page = actions.client.get(path_of(mail.link("spam")))
    assert "<title>Mark this comment as spam?</title>" in page.text
    assert (f"Comment #{cid} by <strong>Ana</strong> on <strong>hello-world</strong> (demo), "
            "now <strong>pending</strong>.") in page.text
