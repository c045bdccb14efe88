"""The review page's newsroom controls over HTTP (issue 17): the Reported tab, Ban author…,
the bans page, Reply as staff and pins, as plain forms; mistakes answered in place."""

from __future__ import annotations

import re

import pytest

from commentsvc.extensions import db
from commentsvc.models import Comment

from . import moderating
from .moderating import auth
from .test_review_page import login

desk = moderating.desk  # sites demo (no pre-moderation) and other; ana moderates demo


def report(client, cid, reason, note=None, ip="198.51.100.1"):
    answer = client.post(f"/api/v1/comments/{cid}/flags",
                         json={"reason": reason, **({"note": note} if note else {})},
                         environ_base={"REMOTE_ADDR": ip})
    assert answer.status_code == 202, answer.json


def form(client, csrf, url, **data):
    return client.post(url, data={"csrf_token": csrf, "tab": "approved", **data})


def test_the_reported_tab_shows_reasons_notes_and_settles_on_a_decision(actions, client, desk):
    quiet = actions.post(body="Nobody minds this").json["id"]
    rude = actions.post(body="Rude words", email="rude@example.org").json["id"]
    report(client, rude, "offensive", "Insults the author", ip="198.51.100.1")
    report(client, rude, "offensive", ip="198.51.100.2")
    report(client, rude, "spam", "Links to a shop", ip="198.51.100.3")
    csrf = login(client, desk)
    page = client.get("/moderate/?status=reported").data.decode()
    assert re.search(r'data-count="reported">1<', page)
    assert f'data-id="{rude}"' in page and f'data-id="{quiet}"' not in page
    assert "Reported by 3 readers" in page and "Offensive (2), Spam (1)" in page
    assert "Insults the author" in page and "Links to a shop" in page
    # Three reports sent it back to pending: the card offers Approve, which settles them.
    answer = client.post(f"/moderate/comments/{rude}/status",
                         data={"status": "approved", "tab": "reported", "csrf_token": csrf})
    assert answer.status_code == 303 and answer.location.endswith("/moderate/?status=reported")
    after = client.get("/moderate/?status=reported").data.decode()
    assert f'data-id="{rude}"' not in after and re.search(r'data-count="reported">0<', after)


def test_a_reported_comment_still_published_can_be_kept(actions, client, desk):
    cid = actions.post(body="Fine words").json["id"]
    report(client, cid, "other", "I disagree")
    csrf = login(client, desk)
    page = client.get("/moderate/?status=reported").data.decode()
    assert "Reported by 1 reader:" in page and "Keep published" in page
    client.post(f"/moderate/comments/{cid}/status",
                data={"status": "approved", "tab": "reported", "csrf_token": csrf})
    assert actions.queue(desk, flagged="1").json["items"] == []
    assert actions.thread().json["count"] == 1


def test_ban_author_from_a_card_without_seeing_the_address(actions, client, desk):
    troll = actions.post(body="Buy now", email="troll@spam.example").json["id"]
    csrf = login(client, desk)
    page = client.get("/moderate/?status=approved").data.decode()
    assert "Ban author…" in page and "troll@spam.example" not in page
    answer = form(client, csrf, f"/moderate/comments/{troll}/ban", kind="email", days="30",
                  mode="shadow", reason="Spams every article")
    assert answer.status_code == 303
    notice = client.get(answer.location).data.decode()
    assert f"The author of comment {troll} is banned." in notice
    again = actions.post(body="Buy more", email="troll@spam.example")
    assert again.status_code == 202  # answered as a held comment
    assert [i["body"] for i in actions.queue(desk, status="spam").json["items"]] == ["Buy more"]
    bans = client.get("/moderate/bans").data.decode()
    assert "t•••@spam.example" in bans and "go to spam unseen (shadow)" in bans
    assert "Spams every article" in bans and "troll@spam.example" not in bans
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT\d\d:\d\dZ\">", bans)


def statuses(actions, ids):
    with actions.app.app_context():
        return [db.session.get(Comment, cid).status for cid in ids]


@pytest.mark.parametrize("ticked", [True, False])
def test_ban_author_can_also_reject_all_their_comments_on_the_site(actions, client, desk,
                                                                   ticked):
    troll = [actions.post(body=f"Buy now {i}", email="troll@spam.example").json["id"]
             for i in range(3)]
    actions.moderate(desk, troll[1], status="pending")
    elsewhere = actions.post(site="other", body="Buy there", email="troll@spam.example")
    bystander = actions.post(body="A fair point", email="fair@example.org").json["id"]
    csrf = login(client, desk)
    page = client.get("/moderate/?status=approved").data.decode()
    assert "Also reject all their comments on this site" in page
    assert 'name="reject_all" value="1">' in page  # not ticked by default
    answer = form(client, csrf, f"/moderate/comments/{troll[0]}/ban", kind="email", days="30",
                  mode="reject", reason="Spam run", **({"reject_all": "1"} if ticked else {}))
    assert answer.status_code == 303
    notice = client.get(answer.location).data.decode()
    assert "troll@spam.example" not in notice
    assert actions.post(body="Buy later", email="troll@spam.example").status_code == 403
    assert client.get("/moderate/bans").data.decode().count('id="ban-') == 1
    if ticked:
        assert (f"The author of comment {troll[0]} is banned; 3 of their comments are now "
                "rejected.") in notice
        assert statuses(actions, troll) == ["rejected"] * 3
    else:
        assert f"The author of comment {troll[0]} is banned.</" in notice
        assert statuses(actions, troll) == ["approved", "pending", "approved"]
    assert statuses(actions, [elsewhere.json["id"], bystander]) == ["pending", "approved"]


