"""Configuration: environment variables, instance defaults, the production guard."""

from __future__ import annotations

import pytest

from commentsvc import create_app
from commentsvc.config import UnsafeConfig


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMENTSVC_FLOOD_SECONDS", "42")
    monkeypatch.setenv("COMMENTSVC_SUBMIT_RATE_LIMIT", "1 per day")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert app.config["FLOOD_SECONDS"] == 42
    assert app.config["SUBMIT_RATE_LIMIT"] == "1 per day"


def test_development_secret_is_generated_once_into_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COMMENTSVC_SECRET_KEY", raising=False)
    monkeypatch.setenv("COMMENTSVC_INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first and first == second
    assert (tmp_path / "instance" / "secret_key").read_text().strip() == first
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x",
          "RATELIMIT_STORAGE_URI": "redis://r:6379/0"}, "SECRET_KEY"),
        ({"SECRET_KEY": "s", "RATELIMIT_STORAGE_URI": "redis://r:6379/0"}, "not SQLite"),
        ({"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x"}, "memory://"),
    ],
)
def test_production_refuses_unsafe_settings(settings, complaint):
    with pytest.raises(UnsafeConfig, match=complaint):
        create_app({"ENV": "production", **settings})


def test_production_starts_with_safe_settings():
    app = create_app({"ENV": "production", "SECRET_KEY": "s",
                      "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1/test",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
