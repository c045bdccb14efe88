"""`commentsvc import wordpress`: our WXR sample, variants written inline, and the shared
samples (Isso's, WordPress's theme unit test data) when ../shared/data is there."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from commentsvc.privacy import Keys

from . import importing
from .importing import articles, depth, import_ok, invoke, row_counts, sample, stored, thread_url

KEYS = Keys(("test-secret-key-not-for-production",))


def wxr(comments: str, link: str = "https://blog.example/2021/10/08/title/",
        ns: str = "http://wordpress.org/export/1.2/", title: str = "Title") -> str:
    """A minimal WXR document with one item holding the given <wp:comment> elements."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="{ns}"><channel>
<item><title>{title}</title><link>{link}</link><wp:post_id>5</wp:post_id>
{comments}
</item></channel></rss>"""


def wp_comment(cid: int, content: str = "Hello", approved: str = "1", parent: int = 0,
               email: str = "ana@example.org", url: str = "", ip: str = "",
               kind: str = "", gmt: str = "2021-10-08 10:00:00",
               local: str = "2021-10-08 12:00:00") -> str:
    return f"""<wp:comment><wp:comment_id>{cid}</wp:comment_id>
<wp:comment_author><![CDATA[Ana]]></wp:comment_author>
<wp:comment_author_email>{email}</wp:comment_author_email>
<wp:comment_author_url>{url}</wp:comment_author_url>
<wp:comment_author_IP>{ip}</wp:comment_author_IP>
<wp:comment_date>{local}</wp:comment_date><wp:comment_date_gmt>{gmt}</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{content}]]></wp:comment_content>
<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"""


blog = importing.blog  # the fixture: a site "blog" to import into
OURS = "wordpress-sample.xml"  # tests/data: always there
FIRST = "/2024/05/01/first-post/"


def test_our_sample_keeps_threads_statuses_and_skips_the_pingback(blog, app, client):
    output = import_ok(app, "wordpress", sample(OURS))
    assert "imported 8 comments into 2 articles of site blog" in output
    assert "skipped 1: 1 pingback" in output
    assert "1 replies kept as top-level comments: parent not found" in output
    rows = {(r["article"], r["source_id"]): r for r in stored(app)}
    assert {sid: r["status"] for (key, sid), r in rows.items() if key == FIRST} == {
        "101": "approved", "102": "approved", "103": "approved", "104": "pending",
        "105": "spam", "106": "rejected", "108": "approved"}
    assert rows[(FIRST, "102")]["parent_id"] == rows[(FIRST, "101")]["id"]
    assert rows[(FIRST, "103")]["parent_id"] == rows[(FIRST, "102")]["id"]
    assert rows[(FIRST, "108")]["parent_id"] is None  # its parent 999 is not in the file
    assert rows[("/2024/06/02/second/", "101")]["name"] == "Fay"  # same id, another post
    ana, bo = rows[(FIRST, "101")], rows[(FIRST, "102")]
    assert ana["ip_prefix"] == "203.0.113.0/24" and bo["ip_prefix"] == "2001:db8:1::/48"
    assert ana["created_at"] == dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
    assert ana["url"] == "https://ana.example/" and KEYS.decrypt(ana["email_cipher"]) == \
        "ana.reader77@example.org"
    found = articles(app)
    assert set(found) == {FIRST, "/2024/06/02/second/"}  # the post without comments: none
    assert found[FIRST][:3] == ("First post", "https://blog.example/2024/05/01/first-post/", 4)
    thread = client.get(thread_url("blog", FIRST)).json
    assert thread["count"] == 4
    [root] = [c for c in thread["comments"] if c["replies"]]
    assert root["replies"][0]["replies"][0]["body_html"] == "<p>A reply to the reply.</p>"
    assert "<p>My parent was deleted before the export.</p>" in [
        c["body_html"] for c in thread["comments"]]


def test_isso_sample_keeps_threads_dates_addresses_and_ip_prefixes(blog, app):
    output = import_ok(app, "wordpress", sample("wordpress.xml"))
    assert "imported 8 comments into 2 articles" in output
    rows = stored(app)
    assert len(rows) == 8
    assert Counter(r["article"] for r in rows) == {"/2014/test/": 7, "/?p=4": 1}
    by_id = {r["id"]: r for r in rows}
    assert sum(r["parent_id"] is not None for r in rows) == 3
    assert max(depth(r, by_id) for r in rows) == 3
    # comment_id 11 under two different posts: both kept.
    assert sorted(r["article"] for r in rows if r["source_id"] == "11") == ["/2014/test/", "/?p=4"]
    by_source = {(r["article"], r["source_id"]): r for r in rows}
    first = by_source[("/2014/test/", "2")]
    assert first["email_hash"] == KEYS.email_hash("test@example.org")  # newline stripped
    assert KEYS.decrypt(first["email_cipher"]) == "test@example.org"
    assert first["avatar_key"] == KEYS.avatar_key("test@example.org", "blog")
    assert first["ip_prefix"] == "82.119.20.0/24" and first["ip_hash"]
    assert first["url"] == "http://example.tld/" and first["name"] == "Ohai"
    # comment_date_gmt wins over the local comment_date; a missing comment_date is fine.
    assert by_source[("/2014/test/", "10")]["created_at"] == dt.datetime(2022, 6, 6, 2, 13, 14,
                                                                          tzinfo=dt.UTC)
    assert by_source[("/2014/test/", "7")]["created_at"] == dt.datetime(2014, 4, 29, 15, 21, 35,
                                                                         tzinfo=dt.UTC)
    assert by_source[("/2014/test/", "10")]["body"] == (
        "When you have a comment with multiple lines:\nWordPress exports it like this.")
    assert all(r["status"] == "approved" for r in rows)
    assert articles(app)["/2014/test/"][:3] == ("Hello, World…", "http://example.tld/2014/test/", 7)
    assert articles(app)["/?p=4"][2] == 1


def test_isso_sample_threads_are_public_with_their_nesting(blog, app, client):
    import_ok(app, "wordpress", sample("wordpress.xml"))
    thread = client.get(thread_url("blog", "/2014/test/")).json
    assert thread["count"] == 7
    zweiter = next(c for c in thread["comments"] if "Zweiter" in c["body_html"])
    [drolfter] = zweiter["replies"]
    assert "Drölfter" in drolfter["body_html"]
    assert len(drolfter["replies"]) == 2
    assert client.get(thread_url("blog", "/?p=4")).json["count"] == 1


def test_theme_unit_test_data_counts_statuses_and_the_ten_deep_chain(blog, app, client):
    output = import_ok(app, "wordpress", sample("themeunittestdata.wordpress.xml"))
    assert "imported 29 comments" in output
    assert "skipped 4: 2 pingback, 2 trackback" in output
    rows = stored(app)
    assert Counter(r["status"] for r in rows) == {"approved": 26, "pending": 3}
    assert sum(r["parent_id"] is not None for r in rows) == 10
    by_id = {r["id"]: r for r in rows}
    deepest = next(r for r in rows if r["body"].startswith("Comment Depth 10"))
    assert depth(deepest, by_id) == 10
    chain = []
    node = deepest
    while node is not None:
        chain.append(node["body"][:16])
        node = by_id.get(node["parent_id"])
    assert chain == [f"Comment Depth {n:02d}" for n in range(10, 0, -1)]
    for key, (_title, _url, approved, _version) in articles(app).items():
        assert approved == sum(r["article"] == key and r["status"] == "approved" for r in rows)
        assert client.get(thread_url("blog", key)).json["count"] == approved


def _local_parts_hidden(raw: str) -> set[str]:
    """Local parts of the file's addresses that appear nowhere else in the file."""
    emails = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", raw))
    without = re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ", raw)
    return {e.split("@")[0] for e in emails if e.split("@")[0] not in without}


