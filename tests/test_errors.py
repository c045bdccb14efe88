"""Every error, even routing ones, answers in the contract's JSON shape."""

from __future__ import annotations

import re

import pytest


def test_unknown_route_is_json_404(client):
    response = client.get("/no/such/place")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert response.json["message"]


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


# --- one handler family: the review page's errors all render its own error page -------------

def _csrf(html: bytes) -> str:
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1).decode()


@pytest.fixture
def review(actions):
    """A logged-in review-page client and its CSRF token, with one pending comment."""
    actions.site("demo")
    token = actions.moderator("mod", "demo")
    comment_id = actions.post(body="waiting").json["id"]
    client = actions.client
    client.post("/moderate/login", data={"token": token, "csrf_token": _csrf(
        client.get("/moderate/").data)})
    return client, _csrf(client.get("/moderate/").data), comment_id


def _is_review_error_page(response, status: int) -> bool:
    page = response.get_data(as_text=True)
    return (response.status_code == status and response.mimetype == "text/html"
            and "Back to the queue" in page and 'name="csrf-token"' in page
            and "could not be posted" not in page)


def test_review_page_404_403_400_and_413_render_the_same_error_page(review):
    client, csrf, comment_id = review
    missing = client.post("/moderate/comments/999999/status",
                          data={"status": "approved", "csrf_token": csrf})
    forged = client.post(f"/moderate/comments/{comment_id}/status",
                         data={"status": "approved", "csrf_token": "forged"})
    bad = client.post(f"/moderate/comments/{comment_id}/status",
                      data={"status": "gone", "csrf_token": csrf})
    # A refusal by werkzeug itself (not an ApiError) used to render the comment-form error page.
    too_big = client.post("/moderate/logout", data={"csrf_token": csrf, "pad": "x" * 70_000})
    assert _is_review_error_page(missing, 403)  # site-scoped: missing answers like out of reach
    assert _is_review_error_page(forged, 403)
    assert _is_review_error_page(bad, 400) and "status must be one of" in bad.text
    assert _is_review_error_page(too_big, 413)
    assert too_big.headers["Cache-Control"] == "no-store"  # the page's own headers too


def test_review_page_errors_answer_fetch_with_the_json_shape(review):
    client, csrf, _ = review
    wants = {"Accept": "application/json", "X-CSRF-Token": csrf}
    missing = client.post("/moderate/comments/999999/status", data={"status": "approved"},
                          headers=wants)
    assert missing.status_code == 403 and missing.json["error"] == "forbidden"
    too_big = client.post("/moderate/logout", data={"pad": "x" * 70_000}, headers=wants)
    assert too_big.status_code == 413 and too_big.json["error"] == "payload_too_large"


def test_a_mail_link_error_is_its_own_page_even_when_json_is_asked(client):
    response = client.get("/moderate/mail/not-a-token", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "This link is not valid" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
