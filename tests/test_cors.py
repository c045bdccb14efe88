"""CORS on the public API: the site's origins only, Vary: Origin, no credentials."""

from __future__ import annotations

import pytest

SITE_ORIGIN = "https://blog.example"
THREAD = "/api/v1/sites/demo/articles/hello-world/comments"
BODY = {"name": "Ana", "email": "ana@example.org", "body": "Hello"}


@pytest.fixture
def posted(actions):
    actions.site("demo", SITE_ORIGIN, "http://localhost:8080", moderation="none")
    response = actions.post()
    assert response.status_code == 201
    return response.json


def _get_paths(posted):
    return [THREAD, "/api/v1/sites/demo/counts?article=hello-world",
            "/api/v1/sites/demo/articles/hello-world/form",
            "/api/v1/sites/demo/articles/hello-world/feed.atom"]


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("origin", [SITE_ORIGIN, "http://localhost:8080"])
def test_reads_allow_the_sites_origins(client, posted, index, origin):
    response = client.get(_get_paths(posted)[index], headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://blog.example.evil.example",
                                    "http://blog.example", "https://blog.example:8443", "null",
                                    "not a url"])
def test_other_origins_get_no_cors_headers(client, posted, origin):
    response = client.get(THREAD, headers={"Origin": origin})
    assert response.status_code == 200
    assert not [h for h in response.headers.keys() if h.startswith("Access-Control")]
    assert "Origin" in response.headers["Vary"]


def test_vary_origin_even_without_an_origin(client, posted):
    response = client.get(THREAD)
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("path", [THREAD, "/api/v1/comments/{id}"])
def test_preflight_names_methods_and_headers(client, posted, path):
    response = client.options(path.format(id=posted["id"]), headers={
        "Origin": SITE_ORIGIN, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "content-type, x-edit-token"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "x-edit-token" in allowed
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_from_a_foreign_origin_gets_nothing(client, posted):
    response = client.options(f"/api/v1/comments/{posted['id']}", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_author_endpoints_use_the_comments_site(client, posted):
    response = client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "New"},
                            headers={"Origin": SITE_ORIGIN, "X-Edit-Token": posted["edit_token"]})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    foreign = client.delete(f"/api/v1/comments/{posted['id']}", headers={
        "Origin": "https://evil.example", "X-Edit-Token": posted["edit_token"]})
    assert foreign.status_code == 403
    assert foreign.json["error"] == "origin_not_allowed"


@pytest.mark.parametrize("kind", ["json", "form"])
def test_submit_from_a_foreign_page_is_refused(client, posted, kind):
    headers = {"Origin": "https://evil.example"}
    if kind == "json":
        response = client.post(THREAD, json={**BODY, "body": "x"}, headers=headers)
    else:
        response = client.post(THREAD, data={**BODY, "body": "x",
                                             "return_to": SITE_ORIGIN + "/post"}, headers=headers)
    assert response.status_code == 403
    assert client.get(THREAD).json["count"] == 1
    if kind == "json":
        assert response.json["error"] == "origin_not_allowed"
    else:
        assert b"origin" in response.data.lower()


def test_submit_from_the_site_or_without_origin_or_from_ourselves_is_accepted(client, posted):
    ok = client.post(THREAD, json={**BODY, "body": "From the site"},
                     headers={"Origin": SITE_ORIGIN})
    assert ok.status_code == 201
    assert ok.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert client.post(THREAD, json={**BODY, "body": "No origin"}).status_code == 201
    own = client.post(THREAD, json={**BODY, "body": "Our embed page"},
                      headers={"Origin": "http://localhost"})
    assert own.status_code == 201


def test_unknown_site_is_404_not_a_cors_error(client, posted):
    response = client.post("/api/v1/sites/nope/articles/a/comments", json=BODY,
                           headers={"Origin": SITE_ORIGIN})
    assert response.status_code == 404
    assert "Access-Control-Allow-Origin" not in response.headers


def test_errors_from_an_allowed_origin_are_readable(client, posted):
    response = client.get(THREAD + "?page=x", headers={"Origin": SITE_ORIGIN})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN


def test_moderation_api_gets_no_cors(client, posted):
    response = client.get("/api/v1/moderation/comments", headers={"Origin": SITE_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
