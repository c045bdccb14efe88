"""The widget's figures on a third-party host page, in Debian's Chromium: layout shift (cold and
warm), requests, transferred sizes and axe-core (WCAG 2.1 A/AA) violations per page.

    .venv/bin/python bench/widget_figures.py            # this checkout
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/widget_figures.py   # another one

17 approved comments by 17 readers; viewport 1280x800; the host page has a paragraph above the
widget and a long section below it, and embeds it with the README's snippet (its reserved
min-height) and without it. `--screenshots docs` also draws the README's pictures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from commentsvc import create_app

AXE = Path(__file__).resolve().parents[1] / "tests" / "vendor" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CLS = """window.__cls = 0; new PerformanceObserver((l) => { for (const e of l.getEntries())
  if (!e.hadRecentInput) window.__cls += e.value; })
  .observe({type: "layout-shift", buffered: true});"""
TEXT = "<p>" + "The council met on Tuesday about the harbour lights and the seagulls. " * 3 + "</p>"


def serve(app: t.Any) -> tuple[str, t.Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def host_server(pages: dict[str, str]) -> tuple[str, t.Any]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path.split("?")[0], "")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: t.Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def host_page(service: str, dark: bool, reserve: bool) -> str:
    back, text = ("#121212", "#e8e8e8") if dark else ("#ffffff", "#202020")
    style = ' style="min-height: 100vh"' if reserve else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>
<style>body {{ margin: 0; font: 18px/1.5 Georgia, serif; background: {back}; color: {text}; }}
main {{ max-width: 44rem; margin: 0 auto; padding: 0 1rem; }}</style></head><body><main>
<h1>Lights on the harbour</h1>{TEXT}
<div id="commentsvc" data-site="demo" data-article="hello-world"{style}></div>
<script src="{service}/embed.js" async></script>
<section><h2>More from the Gazette</h2>{TEXT * 12}</section></main></body></html>"""


