"""The Atom feed of an article: approved comments, newest first, escaped, no addresses."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

A = "{http://www.w3.org/2005/Atom}"
FEED = "/api/v1/sites/demo/articles/hello-world/feed.atom"


def _parse(response):
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.data.startswith(b"<?xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{A}feed"
    return root


def _valid_atom(root):
    """The elements Atom 1.0 (RFC 4287) requires, with RFC 3339 dates."""
    for parent in [root, *root.findall(f"{A}entry")]:
        for tag in ("id", "title", "updated"):
            assert len(parent.findall(f"{A}{tag}")) == 1, tag
        dt.datetime.fromisoformat(parent.find(f"{A}updated").text.replace("Z", "+00:00"))
        assert parent.find(f"{A}id").text.startswith("urn:uuid:")
    for entry in root.findall(f"{A}entry"):
        assert entry.find(f"{A}author/{A}name").text
        assert entry.find(f"{A}content").get("type") == "html"
    assert root.find(f"{A}link[@rel='self']").get("href").endswith("/feed.atom")


def test_feed_lists_approved_comments_newest_first(actions, client):
    actions.site("demo", moderation="none")
    first = actions.post(body="First *one*").json["id"]
    second = actions.post(body="Second", email="bo@example.org", name="Bo").json["id"]
    actions.site("demo", moderation="all")
    actions.post(body="Held back", email="cy@example.org")
    root = _parse(client.get(FEED))
    _valid_atom(root)
    entries = root.findall(f"{A}entry")
    assert [e.find(f"{A}author/{A}name").text for e in entries] == ["Bo", "Ana"]
    assert entries[1].find(f"{A}content").text == "<p>First <em>one</em></p>"
    ids = {e.find(f"{A}id").text for e in entries}
    assert len(ids) == 2 and str(first) not in ids and str(second) not in ids
    assert b"Held back" not in client.get(FEED).data


def test_feed_escapes_hostile_names_urls_and_bodies(actions, client):
    actions.site("demo", moderation="none")
    name = '<script>alert("n")</script> & ]]>'
    url = "https://ex.org/?a=1&b=<x>"
    actions.post(name=name, url=url, body="<b>bold?</b> ]]> &amp;")
    raw = client.get(FEED).data
    assert b"<script>" not in raw and b"<b>" not in raw
    root = _parse(client.get(FEED))
    entry = root.find(f"{A}entry")
    assert entry.find(f"{A}author/{A}name").text == name
    assert entry.find(f"{A}author/{A}uri").text == url
    assert entry.find(f"{A}content").text == "<p>&lt;b&gt;bold?&lt;/b&gt; ]]&gt; &amp;</p>"


def test_feed_holds_no_address_or_ip(actions, client):
    actions.site("demo", moderation="none")
    posted = client.post("/api/v1/sites/demo/articles/hello-world/comments",
                         json={"name": "Ana", "email": "secret.person@example.org", "body": "Hi"},
                         environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert posted.status_code == 201
    raw = client.get(FEED, environ_base={"REMOTE_ADDR": "203.0.113.77"}).data
    assert b"secret.person" not in raw and b"203.0.113" not in raw


def test_unknown_site_is_404_and_unknown_article_an_empty_feed(actions, client):
    actions.site("demo")
    response = client.get("/api/v1/sites/nope/articles/a/feed.atom")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    root = _parse(client.get("/api/v1/sites/demo/articles/nothing-yet/feed.atom"))
    _valid_atom(root)
    assert root.findall(f"{A}entry") == []


def test_feed_revalidates_with_its_etag(actions, client):
    actions.site("demo", moderation="none")
    actions.post()
    etag = client.get(FEED).headers["ETag"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304
    actions.post(body="Another", email="bo@example.org")
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 200
