"""`commentsvc import disqus`: our Disqus sample, variants, and the shared sample when present."""

from __future__ import annotations

import re
from collections import Counter

from . import importing
from .importing import articles, import_ok, invoke, row_counts, sample, stored, thread_url

blog = importing.blog  # the fixture: a site "blog" to import into
OURS = "disqus-sample.xml"  # tests/data: always there
FIRST = "/2024/05/01/first-post/"


def test_our_sample_keeps_threads_statuses_and_reports_what_it_skipped(blog, app, client):
    output = import_ok(app, "disqus", sample(OURS))
    assert "imported 9 comments into 2 articles of site blog" in output
    assert "skipped 1: 1 thread not in the file" in output
    assert "1 replies kept as top-level comments: parent not found" in output
    rows = {r["source_id"]: r for r in stored(app)}
    assert {sid: r["status"] for sid, r in rows.items()} == {
        "10": "approved", "11": "approved", "12": "approved", "13": "spam", "14": "deleted",
        "15": "approved", "16": "pending", "17": "approved", "19": "approved"}
    assert rows["11"]["parent_id"] == rows["10"]["id"]
    assert rows["12"]["parent_id"] == rows["11"]["id"]
    assert rows["15"]["parent_id"] == rows["14"]["id"]  # a reply keeps its deleted parent
    assert rows["17"]["parent_id"] is None  # its parent is not in the file
    assert rows["19"]["article"] == "news-42"  # no link: the thread's identifier
    assert rows["10"]["ip_prefix"] == "198.51.100.0/24"
    assert rows["10"]["body_html"] == "<p>Root comment.</p>"
    found = articles(app)
    assert found[FIRST][:3] == ("First post", "https://blog.example/2024/05/01/first-post/", 5)
    assert found["news-42"][:3] == ("News without a link", None, 1)
    thread = client.get(thread_url("blog", FIRST)).json
    assert thread["count"] == 5
    bodies = {c["body_html"] for c in thread["comments"]}
    assert "<p>Buy now!</p>" not in bodies and "<p>Not yet approved.</p>" not in bodies
    [root] = [c for c in thread["comments"] if c["body_html"] == "<p>Root comment.</p>"]
    assert root["replies"][0]["replies"][0]["body_html"] == "<p>A reply to the reply.</p>"
    again = import_ok(app, "disqus", sample(OURS))
    assert "imported 0 comments" in again and "9 already imported" in again


def test_sample_imports_posts_keeps_the_deleted_parent_and_skips_the_orphan(blog, app, client):
    output = import_ok(app, "disqus", sample("disqus.xml"))
    assert "imported 5 comments into 2 articles" in output
    assert "skipped 1: 1 thread not in the file" in output
    rows = {r["source_id"]: r for r in stored(app)}
    assert set(rows) == {"4", "5", "8", "9", "11"}
    assert rows["9"]["status"] == "deleted"
    assert Counter(r["status"] for r in rows.values()) == {"approved": 4, "deleted": 1}
    assert rows["5"]["parent_id"] == rows["4"]["id"]
    assert rows["11"]["parent_id"] == rows["9"]["id"]  # the reply keeps its place
    assert rows["8"]["article"] == "/blog/2013/02/12/redacted/index.html"
    assert rows["5"]["body"] == "Hello, World." and rows["5"]["body_html"] == "<p>Hello, World.</p>"
    assert rows["4"]["name"] == "peter" and rows["8"]["name"] == "Empty"
    assert rows["4"]["ip_prefix"] == "127.0.0.0/24"
    found = articles(app)
    assert found["/"][:3] == ("Hello, World!", "http://example.org/", 3)
    assert found["/blog/2013/02/12/redacted/index.html"][0] is None  # empty <title/>
    thread = client.get(thread_url("blog", "/")).json
    assert thread["count"] == 3
    bodies = [c["body_html"] for c in thread["comments"]]
    assert len(bodies) == 2 and bodies.count("<p>Hello, World.</p>") == 1  # 11, shown top-level
    [first] = [c for c in thread["comments"] if c["replies"]]
    assert first["replies"][0]["body_html"] == "<p>Hello, World.</p>"


