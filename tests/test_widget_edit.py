"""The author edits and withdraws their comment from the widget, within the edit window."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server, actions):
    result = actions.app.test_cli_runner().invoke(args=["demo", "--origin", live_server.url])
    assert result.exit_code == 0, result.output
    return actions.moderator("mod", "demo")


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/demo/")
    page.locator("#commentsvc form").wait_for()
    yield page
    context.close()


def post(page, body):
    page.get_by_label("Comment", exact=True).fill(body)
    page.get_by_label("Name *", exact=True).fill("Ana")
    page.get_by_label("Email *", exact=True).fill("ana@example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.locator(".commentsvc-comment .commentsvc-edit").wait_for()
    return int(page.locator(".commentsvc-comment").last.get_attribute("id").split("-")[1])


def edit(page, comment_id, new_body):
    li = page.locator(f"#comment-{comment_id}")
    li.get_by_role("button", name="Edit").click()
    box = page.get_by_label("Edit your comment")
    assert box.input_value() != ""
    box.fill(new_body)
    page.get_by_role("button", name="Save").click()


def test_author_edits_a_held_comment_which_stays_held(page, actions, demo):
    comment_id = post(page, "First words")
    edit(page, comment_id, "Better words")
    li = page.locator(f"#comment-{comment_id}")
    li.get_by_text("Better words").wait_for()
    assert "commentsvc-pending" in li.get_attribute("class")
    item = actions.client.get(f"/api/v1/moderation/comments/{comment_id}",
                              headers={"Authorization": f"Bearer {demo}"}).get_json()
    assert item["body"] == "Better words" and item["status"] == "pending"


def test_author_edits_a_published_comment_and_readers_see_it(page, live_server, actions):
    actions.site("demo", live_server.url, moderation="none")
    # A test reader types faster than any person: the form-token timing check would hold it.
    actions.app.config["FORM_TOKEN_MIN_SECONDS"] = 0
    comment_id = post(page, "Published at once")
    edit(page, comment_id, "Published, then corrected")
    page.locator(f"#comment-{comment_id}").get_by_text("Published, then corrected").wait_for()
    thread = actions.thread().get_json()
    assert "Published, then corrected" in thread["comments"][0]["body_html"]


def test_author_withdraws_their_comment(page, actions, demo):
    comment_id = post(page, "I take it back")
    page.locator(f"#comment-{comment_id}").get_by_role("button", name="Withdraw").click()
    page.get_by_role("button", name="Yes, withdraw it").click()
    page.locator(".commentsvc-notice").get_by_text("Your comment has been withdrawn.").wait_for()
    assert page.locator(f"#comment-{comment_id}").count() == 0
    assert page.evaluate(f"localStorage.getItem('commentsvc.edit.{comment_id}')") is None
    pending = [i["id"] for i in actions.queue(demo).get_json()["items"]]
    assert comment_id not in pending


def test_a_refused_edit_is_shown_and_forgotten(page, actions):
    comment_id = post(page, "Some words")
    # The service's window closed (a token that is no longer valid): it answers 403.
    page.evaluate(f"""() => {{
        const key = 'commentsvc.edit.{comment_id}';
        const entry = JSON.parse(localStorage.getItem(key));
        entry.token = 'not-the-token';
        localStorage.setItem(key, JSON.stringify(entry));
    }}""")
    page.reload()
    page.locator(f"#comment-{comment_id} .commentsvc-edit").wait_for()
    edit(page, comment_id, "Too late")
    notice = page.locator(".commentsvc-notice")
    notice.locator("text=/./").wait_for()
    assert notice.get_attribute("role") == "alert"
    assert page.evaluate(f"localStorage.getItem('commentsvc.edit.{comment_id}')") is None
