"""Issue 12 item 15: imported fields pass the submission rules."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from .importing import articles, invoke, stored

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<title>Evil</title><link>https://blog.example</link><wp:wxr_version>1.2</wp:wxr_version>
<item><title>Post</title><link>javascript:alert(document.domain)//x</link>
<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type>
{comments}</item></channel></rss>"""
COMMENT = """<wp:comment><wp:comment_id>{id}</wp:comment_id>
<wp:comment_author><![CDATA[Ana]]></wp:comment_author>
<wp:comment_author_email>ana@example.org</wp:comment_author_email>
<wp:comment_author_url>{url}</wp:comment_author_url>
<wp:comment_date_gmt>2024-05-01 10:00:0{id}</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{body}]]></wp:comment_content>
<wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type>
<wp:comment_parent>0</wp:comment_parent></wp:comment>"""


def _site(app: Flask) -> None:
    assert invoke(app, "site", "add", "blog", "--origin", "https://blog.example").exit_code == 0


def test_a_javascript_link_and_bad_author_urls_never_reach_the_feed(
        app: Flask, tmp_path: Path) -> None:
    _site(app)
    path = tmp_path / "evil.xml"
    path.write_text(WXR.format(comments="".join([
        COMMENT.format(id=1, url="https://user:pw@evil.example/", body="One"),
        COMMENT.format(id=2, url="https://evil.example\\@good.example/", body="Two"),
        COMMENT.format(id=3, url="https://ana.example/", body="Three"),
    ])))
    result = invoke(app, "import", "wordpress", str(path), "--site", "blog")
    assert result.exit_code == 0, result.output
    assert "article link is not an http(s) address; dropped" in result.output
    [(key, (_, url, _, _))] = articles(app).items()
    assert url is None
    assert [c["url"] for c in stored(app)] == [None, None, "https://ana.example/"]
    feed = app.test_client().get(f"/api/v1/sites/blog/articles/{key.lstrip('/')}/feed.atom")
    assert feed.status_code == 200 and b"javascript:" not in feed.data
    assert b"evil.example" not in feed.data


def _line(i: int, **over: object) -> str:
    row = {"article": {"key": "post", "title": "Post", "url": "https://blog.example/post"},
           "id": i, "parent_id": None, "status": "approved", "created_at": "2024-05-01T10:00:00Z",
           "name": "Ana", "url": None, "body": f"Comment {i}", **over}
    return json.dumps(row)


def test_jsonl_overlong_bodies_and_nul_keys_are_reported_skips_with_the_line(
        app: Flask, tmp_path: Path) -> None:
    _site(app)
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([
        _line(1), _line(2, body="x" * 2_200_000),
        _line(3, article={"key": "po\u0000st"}), _line(4)]) + "\n")
    result = invoke(app, "import", "jsonl", str(path), "--site", "blog")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"{path}: line 2: body of 2200000 characters (at most 5000); skipped" in result.output
    assert f"{path}: line 3: article key" in result.output
    assert sorted(c["body"] for c in stored(app)) == ["Comment 1", "Comment 4"]


def test_jsonl_parent_cycles_are_refused(app: Flask, tmp_path: Path) -> None:
    _site(app)
    path = tmp_path / "cycle.jsonl"
    path.write_text("\n".join([_line(1, parent_id=2), _line(2, parent_id=1),
                               _line(3, parent_id=3)]) + "\n")
    result = invoke(app, "import", "jsonl", str(path), "--site", "blog")
    assert result.exit_code != 0 and "parent cycle" in result.output
    assert stored(app) == []