@pytest.mark.parametrize("kind, name", [
    ("wordpress", OURS),
    ("disqus", "disqus-sample.xml"),
    ("wordpress", "wordpress.xml"),
    ("wordpress", "themeunittestdata.wordpress.xml"),
    ("disqus", "disqus.xml"),
])
def test_no_address_or_ip_in_any_public_thread(blog, app, client, kind, name):
    path = sample(name)
    import_ok(app, kind, path)
    raw = path.read_text(encoding="utf-8")
    emails = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", raw))
    ips = set(re.findall(r"<(?:wp:comment_author_IP|ipAddress)>([^<]+)<", raw))
    hidden = _local_parts_hidden(raw)
    assert emails
    for key in articles(app):
        response = client.get(thread_url("blog", key), query_string={"per_page": 200})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert response.json["count"] >= 0
        for email in emails:
            assert email not in text and KEYS.email_hash(email) not in text
        for local in hidden:
            assert local not in text
        for ip in ips:
            assert ip.strip() not in text
            assert ip.strip().removeprefix("::ffff:") not in text


def test_importing_the_same_file_twice_adds_nothing(blog, app):
    import_ok(app, "wordpress", sample(OURS))
    before, counts = row_counts(app), articles(app)
    again = import_ok(app, "wordpress", sample(OURS))
    assert "imported 0 comments" in again and "8 already imported" in again
    assert row_counts(app) == before
    assert {k: v[2] for k, v in articles(app).items()} == {k: v[2] for k, v in counts.items()}


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_wxr_version_and_namespace_spelling_imports(blog, app, tmp_path, version, scheme):
    raw = sample("wordpress.xml").read_text(encoding="utf-8")
    variant = raw.replace("http://wordpress.org/export/1.0/",
                          f"{scheme}://wordpress.org/export/{version}/")
    path = tmp_path / "variant.xml"
    path.write_text(variant, encoding="utf-8")
    assert "imported 8 comments" in import_ok(app, "wordpress", path)


