"""Comment bodies: the safe Markdown subset, and hostile Markdown/HTML rendered harmless."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from commentsvc.render import render_body, sanitize_html

REL = 'rel="nofollow ugc noopener"'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("Hello *world*", "<p>Hello <em>world</em></p>"),
        ("**bold** and `code`", "<p><strong>bold</strong> and <code>code</code></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
        ("    indented", "<pre><code>indented\n</code></pre>"),
        ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"),
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("first\n\nsecond", "<p>first</p>\n<p>second</p>"),
        ("[site](https://ex.org/a?b=1&c=2)", f'<p><a href="https://ex.org/a?b=1&amp;c=2" {REL}>site</a></p>'),
        ("<https://ex.org>", f'<p><a href="https://ex.org" {REL}>https://ex.org</a></p>'),
        ("[mail](mailto:a@ex.org)", f'<p><a href="mailto:a@ex.org" {REL}>mail</a></p>'),
    ],
)
def test_the_safe_subset_renders(source, html):
    assert render_body(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # raw HTML is text, never markup
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ('<a href="javascript:alert(1)">x</a>',
         '<p>&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>'),
        ("<iframe src=//evil>", "<p>&lt;iframe src=//evil&gt;</p>"),
        ("<style>*{display:none}</style>", "<p>&lt;style&gt;*{display:none}&lt;/style&gt;</p>"),
        ("<!-- hidden -->", "<p>&lt;!-- hidden --&gt;</p>"),
        # dangerous link targets are not links
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"),
        ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>"),
        ("[x][r]\n\n[r]: javascript:alert(1)", "<p>[x][r]</p>\n<p>[r]: javascript:alert(1)</p>"),
        # relative and protocol-relative links would resolve against the embedding page
        ("[x](/admin)", f"<p><a {REL}>x</a></p>"),
        ("[x](//evil.example)", f"<p><a {REL}>x</a></p>"),
        # attribute break-outs stay inside the attribute
        ('[x](https://ex.org/"onmouseover="alert(1))',
         f'<p><a href="https://ex.org/%22onmouseover=%22alert(1)" {REL}>x</a></p>'),
        ('[x](https://ex.org "title\\" onclick=\\"alert(1)")', f'<p><a href="https://ex.org" {REL}>x</a></p>'),
        # images become plain links to the picture: nothing is loaded, no stray "!"
        ("![a cat](https://ex.org/cat.png)", f'<p><a href="https://ex.org/cat.png" {REL}>a cat</a></p>'),
        ("![](https://ex.org/cat.png)",
         f'<p><a href="https://ex.org/cat.png" {REL}>https://ex.org/cat.png</a></p>'),
        ('![<b>"q"</b>](https://ex.org/c.png)',
         f'<p><a href="https://ex.org/c.png" {REL}>&lt;b&gt;"q"&lt;/b&gt;</a></p>'),
        ("![x](data:image/png;base64,AAAA)", f"<p><a {REL}>x</a></p>"),
        ("![x](javascript:alert(1))", "<p>![x](javascript:alert(1))</p>"),
        # switched-off block syntax stays text
        ("# Big", "<p># Big</p>"),
        ("---", "<p>---</p>"),
        ("| a |\n|---|\n| 1 |", "<p>| a |<br>\n|---|<br>\n| 1 |</p>"),
        # entities are not a way in
        ("&lt;script&gt;", "<p>&lt;script&gt;</p>"),
        ("[x](java&#x09;script:alert(1))", f"<p><a {REL}>x</a></p>"),
    ],
)
def test_hostile_markdown_and_html_render_harmless(source, html):
    assert render_body(source) == html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>", "[x](javascript:alert(1))", "![x](https://e/x.png)",
    "<svg onload=alert(1)>", "<a href=https://x onclick=alert(1)>", "*<em onclick=x>*",
    "[<img src=x onerror=alert(1)>](https://ex.org)", "[a](https://x 'y\" onclick=z')",
    "![<img src=x>](https://e/x.png)", "<details open ontoggle=alert(1)>",
])
def test_no_rendered_body_holds_active_markup(source):
    parser = _Tags()
    parser.feed(render_body(source))
    for tag, attrs in parser.found:
        assert tag in {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
                       "a"}
        assert set(attrs) <= {"href", "rel"}
        href = attrs.get("href")
        assert href is None or re.match(r"^(https?:|mailto:)", href)


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ('<p onclick="x">hi</p>', "<p>hi</p>"),
        ('<a href="https://ex.org" title="t" target="_blank">x</a>',
         f'<a href="https://ex.org" {REL}>x</a>'),
        ('<a href="javascript:alert(1)">x</a>', f"<a {REL}>x</a>"),
        ("<img src=x onerror=alert(1)>ok", "ok"),
        ("<script>alert(1)</script>ok", "ok"),
        ("<h1>t</h1><table><tr><td>c</td></tr></table>", "tc"),
    ],
)
def test_imported_html_is_sanitised_to_the_same_subset(html, clean):
    assert sanitize_html(html) == clean
