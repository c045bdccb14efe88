"""The read path's room: one tree builder at any depth, one cache for every reader."""

from __future__ import annotations

import typing as t

import pytest

from commentsvc import threads
from commentsvc.cache import caches
from tests.threads_data import insert_comments, recorded_statements, set_site

THREAD = "/api/v1/sites/demo/articles/hello-world/comments"
EMBED = "/embed/demo/hello-world"
FEED = "/api/v1/sites/demo/articles/hello-world/feed.atom"
DEEP = 10_000


def _nesting(tree: list[dict[str, t.Any]]) -> int:
    deepest, level = 0, tree
    while level:
        deepest += 1
        level = level[0]["replies"]
    return deepest


@pytest.fixture
def deep_chain(actions, app):
    actions.site("demo", moderation="none")
    return insert_comments(app, DEEP, chain=True)


@pytest.mark.parametrize(("max_depth", "shown_depth"), [(5, 5), (50, 50), (10_000, 50), (0, 50)])
def test_a_10000_deep_chain_reads_as_json_at_any_site_depth(actions, app, deep_chain, max_depth,
                                                           shown_depth):
    set_site(app, max_depth=max_depth)
    response = actions.client.get(THREAD)
    assert response.status_code == 200
    data = response.json
    assert data["count"] == DEEP and data["pages"] == 1
    assert _nesting(data["comments"]) == shown_depth
    above = data["comments"][0]
    for _ in range(shown_depth - 2):
        above = above["replies"][0]
    # everything from the limit on is shown at the deepest level, in order
    assert [c["id"] for c in above["replies"]] == deep_chain[shown_depth - 1:]


@pytest.mark.parametrize("max_depth", [5, 10_000])
def test_a_10000_deep_chain_renders_on_the_no_javascript_page(actions, app, deep_chain,
                                                              max_depth):
    set_site(app, max_depth=max_depth)
    response = actions.client.get(EMBED)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<li id="comment-') == DEEP
    assert html.count("<li ") == html.count("</li>")
    assert html.count('<ol class="commentsvc-children">') == min(max_depth, 50) - 1
    assert f'id="comment-{deep_chain[-1]}"' in html
    replying = actions.client.get(f"{EMBED}?replytocom={deep_chain[-1]}")
    assert replying.status_code == 200
    assert f'name="parent_id" value="{deep_chain[-1]}"' in replying.get_data(as_text=True)


def test_a_10000_deep_chain_has_a_feed(actions, app, deep_chain):
    set_site(app, max_depth=10_000)
    response = actions.client.get(FEED)
    assert response.status_code == 200
    assert response.data.count(b"<entry>") == threads.FEED_MAX


@pytest.fixture
def thread_queries(app):
    with recorded_statements(app) as statements:
        yield lambda: [s for s in statements if "FROM comments" in s]


def test_the_no_javascript_page_and_the_json_read_share_one_cache(actions, app, thread_queries):
    actions.site("demo", moderation="none")
    insert_comments(app, 3)
    assert actions.client.get(EMBED).status_code == 200
    assert len(thread_queries()) == 1
    json_read = actions.client.get(THREAD)  # the embed page's page: per_page 50, oldest
    assert json_read.status_code == 200 and len(json_read.json["comments"]) == 3
    assert len(thread_queries()) == 1  # served from what the embed page cached
    assert len(caches(app).threads) == 1
    second = actions.client.get(f"{EMBED}?page=junk")  # unreadable page numbers read as page 1
    assert second.status_code == 200 and "Reader 2" in second.get_data(as_text=True)
    assert len(thread_queries()) == 1


def test_the_no_javascript_page_sees_a_change_at_once(actions, app):
    actions.site("demo", moderation="none")
    insert_comments(app, 1)
    assert "Reader 0" in actions.client.get(EMBED).get_data(as_text=True)
    posted = actions.post(body="A fresh one")
    assert posted.status_code == 201
    assert "A fresh one" in actions.client.get(EMBED).get_data(as_text=True)


class Row(t.NamedTuple):
    id: int
    parent_id: int | None


def test_arrange_finds_roots_hosts_and_leaves_out_parent_cycles():
    rows = [Row(1, None), Row(2, 1), Row(3, 2), Row(4, 99),  # 99: not approved, 4 is top level
            Row(5, 6), Row(6, 5), Row(7, 5), Row(8, 8),  # a cycle, a reply under it, a self-loop
            Row(9, 10), Row(10, 1)]  # a reply listed before its parent
    root, host = threads.arrange(rows, max_depth=2)
    assert root == {1: 1, 2: 1, 3: 1, 4: 4, 9: 1, 10: 1}
    assert host == {1: None, 2: 1, 3: 1, 4: None, 9: 1, 10: 1}  # depth 2 is the deepest


def test_arrange_is_iterative_for_any_depth():
    rows = [Row(1, None)] + [Row(i, i - 1) for i in range(2, 50_001)]
    root, host = threads.arrange(list(reversed(rows)), max_depth=10**9)
    assert set(root.values()) == {1}
    assert host[50_000] == 49  # capped at DEPTH_CEILING: the 50th level holds the rest


def test_counts_are_one_sites_own(actions, app, client):
    actions.site("demo", moderation="none")
    actions.site("other", moderation="none")
    insert_comments(app, 2)
    insert_comments(app, 3, site="other")
    response = client.get("/api/v1/sites/other/counts?article=hello-world&article=none")
    assert response.json == {"counts": {"hello-world": 3, "none": 0}}
    assert client.get("/api/v1/sites/demo/counts?article=hello-world").json == {
        "counts": {"hello-world": 2}}
    missing = client.get("/api/v1/sites/Not%20A%20Site/counts?article=a")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"


def test_one_caches_object_per_app_built_from_its_config(app_factory):
    small, default = app_factory(THREAD_CACHE_BYTES=12345), app_factory()
    assert caches(small).threads.max_bytes == 12345
    assert caches(default).threads.max_bytes == 32 * 1024 * 1024
    assert caches(small) is caches(small) and caches(small) is not caches(default)
