"""Reading a thread: shapes, counts, unknown articles and sites, ETags."""

from __future__ import annotations

import pytest

from commentsvc import sites
from commentsvc.extensions import db
from tests.threads_data import insert_comments, recorded_statements, set_site


def test_unknown_article_is_an_empty_thread_named_as_asked(actions):
    actions.site("demo")
    for key in ("never-commented", "another one", "never-commented"):  # none answers another's
        response = actions.thread(article=key)
        assert response.status_code == 200
        assert response.json == {"site": "demo", "article": key, "comments_open": True,
                                 "count": 0, "page": 1, "pages": 0, "default_lang": None,
                                 "comments": []}


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


def test_counts_for_many_articles(actions, client):
    actions.site("demo", moderation="none")
    actions.post(article="a")
    actions.post(article="a", body="again", email="b@example.org")
    response = client.get("/api/v1/sites/demo/counts?article=a&article=b")
    assert response.json == {"counts": {"a": 2, "b": 0}}


# --- nesting, paging, order ------------------------------------------------------------------

def _post(actions, n, article="hello-world", **fields):
    response = actions.post(article=article, body=f"Comment number {n}",
                            email=f"p{n}@example.org", **fields)
    assert response.status_code == 201, response.json
    return response.json["id"]


def _depths(nodes, depth=1):
    for node in nodes:
        yield node["id"], depth
        yield from _depths(node["replies"], depth + 1)


def test_replies_nest_and_deeper_ones_attach_at_the_site_depth_limit(actions, app):
    actions.site("demo", moderation="none")
    set_site(app, max_depth=3)
    chain = [_post(actions, 0)]
    for n in range(1, 6):
        chain.append(_post(actions, n, parent_id=chain[-1]))
    tree = actions.thread().json["comments"]
    depths = dict(_depths(tree))
    assert [depths[c] for c in chain] == [1, 2, 3, 3, 3, 3]
    assert len(tree) == 1
    level3 = tree[0]["replies"][0]["replies"]
    assert [r["id"] for r in level3] == chain[2:]  # siblings at the limit, in order


def test_default_depth_limit_is_five(actions):
    actions.site("demo", moderation="none")
    chain = [_post(actions, 0)]
    for n in range(1, 8):
        chain.append(_post(actions, n, parent_id=chain[-1]))
    depths = dict(_depths(actions.thread().json["comments"]))
    assert max(depths.values()) == 5


def test_pages_split_top_level_comments_and_keep_their_replies(actions):
    actions.site("demo", moderation="none")
    tops = [_post(actions, n) for n in range(5)]
    reply = _post(actions, 99, parent_id=tops[0])
    first = actions.thread(per_page=2).json
    assert (first["count"], first["pages"], first["page"]) == (6, 3, 1)
    assert [c["id"] for c in first["comments"]] == tops[:2]
    assert first["comments"][0]["replies"][0]["id"] == reply
    last = actions.thread(per_page=2, page=3).json
    assert [c["id"] for c in last["comments"]] == tops[4:]
    newest = actions.thread(per_page=2, order="newest").json
    assert [c["id"] for c in newest["comments"]] == [tops[4], tops[3]]


@pytest.mark.parametrize(
    ("params", "page", "per_page_seen"),
    [
        ({"page": "0"}, 1, 3),
        ({"page": "-5"}, 1, 3),
        ({"page": str(10**12)}, 1_000_000, 0),
        ({"per_page": "0"}, 1, 1),
        ({"per_page": "-1"}, 1, 1),
        ({"per_page": str(10**9)}, 1, 3),
        ({"page": "", "per_page": ""}, 1, 3),
    ],
)
def test_out_of_range_paging_is_clamped_never_a_full_dump(actions, params, page, per_page_seen):
    actions.site("demo", moderation="none")
    for n in range(3):
        _post(actions, n)
    response = actions.thread(**params)
    assert response.status_code == 200
    assert response.json["page"] == page
    assert len(response.json["comments"]) == per_page_seen


@pytest.mark.parametrize("params", [{"page": "x"}, {"per_page": "1e9"}, {"order": "sideways"},
                                    {"page": "9" * 5000}, {"per_page": "ten"},
                                    {"page": "1.5"}, {"order": "NEWEST"}])