@pytest.mark.parametrize("approved, status", [
    ("1", "approved"), ("0", "pending"), ("hold", "pending"), ("spam", "spam"),
    ("trash", "rejected"),
])
def test_status_is_mapped_and_only_approved_is_counted(blog, app, client, tmp_path,
                                                       approved, status):
    path = tmp_path / "one.xml"
    path.write_text(wxr(wp_comment(1, approved=approved)), encoding="utf-8")
    import_ok(app, "wordpress", path)
    [row] = stored(app)
    assert row["status"] == status
    assert row["article"] == "/2021/10/08/title/"
    count = client.get(thread_url("blog", "/2021/10/08/title/")).json["count"]
    assert count == (1 if status == "approved" else 0)


def test_bodies_keep_the_safe_subset_and_get_paragraphs(blog, app, tmp_path):
    content = ('First <b>para</b>\nsecond line <a href="javascript:alert(1)">x</a>'
               '<script>alert(1)</script>\n\n<em>Next</em> <a href="https://ok.example">ok</a>')
    path = tmp_path / "html.xml"
    path.write_text(wxr(wp_comment(1, content=content)), encoding="utf-8")
    import_ok(app, "wordpress", path)
    [row] = stored(app)
    html = row["body_html"]
    assert "<script" not in html and "javascript:" not in html and "<b>" not in html
    assert html.startswith("<p>First para<br>")
    assert '<p><em>Next</em> <a href="https://ok.example" rel="nofollow ugc noopener">ok</a></p>' \
        in html
    assert row["body"] == "First para\nsecond line x\n\n*Next* [ok](https://ok.example)"


@pytest.mark.parametrize("field, value, expect", [
    ("url", "javascript:alert(1)", {"url": None}),
    ("url", "ftp://files.example/", {"url": None}),
    ("url", "https://ana.example/blog", {"url": "https://ana.example/blog"}),
    ("email", "not an address", {"email_hash": None, "email_cipher": None}),
    ("email", "", {"email_hash": None, "avatar_key": None}),
    ("ip", "203.0.113.77", {"ip_prefix": "203.0.113.0/24"}),
    ("ip", "2001:db8:1:2::1", {"ip_prefix": "2001:db8:1::/48"}),
    ("ip", "nonsense", {"ip_prefix": None, "ip_hash": None}),
    ("gmt", "0000-00-00 00:00:00",
     {"created_at": dt.datetime(2021, 10, 8, 12, 0, tzinfo=dt.UTC)}),
])
def test_author_fields_are_cleaned_like_new_ones(blog, app, tmp_path, field, value, expect):
    path = tmp_path / "one.xml"
    path.write_text(wxr(wp_comment(1, **{field: value})), encoding="utf-8")
    import_ok(app, "wordpress", path)
    [row] = stored(app)
    assert {k: row[k] for k in expect} == expect


@pytest.mark.parametrize("content, gmt, local, reason", [
    ("   ", "2021-10-08 10:00:00", "", "empty body"),
    ("<script>x</script>", "2021-10-08 10:00:00", "", "empty body"),
    ("Hi", "0000-00-00 00:00:00", "garbage", "no valid date"),
])
def test_unusable_comments_are_skipped_with_a_reason(blog, app, tmp_path, content, gmt, local,
                                                     reason):
    path = tmp_path / "one.xml"
    path.write_text(wxr(wp_comment(1, content=content, gmt=gmt, local=local)
                        + wp_comment(2, content="kept")), encoding="utf-8")
    output = import_ok(app, "wordpress", path)
    assert f"skipped 1: 1 {reason}" in output
    assert [r["body"] for r in stored(app)] == ["kept"]


def test_a_reply_before_its_parent_still_finds_it(blog, app, tmp_path):
    path = tmp_path / "order.xml"
    path.write_text(wxr(wp_comment(3, content="reply", parent=2, gmt="2021-10-09 10:00:00")
                        + wp_comment(2, content="parent")), encoding="utf-8")
    import_ok(app, "wordpress", path)
    rows = {r["body"]: r for r in stored(app)}
    assert rows["reply"]["parent_id"] == rows["parent"]["id"]


@pytest.mark.parametrize("link, key", [
    ("https://blog.example/2021/10/08/title/", "/2021/10/08/title/"),
    ("http://example.tld/?p=4", "/?p=4"),
    ("https://blog.example", "/"),
])
def test_article_key_is_the_path_of_the_link(blog, app, tmp_path, link, key):
    path = tmp_path / "one.xml"
    path.write_text(wxr(wp_comment(1), link=link, title="A &amp; B"), encoding="utf-8")
    import_ok(app, "wordpress", path)
    assert articles(app)[key][:2] == ("A & B", link)


