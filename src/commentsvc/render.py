"""Comment bodies: a safe Markdown subset rendered to sanitised HTML, once, on write.

    render_body("Hello *world* <script>")  # '<p>Hello <em>world</em> &lt;script&gt;</p>'

markdown-it-py parses CommonMark with raw HTML off and images disabled; nh3 (ammonia) then
keeps only the tags below and adds rel="nofollow ugc noopener" to every link.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .disable(["image", "html_block", "html_inline", "heading", "lheading", "hr", "table"],
             ignoreInvalid=True)
)


def sanitize_html(html: str) -> str:
    """Keep the safe subset of an HTML fragment (also used for imported WordPress bodies)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    ).strip()


def render_body(text: str) -> str:
    """Render a Markdown comment body to safe HTML."""
    return sanitize_html(_markdown.render(text))
