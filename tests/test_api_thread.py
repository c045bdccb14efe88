"""Reading a thread: shapes, counts, unknown articles and sites, ETags."""

from __future__ import annotations

import pytest


def test_unknown_article_is_an_empty_thread(actions):
    actions.site("demo")
    response = actions.thread(article="never-commented")
    assert response.status_code == 200
    assert response.json == {"site": "demo", "article": None, "comments_open": True, "count": 0,
                              "page": 1, "pages": 0, "comments": []}


def test_unknown_site_is_404_in_the_error_shape(actions):
    response = actions.thread(site="nope")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert "nope" in response.json["message"]


@pytest.mark.parametrize("key", ["/2021/10/08/some-title/", "a//b", "ümlaut päge", "x/comments"])
def test_article_keys_with_slashes_and_unicode_round_trip(actions, key):
    from urllib.parse import quote

    actions.site("demo", moderation="none")
    url = f"/api/v1/sites/demo/articles/{quote(key, safe='')}/comments"
    posted = actions.client.post(url, json={"name": "Ana", "email": "a@example.org", "body": "hi"})
    assert posted.status_code == 201, posted.json
    thread = actions.client.get(url).json
    assert thread["article"] == key
    assert thread["count"] == 1


def test_etag_revalidation_answers_304_until_the_thread_changes(actions):
    actions.site("demo", moderation="none")
    actions.post()
    first = actions.thread()
    etag = first.headers["ETag"]
    again = actions.client.get("/api/v1/sites/demo/articles/hello-world/comments",
                               headers={"If-None-Match": etag})
    assert again.status_code == 304
    actions.post(body="Another", email="bo@example.org")
    changed = actions.client.get("/api/v1/sites/demo/articles/hello-world/comments",
                                 headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json["count"] == 2


@pytest.mark.parametrize("params", [{"page": "x"}, {"per_page": "1e9"}, {"order": "sideways"}])
def test_bad_paging_values_are_400(actions, params):
    actions.site("demo")
    response = actions.thread(**params)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


def test_counts_for_many_articles(actions, client):
    actions.site("demo", moderation="none")
    actions.post(article="a")
    actions.post(article="a", body="again", email="b@example.org")
    response = client.get("/api/v1/sites/demo/counts?article=a&article=b")
    assert response.json == {"counts": {"a": 2, "b": 0}}
