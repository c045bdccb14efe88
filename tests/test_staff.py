"""Staff replies (moderator-authenticated, badged) and editors' picks (pins)."""

from __future__ import annotations

import threading

from . import moderating
from .moderating import auth


def reply(client, token, cid, body="Thanks, we corrected the date."):
    return client.post(f"/api/v1/moderation/comments/{cid}/reply", json={"body": body},
                       headers=auth(token))


desk = moderating.desk  # sites demo (no pre-moderation) and other; ana moderates demo


def test_a_staff_reply_is_published_at_once_with_the_badge(actions, client, desk):
    cid = actions.post().json["id"]
    answer = reply(client, desk, cid)
    assert answer.status_code == 201
    assert answer.json["author"]["name"] == "Ana, Newsdesk" and answer.json["staff"] is True
    top = actions.thread().json["comments"][0]
    assert top["staff"] is False
    assert [(r["author"]["name"], r["staff"]) for r in top["replies"]] == [("Ana, Newsdesk", True)]


def test_a_public_submission_with_a_moderators_name_is_never_staff(actions, desk):
    answer = actions.post(name="Ana, Newsdesk", email="ana@newsroom.example")
    assert answer.json["comment"]["staff"] is False
    assert actions.thread().json["comments"][0]["staff"] is False


def test_reply_errors(actions, client, desk, runner):
    cid = actions.post().json["id"]
    assert reply(client, "nope", cid).status_code == 401
    outsider = actions.moderator("outsider", "other")
    refused = reply(client, outsider, cid)
    assert refused.status_code == 403
    for unknown in (999999, 2**40):  # the same answer as another site's comment: no oracle
        assert (reply(client, outsider, unknown).status_code, reply(client, desk, unknown).json) \
            == (403, refused.json)
    empty = reply(client, desk, cid, body="  ")
    assert empty.status_code == 422 and "body" in empty.json["fields"]
    long = reply(client, desk, cid, body="x" * 5001)
    assert long.status_code == 422 and "body" in long.json["fields"]
    runner.invoke(args=["site", "set", "demo", "--moderation", "all"])
    held = actions.post(body="held one").json["id"]
    assert reply(client, desk, held).status_code == 409  # approve it first
    admin = actions.moderator("root", admin=True)
    assert reply(client, admin, 999999).status_code == 404  # an admin is told it is not there
    assert reply(client, admin, cid).json["author"]["name"] == "root"  # no display name


def test_display_name_too_long_is_refused_by_the_cli(actions, runner):
    actions.site("demo")
    result = runner.invoke(args=["moderator", "add", "bo", "--site", "demo",
                                 "--display-name", "x" * 101])
    assert result.exit_code != 0 and "display name" in result.output


def pin(actions, token, cid, value=True):
    return actions.moderate(token, cid, pinned=value)


def test_pins_come_first_on_page_1_oldest_pin_first(actions, desk):
    ids = [actions.post(body=f"comment {n}", email=f"p{n}@example.org").json["id"]
           for n in range(5)]
    first = actions.thread(per_page=2).json
    assert pin(actions, desk, ids[3]).status_code == 200
    assert pin(actions, desk, ids[1]).json["pinned"] is True
    page1 = actions.thread(per_page=2).json
    assert [c["id"] for c in page1["comments"]] == [ids[3], ids[1]]
    assert [c["pinned"] for c in page1["comments"]] == [True, True]
    page2 = actions.thread(per_page=2, page=2).json["comments"]
    assert [c["id"] for c in page2] == [ids[0], ids[2]]
    newest = actions.thread(order="newest").json["comments"]
    assert [c["id"] for c in newest] == [ids[3], ids[1], ids[4], ids[2], ids[0]]
    assert first["comments"][0]["id"] == ids[0]


def test_a_pin_moves_the_etag_on(actions, client, desk):
    cid = actions.post().json["id"]
    url = "/api/v1/sites/demo/articles/hello-world/comments"
    etag = client.get(url).headers["ETag"]
    pin(actions, desk, cid)
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.json["comments"][0]["pinned"] is True
    pin(actions, desk, cid, False)
    assert client.get(url).json["comments"][0]["pinned"] is False