def test_unreadable_paging_values_are_400(actions, params):
    actions.site("demo")
    response = actions.thread(**params)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


def test_per_page_is_capped_at_200():
    from commentsvc.paging import PER_PAGE_MAX, parse_paging

    assert PER_PAGE_MAX == 200
    assert parse_paging({"per_page": str(10**9)}).per_page == 200


# --- queries, validators, cache ----------------------------------------------------------------

@pytest.fixture
def query_log(app):
    with recorded_statements(app) as statements:
        yield statements


def _comment_queries(statements):
    return [s for s in statements if "FROM comments" in s]


def test_a_page_costs_one_comment_query_and_a_repeat_costs_none(actions, query_log):
    actions.site("demo", moderation="none")
    tops = [_post(actions, n) for n in range(6)]
    for n, parent in enumerate(tops):
        _post(actions, 100 + n, parent_id=parent)
    query_log.clear()
    first = actions.thread(per_page=4)
    assert first.status_code == 200
    assert len(first.json["comments"]) == 4
    assert len(_comment_queries(query_log)) == 1
    assert len(query_log) == 2  # the site+article head, then the comments
    query_log.clear()
    again = actions.thread(per_page=4)
    assert again.data == first.data
    assert _comment_queries(query_log) == []
    assert len(query_log) == 1


def test_a_change_makes_the_next_read_fresh(actions):
    actions.site("demo", moderation="none")
    _post(actions, 1)
    before = actions.thread()
    _post(actions, 2)
    after = actions.thread()
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.json["count"] == 2 and len(after.json["comments"]) == 2


@pytest.mark.parametrize("form", ["{}", "W/{}", '"other", {}', "*", 'W/"x", W/{}'])
def test_if_none_match_answers_304_without_loading_comments(actions, query_log, form):
    actions.site("demo", moderation="none")
    _post(actions, 1)
    etag = actions.thread().headers["ETag"]
    query_log.clear()
    response = actions.client.get("/api/v1/sites/demo/articles/hello-world/comments",
                                  headers={"If-None-Match": form.format(etag)})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert "s-maxage" in response.headers["Cache-Control"]
    assert _comment_queries(query_log) == []


def test_an_unrelated_etag_gets_the_thread(actions):
    actions.site("demo", moderation="none")
    _post(actions, 1)
    response = actions.client.get("/api/v1/sites/demo/articles/hello-world/comments",
                                  headers={"If-None-Match": '"1-1-1-5-1-1-50-oldest"'})
    assert response.status_code == 200


def test_etag_differs_per_page_and_order_and_closing_changes_it(actions, app):
    actions.site("demo", moderation="none")
    _post(actions, 1)
    tags = {actions.thread(**p).headers["ETag"] for p in
            [{}, {"page": 2}, {"per_page": 10}, {"order": "newest"}]}
    assert len(tags) == 4
    before = actions.thread()
    set_site(app, max_depth=2)
    assert actions.thread().headers["ETag"] != before.headers["ETag"]


def test_the_sites_default_language_is_in_the_thread_and_changes_its_etag(actions, app_factory):
    """The widget's language when the reader's browser asks for none it has: a change made by
    any worker shows at once, also to a reader holding the old ETag."""
    actions.site("demo", moderation="none")
    admin = actions.moderator("boss", admin=True)
    _post(actions, 1)
    before = actions.thread()
    assert before.json["default_lang"] is None
    changed = actions.client.patch("/api/v1/moderation/sites/demo", json={"default_lang": "fr"},
                                   headers={"Authorization": f"Bearer {admin}"})
    assert changed.status_code == 200
    after = actions.client.get("/api/v1/sites/demo/articles/hello-world/comments",
                               headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["default_lang"] == "fr"
    assert actions.thread(article="never-commented").json["default_lang"] == "fr"
    other = app_factory()  # another worker of the same service
    with other.app_context():
        sites.configure("demo", default_lang="")
        db.engine.dispose()
    assert actions.thread().json["default_lang"] is None


def test_cache_control_lets_a_cdn_cache_briefly_and_browsers_revalidate(actions):
    actions.site("demo")
    response = actions.thread()
    cc = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "s-maxage=10"} <= cc
    assert "stale-while-revalidate=60" in response.headers["CDN-Cache-Control"]


