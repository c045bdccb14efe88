"""Issue 12 item 16: no existence oracle for ids, and security headers on HTML error pages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

import pytest

from commentsvc import clock

from .conftest import Actions


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_site_scoped_moderator_cannot_tell_another_sites_comment_from_a_missing_one(
        actions: Actions, mod: str, method: str) -> None:
    theirs = actions.post(site="other").json["id"]
    answers = [
        getattr(actions.client, method)(f"/api/v1/moderation/comments/{cid}", headers=auth(mod),
                                         json={"status": "approved"} if method == "patch" else None)
        for cid in (theirs, theirs + 1000)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json == answers[1].json


def test_bulk_answers_the_same_for_another_sites_comment_and_a_missing_one(
        actions: Actions, mod: str) -> None:
    mine = actions.post().json["id"]
    theirs = actions.post(site="other", email="bo@example.org").json["id"]
    answers = [actions.client.post("/api/v1/moderation/comments/bulk", headers=auth(mod),
                                   json={"ids": [mine, cid], "status": "spam"})
               for cid in (theirs, theirs + 1000)]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json == answers[1].json


def test_an_admin_still_learns_that_a_comment_is_missing(actions: Actions) -> None:
    actions.site("demo")
    token = actions.moderator("boss", admin=True)
    assert actions.client.get("/api/v1/moderation/comments/999999",
                              headers=auth(token)).status_code == 404


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_author_edit_answers_one_403_for_wrong_token_closed_window_and_unknown_id(
        actions: Actions, app, method: str) -> None:
    actions.site("demo", moderation="none")
    posted = actions.post().json
    withdrawn = actions.post(body="Gone soon", email="bo@example.org").json
    gone_at = f"/api/v1/comments/{withdrawn['id']}"
    assert actions.client.delete(gone_at, headers={"X-Edit-Token": withdrawn["edit_token"]}
                                 ).status_code == 204
    send = getattr(actions.client, method)
    body = {"body": "Changed"} if method == "patch" else None
    created = dt.datetime.fromisoformat(posted["comment"]["created_at"].replace("Z", "+00:00"))
    wrong = send(f"/api/v1/comments/{posted['id']}", json=body, headers={"X-Edit-Token": "nope"})
    unknown = send(f"/api/v1/comments/{posted['id'] + 1000}", json=body,
                   headers={"X-Edit-Token": posted["edit_token"]})
    gone = send(f"/api/v1/comments/{withdrawn['id']}", json=body,
                headers={"X-Edit-Token": withdrawn["edit_token"]})
    with clock.frozen(created + dt.timedelta(seconds=app.config["EDIT_WINDOW_SECONDS"] + 1)):
        closed = send(f"/api/v1/comments/{posted['id']}", json=body,
                      headers={"X-Edit-Token": posted["edit_token"]})
    answers = [wrong, unknown, gone, closed]
    assert [a.status_code for a in answers] == [403] * 4
    assert all(a.json == wrong.json for a in answers)
    assert actions.thread().json["comments"][0]["body_html"] == "<p>Hello there</p>"


FORM = {"name": "Ana", "email": "ana@example.org", "body": "Hello there",
        "return_to": "https://blog.example/post"}


@pytest.mark.parametrize(("change", "status"), [
    ({"email": "not an address"}, 422),
    ({"return_to": "https://evil.example/"}, 400),
    ({}, 409),
])
def test_html_error_pages_of_form_posts_send_csp_frame_and_nosniff_headers(
        actions: Actions, change: dict[str, str], status: int) -> None:
    actions.site("demo")
    url = "/api/v1/sites/demo/articles/hello-world/comments"
    if status == 409:
        assert actions.client.post(url, data=FORM).status_code == 303
    page = actions.client.post(url, data={**FORM, **change})
    assert page.status_code == status and page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    # answered inside the no-JavaScript page's iframe: this site may frame it, no one else
    assert csp.endswith("frame-ancestors 'self' https://blog.example")
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_an_error_page_for_an_unknown_site_is_framed_by_no_one_else(actions: Actions) -> None:
    page = actions.client.post("/api/v1/sites/nowhere/articles/a/comments", data=FORM)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert page.headers["X-Frame-Options"] == "DENY"


def test_an_error_page_allows_exactly_its_own_styles_and_keeps_its_origin_for_the_retry(
        actions: Actions) -> None:
    actions.site("demo")
    page = actions.client.post("/api/v1/sites/demo/articles/hello-world/comments",
                               data={**FORM, "email": "not an address"})
    assert page.status_code == 422
    blocks = re.findall(r"<style[^>]*>(.*?)</style>", page.get_data(as_text=True), re.DOTALL)
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
              for b in blocks]
    assert blocks and f"style-src {' '.join(hashes)};" in page.headers["Content-Security-Policy"]
    # one set of headers: the policy is not repeated, and the retry's Origin is sent
    assert page.headers.getlist("Content-Security-Policy") == [
        page.headers["Content-Security-Policy"]]
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