def test_pin_rules_name_the_field(actions, client, desk, runner):
    cid = actions.post().json["id"]
    child = actions.post(body="a reply", parent_id=cid).json["id"]
    on_reply = pin(actions, desk, child)
    assert on_reply.status_code == 422 and "pinned" in on_reply.json["fields"]
    ids = [actions.post(body=f"c{n}", email=f"q{n}@example.org").json["id"] for n in range(6)]
    for n in range(5):
        assert pin(actions, desk, ids[n]).status_code == 200
    sixth = pin(actions, desk, ids[5])
    assert sixth.status_code == 422 and "pinned" in sixth.json["fields"]
    assert pin(actions, desk, ids[0], False).status_code == 200
    assert pin(actions, desk, ids[5]).status_code == 200  # a place is free again
    bad = actions.moderate(desk, cid, pinned="yes")
    assert bad.status_code == 422 and "pinned" in bad.json["fields"]
    runner.invoke(args=["site", "set", "demo", "--moderation", "all"])
    held = actions.post(body="held", email="h@example.org").json["id"]
    not_public = pin(actions, desk, held)
    assert not_public.status_code == 422 and "pinned" in not_public.json["fields"]


def test_pin_permissions(actions, desk):
    cid = actions.post().json["id"]
    outsider = actions.moderator("outsider", "other")
    assert pin(actions, outsider, cid).status_code == 403
    assert pin(actions, "nope", cid).status_code == 401
    admin = actions.moderator("root", admin=True)
    assert pin(actions, admin, cid).status_code == 200


def test_the_no_javascript_page_shows_staff_and_editors_picks(actions, desk):
    cid = actions.post(name="Reader").json["id"]
    reply(actions.client, desk, cid)
    pin(actions, desk, cid)
    html = actions.client.get("/embed/demo/hello-world").get_data(as_text=True)
    assert html.count('<span class="commentsvc-staff">Staff</span>') == 1
    assert html.count("<span class=\"commentsvc-pick\">Editors' pick</span>") == 1
    staff_at = html.index("commentsvc-staff")
    assert html.index("Ana, Newsdesk") < staff_at  # the badge follows the staff name


def test_a_pick_that_is_unpublished_keeps_its_place(actions, desk):
    ids = [actions.post(body=f"c{n}", email=f"r{n}@example.org").json["id"] for n in range(6)]
    for n in range(5):
        pin(actions, desk, ids[n])
    assert actions.moderate(desk, ids[0], status="rejected").status_code == 200
    assert pin(actions, desk, ids[5]).status_code == 422  # its place is still taken
    actions.moderate(desk, ids[0], status="approved")
    shown = actions.thread().json["comments"]
    assert [c["id"] for c in shown if c["pinned"]] == ids[:5]


def test_moderator_list_shows_the_display_name(desk, runner):
    listing = runner.invoke(args=["moderator", "list"]).output
    assert "ana\tdemo\tactive\tAna, Newsdesk" in listing


def test_concurrent_pins_never_pass_the_limit(app, actions, desk):
    """Ten moderators' requests at the same moment, each pinning another comment: five win.
    Without the article lock each request counted four or fewer pins and all ten were stored."""
    ids = [actions.post(body=f"pick me {i}", email=f"p{i}@example.org").json["id"]
           for i in range(10)]
    barrier = threading.Barrier(len(ids))
    statuses: list[int] = []
    lock = threading.Lock()

    def send(cid: int) -> None:
        client = app.test_client()
        barrier.wait()
        answer = client.patch(f"/api/v1/moderation/comments/{cid}", json={"pinned": True},
                              headers=auth(desk))
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=send, args=(cid,)) for cid in ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(statuses) == [200] * 5 + [422] * 5
    assert [c["pinned"] for c in actions.thread().json["comments"]] == [True] * 5 + [False] * 5
