"""What readers' browsers load: avatars and the demo article page."""

from __future__ import annotations

import hashlib
import typing as t

from flask import Blueprint, Response, render_template, request

from .. import comments, serialize

bp = Blueprint("embed", __name__)

DEMO_SITE = "demo"
DEMO_ARTICLE = "hello-world"


@bp.get("/avatars/<key>.svg")
def avatar(key: str) -> t.Any:
    """A 5x5 symmetric identicon drawn from the keyed avatar digest: no third-party request."""
    digest = hashlib.sha256(key.encode()).digest()
    hue = digest[0] * 360 // 256
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" height="48">'
        '<rect x="-0.5" y="-0.5" width="6" height="6" fill="#f0f0f0"/>'
        f'<g fill="hsl({hue},55%,50%)">{"".join(cells)}</g></svg>'
    )
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@bp.get("/demo/")
def demo() -> t.Any:
    site = comments.get_site(DEMO_SITE)
    thread = comments.read_thread(DEMO_SITE, DEMO_ARTICLE)
    return render_template(
        "demo.html",
        site=site,
        article_key=DEMO_ARTICLE,
        thread=serialize.thread(thread, "oldest"),
        return_to=request.base_url,
        pending=request.args.get("pending"),
    )
