"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

import typing as t

from flask import Blueprint

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
