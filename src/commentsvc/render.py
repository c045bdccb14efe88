"""Comment bodies: a safe Markdown subset rendered to sanitised HTML, once, on write.

    render_body("Hello *world* <script>")  # '<p>Hello <em>world</em> &lt;script&gt;</p>'

markdown-it-py parses CommonMark with raw HTML off, headings, rules and tables off, and
images turned into plain links to the picture (its alt text as the label: nothing is loaded,
and no stray "!" is left); nh3 (ammonia) then keeps only the tags below, only absolute
http(s)/mailto links, and adds rel="nofollow ugc noopener" to every link.
"""

from __future__ import annotations

import typing as t

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .disable(["html_block", "html_inline", "heading", "lheading", "hr", "table"],
             ignoreInvalid=True)
)


def _image_as_link(self: t.Any, tokens: t.Any, idx: int, options: t.Any, env: t.Any) -> str:
    """Render ![alt](src) as a link to the picture labelled with its alt text."""
    token = tokens[idx]
    label = self.renderInlineAsText(token.children or [], options, env).strip()
    src = str(token.attrGet("src") or "")
    return f'<a href="{escapeHtml(src)}">{escapeHtml(label or src)}</a>'


_markdown.add_render_rule("image", _image_as_link)


def sanitize_html(html: str) -> str:
    """Keep the safe subset of an HTML fragment (also used for imported WordPress bodies)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"*": set(), **ALLOWED_ATTRIBUTES},  # no generic title/lang either
        url_schemes=URL_SCHEMES,
        url_relative="deny",  # a relative link would resolve against the embedding page
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    ).strip()


def render_body(text: str) -> str:
    """Render a Markdown comment body to safe HTML."""
    return sanitize_html(_markdown.render(text))
