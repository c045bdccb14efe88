"""The whole story over real HTTP: gunicorn with 2 workers on PostgreSQL."""

from __future__ import annotations

import os

import pytest

from .conftest import PG_URI, missing_service
from .servers import commentsvc, gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def pg_env(database_uri: str) -> dict[str, str]:
    if not database_uri.startswith("postgresql"):
        pytest.skip("the gunicorn story runs on PostgreSQL")
    if not PG_URI:
        missing_service("PostgreSQL", "set COMMENTSVC_TEST_DATABASE_URI")
    return {
        **os.environ,
        "COMMENTSVC_SQLALCHEMY_DATABASE_URI": database_uri,
        "COMMENTSVC_SECRET_KEY": "e2e-secret",
        "COMMENTSVC_FLOOD_SECONDS": "0",
    }


def test_submit_pending_approve_then_thread_over_gunicorn(pg_env, app_factory):
    app_factory()  # the tables are emptied after the test
    commentsvc(pg_env, "db", "upgrade")
    commentsvc(pg_env, "site", "add", "news", "--origin", "https://news.example")
    token = commentsvc(pg_env, "moderator", "add", "ed", "--site", "news").strip().splitlines()[-1]
    with gunicorn(pg_env, workers=2) as server:
        thread = "/api/v1/sites/news/articles/%2F2026%2F11%2Fharbour%2F/comments"
        posted = server.request("POST", thread, {"name": "Ana", "email": "ana@example.org",
                                                 "body": "Lovely lights"})
        assert posted.status == 202
        assert posted.json["status"] == "pending"
        assert server.request("GET", thread).json["count"] == 0

        auth = {"Authorization": f"Bearer {token}"}
        queue = server.request("GET", "/api/v1/moderation/comments?status=pending", headers=auth)
        assert [i["id"] for i in queue.json["items"]] == [posted.json["id"]]
        approved = server.request("PATCH", f"/api/v1/moderation/comments/{posted.json['id']}",
                                  {"status": "approved"}, headers=auth)
        assert approved.status == 200

        reply = server.request("POST", thread, {"name": "Bo", "email": "bo@example.org",
                                                "body": "Agreed", "parent_id": posted.json["id"]})
        server.request("PATCH", f"/api/v1/moderation/comments/{reply.json['id']}",
                       {"status": "approved"}, headers=auth)
        # Whichever worker answers, the thread is the same.
        for _ in range(4):
            body = server.request("GET", thread).json
            assert body["count"] == 2
            assert body["comments"][0]["replies"][0]["author"]["name"] == "Bo"