def test_the_cache_is_bounded_by_bytes_not_entries(actions, app_factory):
    """Many reads of a big thread with varying per_page/order keep a worker under its bound."""
    from commentsvc.cache import caches

    bound = 400_000
    app = app_factory(THREAD_CACHE_BYTES=bound)
    actions.site("demo", moderation="none")
    insert_comments(app, 400, body="<p>" + "x" * 500 + "</p>")
    client = app.test_client()
    sizes = []
    for per_page in range(140, 200, 2):
        for order in ("oldest", "newest"):
            response = client.get("/api/v1/sites/demo/articles/hello-world/comments",
                                  query_string={"per_page": per_page, "order": order})
            assert response.status_code == 200
            sizes.append(len(response.data))
    threads = caches(app).threads
    assert sum(sizes) > 5 * bound  # what an entry-count bound would have kept
    assert 0 < threads.bytes <= bound
    assert 1 < len(threads) < len(sizes)


def test_a_page_larger_than_the_whole_cache_is_served_but_not_kept(actions, app_factory):
    from commentsvc.cache import caches

    app = app_factory(THREAD_CACHE_BYTES=1000)
    actions.site("demo", moderation="none")
    insert_comments(app, 20, body="<p>" + "y" * 200 + "</p>")
    response = app.test_client().get("/api/v1/sites/demo/articles/hello-world/comments")
    assert response.status_code == 200 and len(response.json["comments"]) == 20
    assert len(caches(app).threads) == 0 and caches(app).threads.bytes == 0


def test_counts_unknown_site_and_too_many_articles(actions, client):
    actions.site("demo")
    assert client.get("/api/v1/sites/nope/counts?article=a").status_code == 404
    many = "&".join(f"article=a{n}" for n in range(201))
    response = client.get(f"/api/v1/sites/demo/counts?{many}")
    assert response.status_code == 400
    assert client.get("/api/v1/sites/demo/counts").json == {"counts": {}}


@pytest.mark.parametrize("key", ["a/feed.atom", "x/comments", "x/form", "comments/form/feed.atom"])
def test_slashy_keys_route_to_comments_form_and_feed(actions, key):
    from urllib.parse import quote

    actions.site("demo", moderation="none")
    base = f"/api/v1/sites/demo/articles/{quote(key, safe='')}"
    posted = actions.client.post(base + "/comments",
                                 json={"name": "Ana", "email": "a@example.org", "body": "hi"})
    assert posted.status_code == 201, posted.json
    assert actions.client.get(base + "/comments").json["article"] == key
    assert actions.client.get(base + "/form").json["form_token"]
    feed = actions.client.get(base + "/feed.atom")
    assert feed.status_code == 200
    assert feed.mimetype == "application/atom+xml"
    assert b"<content" in feed.data


def _bump_from_another_worker(app_factory):
    """A change made by another process: its own app, same database."""
    from sqlalchemy import select

    from commentsvc import comments
    from commentsvc.extensions import db
    from commentsvc.models import Article

    other = app_factory()
    with other.app_context():
        comments.bump_article(db.session.scalar(select(Article.id)))
        db.session.commit()
        db.engine.dispose()


def test_by_default_another_workers_change_is_seen_at_once(actions, app_factory):
    actions.site("demo", moderation="none")
    _post(actions, 1)
    before = actions.thread().headers["ETag"]
    _bump_from_another_worker(app_factory)
    assert actions.thread().headers["ETag"] != before


def test_head_ttl_trusts_a_version_briefly_but_own_writes_show_at_once(actions, app,
                                                                        app_factory, query_log):
    actions.site("demo", moderation="none")
    app.config["THREAD_HEAD_TTL"] = 3600
    app.config["THREAD_VERSION_PUSH"] = False  # the TTL is the fallback when nothing pushes
    _post(actions, 1)
    before = actions.thread().headers["ETag"]
    query_log.clear()
    assert actions.thread().headers["ETag"] == before
    assert query_log == []  # neither the version nor the comments were asked for
    _bump_from_another_worker(app_factory)
    assert actions.thread().headers["ETag"] == before  # at most TTL seconds late
    _post(actions, 2)  # this worker's own change
    fresh = actions.thread()
    assert fresh.headers["ETag"] != before
    assert fresh.json["count"] == 2
