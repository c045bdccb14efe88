"""No public byte ever holds a commenter's address: every public route, the database and the logs.

The sweep discovers the routes from app.url_map at run time, so pages, feeds and scripts added
later are swept too. Only the moderators' API and review page are left out (they show a masked
address by design, and reveal one only on an audited request).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import typing as t
from urllib.parse import quote

import pytest
from sqlalchemy import MetaData, select

from commentsvc.extensions import db

ADDRESS = "Leak.Canary7731@Example.org"
NAME = "Canary Ana"
ORIGIN = "https://blog.example"
PRIVATE_PREFIXES = ("/api/v1/moderation", "/moderate")


def needles(address: str) -> dict[str, str]:
    """Every form of the address that must never appear, lower-cased (haystacks are too)."""
    local = address.split("@")[0]
    forms = {"address": address, "lower": address.lower()}
    found = {"address": address.lower(), "local part": local.lower(),
             "percent-encoded": quote(address, safe="").lower()}
    for label, form in forms.items():
        for algo in ("md5", "sha1", "sha256"):
            found[f"{algo}({label})"] = hashlib.new(algo, form.encode()).hexdigest()
    return found


def leaks(text: str, where: str) -> list[str]:
    low = text.lower()
    return [f"{what} in {where}" for what, needle in needles(ADDRESS).items() if needle in low]


@pytest.fixture
def posted(actions: t.Any) -> dict[str, t.Any]:
    """A site with approved, pending and replied comments by the canary address."""
    actions.site("demo", ORIGIN, "http://localhost")
    token = actions.moderator("mod", "demo")
    answers = []
    top = actions.post(name=NAME, email=ADDRESS, body="Approved by the canary",
                       url="https://canary.example")
    answers.append(top)
    actions.moderate(token, top.json["id"], status="approved")
    reply = actions.post(name="Bo", email="bo@example.org", body="Bo replies",
                         parent_id=top.json["id"])
    actions.moderate(token, reply.json["id"], status="approved")
    canary_reply = actions.post(name=NAME, email=ADDRESS.upper(), body="Canary answers Bo",
                                parent_id=reply.json["id"])
    answers.append(canary_reply)
    actions.moderate(token, canary_reply.json["id"], status="approved")
    answers.append(actions.post(name=NAME, email=ADDRESS, body="Still pending"))
    answers.append(actions.post(name=NAME, email=ADDRESS, body="Spam!", fax="x"))
    answers.append(actions.post(name=NAME, email=ADDRESS, body="On another article",
                                article="/2026/11/other/"))
    form = actions.client.post(
        "/api/v1/sites/demo/articles/hello-world/comments",
        data={"name": NAME, "email": ADDRESS, "body": "From the plain form",
              "return_to": f"{ORIGIN}/hello-world/"})
    assert form.status_code == 303
    answers.append(form)
    for answer in answers:
        assert answer.status_code in (201, 202, 303)
    thread = actions.thread().json
    avatars = [c["author"]["avatar"] for c in thread["comments"]]
    return {"ids": [a.json["id"] for a in answers if a.is_json], "answers": answers,
            "avatar_keys": [a.rsplit("/", 1)[1].split(".")[0] for a in avatars],
            "token": token}


def candidates(arg: str, posted: dict[str, t.Any], static_files: list[str]) -> list[t.Any]:
    """Values to fill a route argument with, guessed from its name."""
    name = arg.lower()
    if "site" in name:
        return ["demo"]
    if "article" in name:
        return ["hello-world", "/2026/11/other/"]
    if name in ("filename", "path", "file"):
        return static_files or ["embed.js"]
    if "key" in name or "avatar" in name or "hash" in name:
        return posted["avatar_keys"]
    if "id" in name:
        return posted["ids"]
    return ["demo", "hello-world", *posted["ids"]]


def public_urls(app: t.Any, posted: dict[str, t.Any]) -> list[tuple[str, str]]:
    """(rule, url) for every public GET route, arguments filled in."""
    static_files: list[str] = []
    if app.static_folder and os.path.isdir(app.static_folder):
        for root, _, files in os.walk(app.static_folder):
            static_files += [os.path.relpath(os.path.join(root, f), app.static_folder)
                             for f in files]
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(PRIVATE_PREFIXES):
            continue
        args = sorted(rule.arguments)
        pools = [candidates(a, posted, static_files) for a in args]
        for combo in itertools.islice(itertools.product(*pools), 12):
            values = dict(zip(args, combo, strict=True))
            urls.append((rule.rule, adapter.build(rule.endpoint, values, method="GET")))
    return urls


QUERIES = ["", "?article=hello-world&article=%2F2026%2F11%2Fother%2F",
           "?page=1&per_page=200&order=newest", "?status=pending"]


def test_no_public_route_leaks_the_address(app, actions, posted, caplog):
    caplog.set_level(logging.DEBUG)
    found: list[str] = []
    for answer in posted["answers"]:  # what the submitter is told
        found += leaks(answer.get_data(as_text=True), "submit answer")
        found += leaks(str(dict(answer.headers)), "submit headers")
    urls = public_urls(app, posted)
    rules = {rule for rule, _ in urls}
    assert {"/api/v1/sites/<site>/articles/<article:article>/comments", "/demo/",
            "/avatars/<key>.svg"} <= rules
    answered: dict[str, list[int]] = {}
    seen_canary = 0
    for rule, url in urls:
        for query in QUERIES:
            with actions.client.get(url + query,
                                    headers={"Accept": "text/html,application/json,*/*"}
                                    ) as response:
                body = response.get_data(as_text=True)
            answered.setdefault(rule, []).append(response.status_code)
            seen_canary += NAME in body
            found += leaks(body, f"GET {url + query}")
            found += leaks(str(dict(response.headers)), f"headers of GET {url + query}")
    assert not found, found
    assert seen_canary >= 3  # the sweep saw the canary's comments: it is not vacuous
    broken = {rule: codes for rule, codes in answered.items() if any(c >= 500 for c in codes)}
    assert not broken, broken
    assert not leaks(caplog.text, "logs")


def test_no_table_holds_the_address_in_plaintext(app, posted):
    with app.app_context():
        metadata = MetaData()
        metadata.reflect(bind=db.engine)  # every table, also ones added by later migrations
        found = []
        rows = 0
        for table in metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                rows += 1
                text = " ".join(str(v) for v in row)
                found += leaks(text, table.name)
        assert rows > 10
        assert not found, found