def test_importing_the_sample_twice_adds_nothing(blog, app):
    import_ok(app, "disqus", sample("disqus.xml"))
    before, counts = row_counts(app), articles(app)
    again = import_ok(app, "disqus", sample("disqus.xml"))
    assert "imported 0 comments" in again and "5 already imported" in again
    assert row_counts(app) == before
    assert {k: v[2] for k, v in articles(app).items()} == {k: v[2] for k, v in counts.items()}


def _variant(tmp_path, change):
    raw = sample("disqus.xml").read_text(encoding="utf-8")
    path = tmp_path / "variant.xml"
    path.write_text(change(raw), encoding="utf-8")
    return path


def test_spam_flag_becomes_spam_and_is_not_public(blog, app, client, tmp_path):
    def mark_first_post_spam(raw: str) -> str:
        head, tail = raw.split('<post dsq:id="4">', 1)
        return head + '<post dsq:id="4">' + tail.replace("<isSpam>false", "<isSpam>true", 1)

    import_ok(app, "disqus", _variant(tmp_path, mark_first_post_spam))
    rows = {r["source_id"]: r for r in stored(app)}
    assert rows["4"]["status"] == "spam"
    assert client.get(thread_url("blog", "/")).json["count"] == 2


def test_an_empty_message_is_skipped_with_its_reason(blog, app, tmp_path):
    path = _variant(tmp_path, lambda raw: raw.replace(
        "<message><![CDATA[<p>Message from thread with empty title and id</p>]]></message>",
        "<message>   </message>"))
    output = import_ok(app, "disqus", path)
    assert "1 empty message" in output
    assert "8" not in {r["source_id"] for r in stored(app)}


def test_posts_before_their_threads_and_replies_before_parents_resolve(blog, app, tmp_path):
    def reorder(raw: str) -> str:
        threads = re.findall(r"<thread dsq:id=\"\d+\">.*?</thread>", raw, flags=re.S)
        posts = re.findall(r"<post dsq:id=\"\d+\">.*?</post>", raw, flags=re.S)
        body = "".join(reversed(posts)) + "".join(threads)
        return re.sub(r"(<disqus[^>]*>).*(</disqus>)", lambda m: m[1] + body + m[2], raw,
                      flags=re.S)

    output = import_ok(app, "disqus", _variant(tmp_path, reorder))
    assert "imported 5 comments" in output
    rows = {r["source_id"]: r for r in stored(app)}
    assert rows["5"]["parent_id"] == rows["4"]["id"]
    assert rows["11"]["parent_id"] == rows["9"]["id"]


def test_a_thread_without_link_uses_its_identifier(blog, app, tmp_path):
    path = _variant(tmp_path, lambda raw: raw.replace(
        "<link>http://example.org/</link>", "").replace("<id>some-id</id>", "<id>post-42</id>"))
    import_ok(app, "disqus", path)
    assert articles(app)["post-42"][2] == 3


def test_dry_run_writes_nothing(blog, app):
    output = import_ok(app, "disqus", sample("disqus.xml"), "blog", "--dry-run")
    assert "would import 5 comments" in output
    assert row_counts(app) == (0, 0, 0)


def test_malformed_disqus_file_names_the_place(blog, app, tmp_path):
    path = _variant(tmp_path, lambda raw: raw.replace("</post>", "</pots>", 2))
    result = invoke(app, "import", "disqus", str(path), "--site", "blog")
    assert result.exit_code == 1
    assert re.search(r"line \d+, column \d+", result.output)
    assert row_counts(app) == (0, 0, 0)


def test_a_wordpress_file_is_not_taken_for_disqus(blog, app):
    result = invoke(app, "import", "disqus", str(sample("wordpress.xml")), "--site", "blog")
    assert result.exit_code == 1 and "not a Disqus export" in result.output
