"""Every error, even routing ones, answers in the contract's JSON shape."""

from __future__ import annotations

from commentsvc import create_app


def test_unknown_route_is_json_404(client):
    response = client.get("/no/such/place")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert response.json["message"]


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "rate_limit_storage": "disabled"}


def test_readiness_checks_the_rate_limit_storage(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["rate_limit_storage"] == "ok"


def test_readiness_is_503_when_the_database_is_gone(tmp_path):
    app = create_app({"SECRET_KEY": "x", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unreachable"
    assert response.headers["Retry-After"]
