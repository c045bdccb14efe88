"""The OpenAPI document: it names every route, and a live server keeps its word (schemathesis)."""

from __future__ import annotations

import re
import typing as t

import pytest
from flask import Flask

from commentsvc import openapi

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# Every route of the contract, including those other modules bring: the document must hold
# them whether or not they are served yet.
CONTRACT_ROUTES = [
    ("GET", "/api/v1/sites/{}/articles/{}/comments"),
    ("POST", "/api/v1/sites/{}/articles/{}/comments"),
    ("GET", "/api/v1/sites/{}/counts"),
    ("GET", "/api/v1/sites/{}/articles/{}/form"),
    ("PATCH", "/api/v1/comments/{}"),
    ("DELETE", "/api/v1/comments/{}"),
    ("GET", "/api/v1/sites/{}/articles/{}/feed.atom"),
    ("GET", "/embed.js"),
    ("GET", "/embed/{}/{}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/api/v1/moderation/comments"),
    ("GET", "/api/v1/moderation/comments/{}"),
    ("PATCH", "/api/v1/moderation/comments/{}"),
    ("DELETE", "/api/v1/moderation/comments/{}"),
    ("POST", "/api/v1/moderation/comments/bulk"),
    ("GET", "/api/v1/moderation/comments/{}/email"),
    ("PATCH", "/api/v1/moderation/sites/{}/articles/{}"),
    ("GET", "/moderate/"),
]


def template(rule: str) -> str:
    """werkzeug's `/a/<int:id>/<article:article>` as a name-free template `/a/{}/{}`."""
    return re.sub(r"<[^>]+>", "{}", rule)


def documented(doc: dict[str, t.Any]) -> set[tuple[str, str]]:
    return {(method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
            for path, item in doc["paths"].items() for method in item}


def served(app: Flask) -> set[tuple[str, str]]:
    return {(method, template(rule.rule)) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static" for method in (rule.methods or set()) & HTTP_METHODS}


def test_openapi_json_is_served_as_openapi_3_1(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.json["openapi"] == "3.1.0"
    assert answer.json == openapi.document()


def test_every_served_route_is_in_the_document(app):
    missing = served(app) - documented(openapi.document())
    assert not missing, f"routes missing from openapi.py: {sorted(missing)}"


@pytest.mark.parametrize("method, path", CONTRACT_ROUTES)
def test_every_contract_route_is_in_the_document(method, path):
    assert (method, path) in documented(openapi.document())


def test_the_document_is_valid_openapi():
    import schemathesis

    schema = schemathesis.openapi.from_dict(openapi.document())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len({(m, p) for m, p in documented(openapi.document())})


def test_every_operation_describes_its_answers_and_bodies():
    doc = openapi.document()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], f"{method} {path} has no answers"
            for code, answer in operation["responses"].items():
                if code not in ("204", "302", "303", "304"):
                    assert answer.get("content"), f"{method} {path} {code} has no schema"
            if method in ("post", "put", "patch"):
                assert "requestBody" in operation, f"{method} {path} has no body schema"


def test_schemathesis_finds_no_server_error_and_answers_conform(app, live_server, actions):
    """Generated requests to every served operation: no 5xx, and each answer matches its schema."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    actions.site("demo", moderation="none")
    token = actions.moderator("schema-mod", admin=True)
    for i in range(3):
        assert actions.post(body=f"A published comment {i}", email=f"reader{i}@example.org",
                            name=f"Reader {i}").status_code == 201
    schema = schemathesis.openapi.from_dict(openapi.document())
    serving = served(app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), re.sub(r"\{[^}]+\}", "{}", operation.path)) not in serving:
            continue  # described for a module not merged yet
        ran += 1

        @settings(max_examples=20, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: t.Any) -> None:
            case.call_and_validate(base_url=live_server.url, checks=checks, timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})

        check()
    assert ran >= 10


@pytest.mark.parametrize("path", [
    "/api/v1/sites/demo/counts?article=a%00b",
    "/api/v1/sites/demo/articles/a%00b/comments",
])
def test_a_nul_character_is_refused_not_a_server_error(actions, path):
    """Found by schemathesis: PostgreSQL text cannot hold NUL, which once answered 500."""
    actions.site("demo")
    answer = actions.client.get(path)
    assert answer.status_code in (200, 400)
    if answer.status_code == 400:
        assert answer.json["error"] == "bad_request"


def test_an_id_beyond_the_integer_column_is_not_found(actions):
    """Found by schemathesis: 32589158477190044729 once overflowed into a 500."""
    token = actions.moderator("big-ids", admin=True)
    answer = actions.client.get("/api/v1/moderation/comments/32589158477190044729",
                                headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
