"""Issue 12 item 11: names with bidi controls, separators, tag or only invisible characters are
refused with fields.name; names are isolated (<bdi>) and bodies dir="auto" where shown."""

from __future__ import annotations

import pytest

from .conftest import Actions

BAD_NAMES = [
    "Ana\u202eylper lecnaC",  # right-to-left override: reversed the page's "Cancel reply"
    "\u202bAna", "Ana\u2066x\u2069", "Ana\u200f", "\u200eAna",
    "Ana\u2028Bo", "Ana\u2029",
    "Ana\U000e0041\U000e0042",  # tag characters
    "\u200b", "\ufeff", "\u3164", "\u2800", "\u00ad", "\u200b\u3164 \u2800\u00ad\ufeff",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused_with_fields_name(actions: Actions, name: str) -> None:
    actions.site("demo")
    answer = actions.post(name=name)
    assert answer.status_code == 422
    assert set(answer.json["fields"]) == {"name"}


@pytest.mark.parametrize("name", ["Ана", "محمد", "יעל", "Zoë 🙂", "زهره\u200cای", "👩\u200d💻 Dev"])
def test_real_names_in_any_script_still_pass(actions: Actions, name: str) -> None:
    actions.site("demo")
    assert actions.post(name=name).status_code == 202


def test_a_form_post_with_an_override_gets_the_error_page_naming_the_name(
        actions: Actions) -> None:
    actions.site("demo")
    page = actions.client.post("/api/v1/sites/demo/articles/hello-world/comments", data={
        "name": "Ana\u202e", "email": "ana@example.org", "body": "Hi",
        "return_to": "https://blog.example/post"})
    assert page.status_code == 422 and "direction" in page.text


def test_pages_isolate_names_and_let_bodies_choose_their_direction(actions: Actions) -> None:
    actions.site("demo", moderation="none")
    token = actions.moderator("root", admin=True)
    cid = actions.post(name="יעל", body="שלום").json["id"]
    page = actions.client.get(f"/embed/demo/hello-world?replytocom={cid}").text
    assert "<bdi>יעל</bdi>" in page and page.count("<bdi>יעל</bdi>") >= 2  # comment, reply title
    assert '<div class="commentsvc-content" dir="auto"><p>שלום</p></div>' in page
    client = actions.client
    form = client.get("/moderate/").text
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/moderate/login", data={"token": token, "csrf_token": csrf})
    actions.moderate(token, cid, status="pending")
    review = client.get("/moderate/").text
    assert "<bdi>יעל</bdi>" in review and 'class="body" dir="auto"' in review


def test_the_widget_isolates_names_and_bodies(actions: Actions) -> None:
    script = actions.client.get("/embed.js").text
    assert 'el("bdi", { text: author.name })' in script
    assert '"commentsvc-content", dir: "auto"' in script
    assert 'el("bdi", { text: c.author.name })' in script  # "Reply to <name>"
