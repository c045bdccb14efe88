"""A publisher's page on another origin, and the helpers the widget's browser tests share."""

from __future__ import annotations

import threading
import typing as t
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""
PARAGRAPH = ("<p>The council met on Tuesday to discuss the harbour lights, the bake sale and the "
             "question of who, exactly, is responsible for the seagulls.</p>")


@dataclass
class Host:
    """A publisher's site on its own origin: path → HTML."""

    origin: str
    pages: dict[str, str] = field(default_factory=dict)

    def page(self, path: str, service: str, *, lang: str = "en", dark: bool = False,
             attrs: str = "", widget: bool = True, extra: str = "", reserve: bool = True) -> str:
        """`reserve`: the README's snippet, whose div reserves the widget's space itself."""
        back, text = ("#121212", "#e8e8e8") if dark else ("#ffffff", "#202020")
        held = ' style="min-height: 100vh"' if reserve else ""
        snippet = (f'<div id="commentsvc" data-site="demo" data-article="story"'
                   f'{held} {attrs}></div>'
                   f'<script src="{service}/embed.js" async></script>') if widget else ""
        self.pages[path] = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>The Gazette</title>
<style>body {{ margin: 0; font: 18px/1.5 Georgia, serif; background: {back}; color: {text}; }}
main {{ max-width: 44rem; margin: 0 auto; padding: 0 1rem; }} a {{ color: inherit; }}</style>
</head><body><header><p>The Gazette</p></header><main><h1>Lights on the harbour</h1>
{PARAGRAPH}{extra}{snippet}
<section><h2>More from the Gazette</h2>{PARAGRAPH * 12}</section></main>
<footer><p>The Gazette, since 1890</p></footer></body></html>"""
        return self.origin + path


def serve_host() -> t.Iterator[Host]:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not here").encode())

        def log_message(self, *args: t.Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Host(f"http://127.0.0.1:{server.server_port}", pages)
    server.shutdown()
    server.server_close()


# The fixtures of the widget's browser tests. A test module takes them by assignment,
# `host, site = widget_host.host, widget_host.site`: an import would read as unused to ruff.
@pytest.fixture(scope="module")
def host() -> t.Iterator[Host]:
    yield from serve_host()


@pytest.fixture
def site(live_server, actions, host):
    """The demo site allowing the host's origin; returns a moderator token."""
    actions.site("demo", host.origin, live_server.url, moderation="all")
    return actions.moderator("mod", "demo")


def thread(actions, token, n, article="story", **fields):
    ids = []
    for i in range(n):
        posted = actions.post(article=article, name=fields.get("name", f"Reader {i}"),
                              email=f"reader{i}@example.org",
                              body=fields.get("body", f"Comment number {i}")).get_json()
        actions.moderate(token, posted["id"], status="approved")
        ids.append(posted["id"])
    return ids


def open_widget(context, url, init: str | None = None):
    page = context.new_page()
    if init:
        page.add_init_script(init)
    page.goto(url)
    page.locator("#commentsvc form").wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    return page


def axe(page, selector: str | None = None) -> list[dict[str, t.Any]]:
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "([ctx, tags]) => axe.run(ctx || document, {runOnly: {type: 'tag', values: tags}})",
        [selector, WCAG])
    return [{"id": v["id"], "targets": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]]
