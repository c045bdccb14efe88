"""Field cleaning shared by the importers (no database needed)."""

from __future__ import annotations

import pytest

from commentsvc.importers.clean import (
    article_key_of,
    clean_email,
    clean_name,
    clean_url,
    text_of,
)


@pytest.mark.parametrize("link, key", [
    ("https://blog.example/2021/10/08/title/", "/2021/10/08/title/"),
    ("http://example.tld/?p=4", "/?p=4"),
    ("https://blog.example", "/"),
    ("https://blog.example/a%20b/#comments", "/a%20b/"),
    ("", None),
    ("   ", None),
])
def test_article_key_is_the_path_and_query_of_the_link(link, key):
    assert article_key_of(link) == key


@pytest.mark.parametrize("raw, email", [
    ("test@example.org\n                ", "test@example.org"),
    ("Ana@EXAMPLE.org", "Ana@example.org"),
    ("no-at-sign", None),
    ("a@b", None),
    ("", None),
    (None, None),
])
def test_addresses_are_normalised_or_dropped(raw, email):
    assert clean_email(raw) == email


@pytest.mark.parametrize("raw, url", [
    ("https://ana.example/", "https://ana.example/"),
    ("HTTP://ana.example", "HTTP://ana.example"),
    ("javascript:alert(1)", None),
    ("http://", None),
    ("https://a.example/" + "x" * 200, None),
    ("https://a b.example/", None),
])
def test_only_http_urls_are_kept(raw, url):
    assert clean_url(raw) == url


@pytest.mark.parametrize("raw, name", [
    ("Tom &amp; Jerry", "Tom & Jerry"),
    ("  spaced \t out\n", "spaced out"),
    ("bell\x07", "bell"),
    ("", "Anonymous"),
    ("x" * 150, "x" * 100),
])
def test_names_are_decoded_trimmed_and_bounded(raw, name):
    assert clean_name(raw) == name


@pytest.mark.parametrize("html, text", [
    ("<p>One</p>\n<p>Two<br>\nthree</p>", "One\n\nTwo\nthree"),
    ('<p><a href="https://x.example" rel="nofollow">x</a> &amp; <em>y</em></p>',
     "[x](https://x.example) & *y*"),
    ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
])
def test_moderators_get_a_markdown_like_text(html, text):
    assert text_of(html) == text