def test_dry_run_reports_and_writes_nothing(blog, app):
    output = import_ok(app, "wordpress", sample(OURS), "blog", "--dry-run")
    assert "would import 8 comments" in output and "nothing was written" in output
    assert row_counts(app) == (0, 0, 0)


def test_malformed_file_names_the_place_and_imports_nothing(blog, app, tmp_path):
    good = wp_comment(1)
    path = tmp_path / "broken.xml"
    path.write_text(wxr(good).replace("</item>", "</item><item><title>x</titel></item>"),
                    encoding="utf-8")
    result = invoke(app, "import", "wordpress", str(path), "--site", "blog")
    assert result.exit_code == 1
    assert re.search(r"not well-formed XML at line \d+, column \d+", result.output)
    assert row_counts(app) == (0, 0, 0)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><link>/a</link>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&lol3;</wp:comment_content>
<wp:comment_date_gmt>2021-10-08 10:00:00</wp:comment_date_gmt></wp:comment>
</item></channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><link>/a</link>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&xxe;</wp:comment_content>
<wp:comment_date_gmt>2021-10-08 10:00:00</wp:comment_date_gmt></wp:comment>
</item></channel></rss>"""


@pytest.mark.parametrize("kind", ["wordpress", "disqus"])
@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY],
                         ids=["billion-laughs", "external-entity"])
def test_hostile_xml_is_refused_and_nothing_is_written(blog, app, tmp_path, kind, document):
    path = tmp_path / "hostile.xml"
    path.write_text(document, encoding="utf-8")
    result = invoke(app, "import", kind, str(path), "--site", "blog")
    assert result.exit_code == 1
    assert "refused" in result.output and "nothing was imported" in result.output
    assert "root:" not in result.output and "lollol" not in result.output
    assert row_counts(app) == (0, 0, 0)


def test_unknown_site_is_a_clear_error(app):
    result = invoke(app, "import", "wordpress", str(sample(OURS)), "--site", "nope")
    assert result.exit_code == 1
    assert "there is no site 'nope'" in result.output
    assert row_counts(app) == (0, 0, 0)


def test_a_disqus_file_is_not_taken_for_wordpress(blog, app):
    result = invoke(app, "import", "wordpress", str(sample("disqus-sample.xml")), "--site", "blog")
    assert result.exit_code == 1
    assert "not a WordPress export" in result.output


def test_progress_is_reported_over_every_byte_read():
    from commentsvc.importers import wordpress

    path = sample("themeunittestdata.wordpress.xml")
    seen: list[int] = []
    items = list(wordpress.records(path, progress=seen.append))
    assert len(items) == 33
    assert sum(seen) == path.stat().st_size and len(seen) > 1


def test_a_reply_whose_parent_is_missing_is_kept_top_level_and_reported(blog, app, client,
                                                                        tmp_path):
    path = tmp_path / "orphan.xml"
    path.write_text(wxr(wp_comment(5, content="lost reply", parent=99)
                        + wp_comment(6, content="trackback", kind="trackback", parent=5)),
                    encoding="utf-8")
    output = import_ok(app, "wordpress", path)
    assert "1 replies kept as top-level comments: parent not found" in output
    assert "skipped 1: 1 trackback" in output
    [row] = stored(app)
    assert row["parent_id"] is None
    thread = client.get(thread_url("blog", "/2021/10/08/title/")).json
    assert [c["body_html"] for c in thread["comments"]] == ["<p>lost reply</p>"]


def test_imported_comments_behave_like_posted_ones(actions, app, client):
    actions.site("blog", moderation="none")
    import_ok(app, "wordpress", sample("wordpress.xml"))
    url = thread_url("blog", "/2014/test/")
    repeat = client.post(url, json={"name": "Ohai", "email": "TEST@example.org",
                                    "body": "Erster!1"})
    # another client than the imported comment's: answered as held, nothing stored (12.3)
    assert repeat.status_code == 202 and repeat.json["status"] == "pending"
    parent = next(c for c in client.get(url).json["comments"] if "Erster" in c["body_html"])
    reply = client.post(url, json={"name": "Bo", "email": "bo@example.org", "body": "Welcome",
                                   "parent_id": parent["id"]})
    assert reply.status_code == 201, reply.json
    thread = client.get(url).json
    assert thread["count"] == 8
    again = next(c for c in thread["comments"] if c["id"] == parent["id"])
    assert [r["body_html"] for r in again["replies"]] == ["<p>Welcome</p>"]