def setup(service_origins: list[str]) -> t.Any:
    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/figures.db",
                      "SECRET_KEY": "figures-" * 5, "FLOOD_SECONDS": 0,
                      "SUBMIT_RATE_LIMIT": "10000 per minute"})
    with app.app_context():
        from commentsvc.extensions import db

        db.create_all()
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screenshots", metavar="DIR",
                        help="also write DIR/widget-light.png and DIR/widget-dark.png")
    args = parser.parse_args()
    pages: dict[str, str] = {}
    host, _h = host_server(pages)
    app = setup([])
    service, _s = serve(app)
    runner = app.test_cli_runner()
    runner.invoke(args=["site", "add", "demo", "--origin", host, "--origin", service])
    token = runner.invoke(args=["moderator", "add", "mod", "--site", "demo"]).output.split()[-1]
    client = app.test_client()
    for i in range(17):
        posted = client.post("/api/v1/sites/demo/articles/hello-world/comments", json={
            "name": f"Reader {i}", "email": f"r{i}@example.org", "body": f"Comment {i} " * 12})
        client.patch(f"/api/v1/moderation/comments/{posted.get_json()['id']}",
                     json={"status": "approved"}, headers={"Authorization": f"Bearer {token}"})
    for dark in (False, True):
        for reserve in (True, False):
            name = f"/{'dark' if dark else 'light'}{'' if reserve else '-plain'}"
            pages[name] = host_page(service, dark, reserve)
    figures: dict[str, t.Any] = {"sizes (bytes sent gzipped / plain)": sizes(client)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        for path, label in (("/light", "with the snippet's min-height"),
                            ("/light-plain", "without it")):
            figures[f"CLS cold / warm, {label}"], requests = shifts(browser, host + path)
            figures["requests to the service, cold / warm"] = [
                sum(u.startswith(service) for u in seen) for seen in requests]
        figures["axe violations (rule: nodes)"] = audits(browser, host, service)
        figures["axe violations (rule: nodes)"].update(review_audits(browser, service, token))
        if args.screenshots:
            screenshots(browser, (host, pages), service, runner, Path(args.screenshots))
        browser.close()
    print(json.dumps(figures, indent=1, ensure_ascii=False))


def sizes(client: t.Any) -> dict[str, list[int]]:
    """What the service sends for each asset, gzipped (as browsers take it) and plain."""
    script = client.get("/embed.js").get_data(as_text=True)
    build = json.loads(script.split("var BUILD = ", 1)[1].split(";", 1)[0])
    out = {}
    locales = [f"i18n/{tag}.{build['strings'][tag]}.json" for tag in ("fr", "ar")]
    for name in ("embed.js", "embed.css", "count.js", "frame.js", *locales):
        zipped = client.get(f"/{name}", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers.get("Content-Encoding") == "gzip", name
        label = name.split(".")[0] + ".json" if name.startswith("i18n/") else name
        out[label] = [len(zipped.data), len(client.get(f"/{name}").data)]
    return out


def shifts(browser: t.Any, url: str) -> tuple[list[float], list[list[str]]]:
    """CLS of a cold visit (a new browser profile) and a warm one (a new tab after it)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    scores, requests = [], []
    for _visit in ("cold", "warm"):
        seen: list[str] = []
        page = context.new_page()
        page.on("request", lambda r, seen=seen: seen.append(r.url))
        page.add_init_script(CLS)
        page.goto(url)
        page.locator(".commentsvc-comment").nth(16).wait_for()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        scores.append(round(page.evaluate("window.__cls"), 4))
        requests.append(seen)
        page.close()
    context.close()
    return scores, requests


def screenshots(browser: t.Any, host_pages: tuple[str, dict[str, str]], service: str,
                runner: t.Any, folder: Path) -> None:
    """The README's pictures: a short thread with a reply and a staff answer, light and dark."""
    host, pages = host_pages
    client = runner.app.test_client()
    staff = runner.invoke(args=["moderator", "add", "desk", "--site", "demo",
                                "--display-name", "Harbour desk"]).output.split()[-1]
    auth = {"Authorization": f"Bearer {staff}"}
    url = "/api/v1/sites/demo/articles/harbour/comments"
    said = [("Ana", "Lovely to see the lights back. The harbour looks like it did when I was "
                    "a child.", None),
            ("Bo", "Agreed — and the **lemon tarts** were worth every penny.", 0),
            ("Chidi", "Will they stay on past midnight in summer?", None)]
    ids: list[int] = []
    for name, body, parent in said:
        posted = client.post(url, json={"name": name, "email": f"{name.lower()}@example.org",
                                        "body": body,
                                        "parent_id": ids[parent] if parent is not None else None})
        ids.append(posted.get_json()["id"])
        client.patch(f"/api/v1/moderation/comments/{ids[-1]}", json={"status": "approved"},
                     headers=auth)
    client.post(f"/api/v1/moderation/comments/{ids[2]}/reply", headers=auth,
                json={"body": "Until 1 a.m. from June to August, says the harbour office."})
    for scheme in ("light", "dark"):
        back = "#121212" if scheme == "dark" else "#ffffff"
        name = f"/shot-{scheme}"
        # the host page: only the widget, the theme chosen by its attribute
        pages[name] = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><style>'
                       f'body {{ margin: 0; background: {back}; font: 16px sans-serif; }}'
                       '</style></head><body><div id="commentsvc" data-site="demo" '
                       f'data-article="harbour" data-theme="{scheme}" data-title="Harbour lights '
                       f'return to the old town"></div><script src="{service}/embed.js" async>'
                       '</script></body></html>')
        context = browser.new_context(viewport={"width": 608, "height": 900},
                                      device_scale_factor=1)
        page = context.new_page()
        page.goto(host + name)
        page.locator(".commentsvc-comment").nth(3).wait_for()
        page.wait_for_load_state("networkidle")
        page.locator("#commentsvc").screenshot(path=str(folder / f"widget-{scheme}.png"))
        context.close()


def axe(page: t.Any) -> dict[str, int]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG)
    return {v["id"]: len(v["nodes"]) for v in result["violations"]}


def audits(browser: t.Any, host: str, service: str) -> dict[str, t.Any]:
    out: dict[str, t.Any] = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)
        for host_kind in ("light", "dark"):
            page = context.new_page()
            page.goto(f"{host}/{host_kind}")
            page.locator(".commentsvc-comment").nth(16).wait_for()
            key = f"{scheme} reader, {host_kind} host"
            out[f"widget with thread ({key})"] = axe(page)
            page.locator(".commentsvc-reply").first.click()
            out[f"reply form open ({key})"] = axe(page)
            page.locator(".commentsvc-submit").click()
            page.locator(".commentsvc-error:not(:empty)").first.wait_for()
            out[f"validation errors ({key})"] = axe(page)
            page.close()
        page = context.new_page()
        page.goto(f"{service}/embed/demo/hello-world")
        out[f"no-JS page ({scheme})"] = axe(page)
        page.locator(".commentsvc-submit").click()
        page.wait_for_load_state()
        out[f"form error page ({scheme})"] = axe(page)
        context.close()
    return out


def review_audits(browser: t.Any, service: str, token: str) -> dict[str, t.Any]:
    """The moderators' review page, logged in, with a queue (the figures' comments held)."""
    out: dict[str, t.Any] = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{service}/moderate/")
        out[f"review login ({scheme})"] = axe(page)
        page.fill("#token", token)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.goto(f"{service}/moderate/?status=approved")
        out[f"review page ({scheme})"] = axe(page)
        context.close()
    return out


if __name__ == "__main__":
    main()
