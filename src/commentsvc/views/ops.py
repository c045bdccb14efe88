"""Operations endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document."""

from __future__ import annotations

import typing as t

from flask import Blueprint, Response, abort, request

from .. import metrics, openapi
from ..errors import Unauthorized
from ..extensions import limiter
from ..health import check_database, check_rate_limit_storage

bp = Blueprint("ops", __name__)
limiter.exempt(bp)


@bp.get("/healthz")
def healthz() -> t.Any:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> t.Any:
    checks = {"database": check_database(), "rate_limit_storage": check_rate_limit_storage()}
    ok = all(v in ("ok", "disabled") for v in checks.values())
    headers = {} if ok else {"Retry-After": "5"}
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503, headers


@bp.get("/metrics")
def prometheus_metrics() -> t.Any:
    access = metrics.scrape_access(request.headers.get("Authorization"))
    if access == "hidden":
        abort(404)  # production without METRICS_TOKEN: as if there were no such page
    if access == "denied":
        raise Unauthorized("/metrics needs Authorization: Bearer <METRICS_TOKEN>.")
    body, content_type = metrics.render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


@bp.get("/openapi.json")
def openapi_document() -> t.Any:
    return openapi.document()
