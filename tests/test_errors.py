"""Every error, even routing ones, answers in the contract's JSON shape."""

from __future__ import annotations


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

