"""Readiness probes of the database and the rate-limit storage."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, limiter

log = logging.getLogger(__name__)


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return "ok"
    except SQLAlchemyError as e:
        db.session.rollback()
        log.warning("readiness: database unreachable: %s", type(e).__name__)
        return "unreachable"


def check_rate_limit_storage() -> str:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return "disabled"
    try:
        return "ok" if limiter.storage.check() else "unreachable"
    except Exception as e:  # any client error means not ready
        log.warning("readiness: rate-limit storage unreachable: %s", type(e).__name__)
        return "unreachable"
