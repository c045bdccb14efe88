"""`commentsvc export` and `commentsvc import jsonl`: leaving with every thread intact."""

from __future__ import annotations

import json
import re
import typing as t

import pytest

from commentsvc.privacy import Keys

from .conftest import truncate_all
from .importing import articles, import_ok, invoke, row_counts, sample, stored

KEYS = Keys(("test-secret-key-not-for-production",))


def export(app: t.Any, *extra: str, site: str = "blog") -> list[dict[str, t.Any]]:
    result = invoke(app, "export", "--site", site, *extra)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def canonical(lines: list[dict[str, t.Any]]) -> list[tuple[t.Any, ...]]:
    """The threads as a person sees them: every field but ids, parents named by content."""
    by_id = {line["id"]: line for line in lines}

    def ident(line: dict[str, t.Any]) -> tuple[t.Any, ...]:
        return (line["article"]["key"], line["created_at"], line["name"], line["body"])

    out = []
    for line in lines:
        parent = by_id.get(line["parent_id"])
        out.append((*ident(line), line["article"]["title"], line["article"]["url"],
                    line["status"], line["edited_at"], line["url"], line["body_html"],
                    line.get("email"), ident(parent) if parent else None))
    return sorted(out, key=repr)


@pytest.fixture
def filled(actions, app):
    """A site with the three samples imported and two comments posted here (one a reply)."""
    actions.site("blog", moderation="none")
    for kind, name in [("wordpress", "wordpress.xml"),
                       ("wordpress", "themeunittestdata.wordpress.xml"),
                       ("disqus", "disqus.xml")]:
        import_ok(app, kind, sample(name))
    first = actions.post(site="blog", article="native", name="Bo", email="Bo@Example.org",
                         body="Posted *here*", url="https://bo.example")
    assert first.status_code == 201, first.json
    reply = actions.post(site="blog", article="native", name="Cy", email="cy@example.org",
                         body="A reply", parent_id=first.json["id"])
    assert reply.status_code == 201, reply.json
    return actions


def test_export_then_import_into_an_empty_database_gives_the_same_threads(filled, app, tmp_path):
    before = export(app, "--with-emails")
    assert len(before) == 8 + 29 + 5 + 2
    counts_before = {k: v[:3] for k, v in articles(app).items()}
    path = tmp_path / "blog.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in before) + "\n", encoding="utf-8")

    truncate_all(app)
    assert row_counts(app) == (0, 0, 0)
    invoke(app, "site", "add", "blog", "--origin", "https://blog.example")
    output = import_ok(app, "jsonl", path)
    assert f"imported {len(before)} comments" in output

    after = export(app, "--with-emails")
    assert canonical(after) == canonical(before)
    assert {k: v[:3] for k, v in articles(app).items()} == counts_before
    for row in stored(app):  # hashes re-derived from the address
        if row["email_cipher"]:
            email = KEYS.decrypt(row["email_cipher"])
            assert row["email_hash"] == KEYS.email_hash(email)
            assert row["avatar_key"] == KEYS.avatar_key(email, "blog")
        else:
            assert row["email_hash"] is None
    # Importing the export again, or the original WordPress file, adds nothing.
    assert "imported 0 comments" in import_ok(app, "jsonl", path)
    assert "imported 0 comments" in import_ok(app, "wordpress", sample("wordpress.xml"))


def test_export_lines_hold_the_documented_fields(filled, app):
    lines = export(app)
    native = [line for line in lines if line["article"]["key"] == "native"]
    assert [line["body"] for line in native] == ["Posted *here*", "A reply"]
    assert native[1]["parent_id"] == native[0]["id"]
    assert native[0]["status"] == "approved" and native[0]["url"] == "https://bo.example"
    assert native[0]["source"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", native[0]["created_at"])
    wp = next(line for line in lines if line["source"] == "wordpress"
              and line["source_id"] == "2" and line["article"]["key"] == "/2014/test/")
    assert wp["created_at"] == "2014-01-14T17:32:12Z"
    assert wp["article"] == {"key": "/2014/test/", "title": "Hello, World…",
                             "url": "http://example.tld/2014/test/"}


def test_addresses_are_exported_only_when_asked_for(filled, app):
    result = invoke(app, "export", "--site", "blog")
    assert result.exit_code == 0
    assert all("email" not in json.loads(line) for line in result.output.splitlines())
    with_emails = {line["name"]: line["email"] for line in export(app, "--with-emails")}
    addresses = {email for email in with_emails.values() if email}
    assert len(addresses) >= 5
    for email in addresses:
        assert email not in result.output
    assert with_emails["Bo"] == "Bo@example.org"  # normalised: the domain is lower-cased
    assert with_emails["Ohai"] == "test@example.org"


GOOD_LINE = ('{"id": 9, "article": {"key": "a"}, "status": "approved", "body": "fine",'
             ' "created_at": "2020-01-01T00:00:00Z"}')


@pytest.mark.parametrize("bad, message", [
    ("not json", "line 2: not valid JSON"),
    ("[1, 2]", "line 2: not a JSON object"),
    ('{"id": 1, "article": {"key": "a"}, "status": "hidden", "body": "x",'
     ' "created_at": "2020-01-01T00:00:00Z"}', "line 2: status must be one of"),
    ('{"id": 1, "article": {"key": "a"}, "status": "approved", "body": "x",'
     ' "created_at": "yesterday"}', "line 2: created_at is not an ISO 8601 date"),
    ('{"id": 1, "status": "approved", "body": "x"}', "line 2: article.key is missing"),
    ('{"article": {"key": "a"}, "status": "approved", "body": "x"}', "line 2: id is missing"),
])
def test_a_bad_export_file_names_the_line_and_imports_nothing(actions, app, tmp_path, bad,
                                                              message):
    actions.site("blog")
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{GOOD_LINE}\n{bad}\n", encoding="utf-8")
    result = invoke(app, "import", "jsonl", str(path), "--site", "blog")
    assert result.exit_code == 1
    assert message in result.output
    assert row_counts(app) == (0, 0, 0)


def test_jsonl_dry_run_writes_nothing(filled, app, tmp_path):
    lines = export(app)
    truncate_all(app)
    invoke(app, "site", "add", "blog", "--origin", "https://blog.example")
    path = tmp_path / "blog.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    assert f"would import {len(lines)} comments" in import_ok(app, "jsonl", path, "blog",
                                                               "--dry-run")
    assert row_counts(app) == (0, 0, 0)


def test_export_of_an_unknown_site_is_a_clear_error(app):
    result = invoke(app, "export", "--site", "nope")
    assert result.exit_code == 1 and "there is no site 'nope'" in result.output