def test_reject_all_from_the_ban_form_answers_the_pages_script(actions, client, desk):
    troll = actions.post(body="Buy now", email="troll@spam.example").json["id"]
    csrf = login(client, desk)
    answer = client.post(f"/moderate/comments/{troll}/ban",
                         data={"kind": "ip", "days": "", "mode": "shadow", "reject_all": "1"},
                         headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json["message"] == (f"The author of comment {troll} is banned; 1 of their "
                                      "comments is now rejected.")
    assert answer.json["counts"]["rejected"] == 1 and answer.json["counts"]["approved"] == 0
    assert answer.json["rejected"] == [troll]  # the script takes that card off the tab


def test_lift_a_ban_from_the_bans_page(actions, client, desk):
    troll = actions.post(body="Buy now", email="troll@spam.example").json["id"]
    made = client.post("/api/v1/moderation/sites/demo/bans",
                       json={"kind": "domain", "comment_id": troll}, headers=auth(desk)).json
    csrf = login(client, desk)
    page = client.get("/moderate/bans").data.decode()
    assert f'id="ban-{made["id"]}"' in page and "s•••.example" in page and "no end" in page
    assert actions.post(body="again", email="other@spam.example").status_code == 403
    answer = client.post(f"/moderate/bans/{made['id']}/lift", data={"csrf_token": csrf})
    assert answer.status_code == 303 and answer.location.endswith("/moderate/bans")
    after = client.get(answer.location).data.decode()
    assert "The ban is lifted." in after and "No bans in force." in after
    assert actions.post(body="again", email="other@spam.example").status_code == 201


@pytest.mark.parametrize("data, field, says", [
    ({"kind": "email", "days": "0", "mode": "reject"}, "days", "Days (empty: no end): must be"),
    ({"kind": "email", "days": "ten", "mode": "reject"}, "days", "whole number of days"),
    ({"kind": "email", "days": "5000", "mode": "reject"}, "days", "1-3650"),
    ({"kind": "name", "days": "", "mode": "reject"}, "kind", "Ban by: must be one of"),
    ({"kind": "email", "days": "", "mode": "loud"}, "mode", "Their next comments: must be"),
    ({"kind": "ip", "days": "", "mode": "reject", "reason": "x" * 501}, "reason",
     "Reason: must be at most 500 characters"),
])
def test_a_bad_ban_is_answered_in_place_naming_the_field(actions, client, desk, data, field,
                                                          says):
    troll = actions.post(body="Buy now", email="troll@spam.example").json["id"]
    csrf = login(client, desk)
    answer = form(client, csrf, f"/moderate/comments/{troll}/ban", **data)
    page = answer.data.decode()
    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert says in page and f"Comment {troll}: nothing was done." in page
    assert 'data-tool="ban" open' in page and 'aria-invalid="true"' in page
    assert "Log out" in page  # the queue itself, not an error page
    assert client.get("/moderate/bans").data.decode().count('id="ban-') == 0


def test_a_ban_on_a_comment_without_an_address_names_the_comment(actions, client, desk):
    cid = actions.post(body="From a form without IP").json["id"]
    csrf = login(client, desk)
    with actions.app.app_context():  # as an imported comment: no network was recorded
        db.session.get(Comment, cid).ip_prefix = None
        db.session.commit()
    answer = form(client, csrf, f"/moderate/comments/{cid}/ban", kind="ip", days="", mode="reject")
    assert answer.status_code == 422
    assert "Ban author: this comment has no IP address to ban" in answer.data.decode()


def test_reply_as_staff_publishes_at_once_with_the_badge(actions, client, desk):
    cid = actions.post(name="Bo", body="When is the council vote?").json["id"]
    csrf = login(client, desk)
    answer = form(client, csrf, f"/moderate/comments/{cid}/reply",
                  body="Thursday at 7 pm; we will cover it live.")
    assert answer.status_code == 303
    assert "Your staff reply to comment" in client.get(answer.location).data.decode()
    top = actions.thread().json["comments"][0]
    assert [(r["author"]["name"], r["staff"]) for r in top["replies"]] == [("Ana, Newsdesk", True)]
    assert "Thursday at 7 pm" in top["replies"][0]["body_html"]
    page = client.get("/moderate/?status=approved").data.decode()
    assert '<span class="badge">Staff</span>' in page


@pytest.mark.parametrize("body, says", [("", "Reply as staff: is required"),
                                        ("   \n ", "Reply as staff: is required"),
                                        ("x" * 5001, "Reply as staff: must be at most")])
def test_an_empty_or_long_staff_reply_is_answered_in_place(actions, client, desk, body, says):
    cid = actions.post().json["id"]
    csrf = login(client, desk)
    answer = form(client, csrf, f"/moderate/comments/{cid}/reply", body=body)
    page = answer.data.decode()
    assert answer.status_code == 422 and says in page
    assert 'data-tool="reply" open' in page and "autofocus" in page
    assert actions.thread().json["count"] == 1


def test_a_staff_reply_to_a_held_comment_is_refused_in_place(actions, client, desk):
    cid = actions.post().json["id"]
    actions.moderate(desk, cid, status="pending")
    csrf = login(client, desk)
    answer = form(client, csrf, f"/moderate/comments/{cid}/reply", body="Thanks")
    assert answer.status_code == 409
    assert "Reply as staff: Approve the comment before replying to it." in answer.data.decode()


def test_pin_and_unpin_from_a_card_and_the_limits_named(actions, client, desk):
    ids = [actions.post(body=f"pick {i}", email=f"p{i}@example.org").json["id"] for i in range(6)]
    child = actions.post(body="a reply", parent_id=ids[0], email="c@example.org").json["id"]
    csrf = login(client, desk)
    page = client.get("/moderate/?status=approved").data.decode()
    assert page.count("Pin as editors' pick</button>") == 6  # top-level cards only
    for cid in ids[:5]:
        assert form(client, csrf, f"/moderate/comments/{cid}/pin", pinned="1").status_code == 303
    sixth = form(client, csrf, f"/moderate/comments/{ids[5]}/pin", pinned="1")
    assert sixth.status_code == 422
    assert "at most 5 comments per article can be pinned" in sixth.data.decode()
    on_reply = form(client, csrf, f"/moderate/comments/{child}/pin", pinned="1")
    assert on_reply.status_code == 422
    assert "only top-level comments can be pinned" in on_reply.data.decode()
    assert form(client, csrf, f"/moderate/comments/{ids[0]}/pin", pinned="0").status_code == 303
    shown = actions.thread().json["comments"]
    assert [c["id"] for c in shown if c["pinned"]] == ids[1:5]
    assert client.get("/moderate/?status=approved").data.decode().count(">Unpin</button>") == 4


def test_the_tools_need_the_csrf_token_and_stay_on_ones_own_sites(actions, client, desk):
    mine = actions.post().json["id"]
    theirs = actions.post(site="other").json["id"]
    csrf = login(client, desk)
    for tool, data in (("pin", {"pinned": "1"}), ("reply", {"body": "hi"}),
                       ("ban", {"kind": "email", "mode": "reject"})):
        assert client.post(f"/moderate/comments/{mine}/{tool}", data=data).status_code == 403
        answer = form(client, csrf, f"/moderate/comments/{theirs}/{tool}", **data)
        assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert client.get("/moderate/bans?site=other").status_code == 403
    assert actions.thread().json["comments"][0]["pinned"] is False


def test_the_bans_page_needs_a_login(client, desk):
    assert client.get("/moderate/bans").status_code == 302
    assert client.post("/moderate/bans/1/lift", data={}).status_code == 403


def test_keep_published_is_offered_in_the_reported_tab_only(actions, client, desk):
    cid = actions.post(body="Fine words").json["id"]
    report(client, cid, "other")
    login(client, desk)
    approved = client.get("/moderate/?status=approved").data.decode()
    assert "Reported by 1 reader:" in approved and "Keep published" not in approved
    assert "Keep published" in client.get("/moderate/?status=reported").data.decode()


def test_the_pages_script_gets_json_answers_from_the_tools(actions, client, desk):
    ids = [actions.post(body=f"pick {i}", email=f"p{i}@example.org").json["id"] for i in range(6)]
    for cid in ids[:5]:
        actions.moderate(desk, cid, pinned=True)
    csrf = login(client, desk)
    fetch = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    refused = client.post(f"/moderate/comments/{ids[5]}/pin", data={"pinned": "1"}, headers=fetch)
    assert refused.status_code == 422 and "at most 5" in refused.json["fields"]["pinned"]
    freed = client.post(f"/moderate/comments/{ids[0]}/pin", data={"pinned": "0"}, headers=fetch)
    assert freed.status_code == 200
    assert freed.json["message"] == f"Comment {ids[0]} is no longer pinned."
    assert freed.json["counts"]["approved"] == 6
    empty = client.post(f"/moderate/comments/{ids[0]}/reply", data={"body": ""}, headers=fetch)
    assert empty.status_code == 422 and empty.json["fields"] == {"body": "is required"}
