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
        ({"SECRET_KEY": "s" * 40, "RATELIMIT_STORAGE_URI": "redis://r:6379/0"}, "not SQLite"),
        ({"SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x"}, "memory://"),
    ],
)
def test_production_refuses_unsafe_settings(settings, complaint):
    with pytest.raises(UnsafeConfig, match=complaint):
        create_app({"ENV": "production", **settings})


def test_production_starts_with_safe_settings():
    app = create_app({"ENV": "production", "SECRET_KEY": "s" * 40,
                      "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1/test",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False


PRODUCTION = {"ENV": "production", "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1/test",
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}


@pytest.mark.parametrize("key", ["changeme", "x", "CHANGEME", "k" * 31, "dev", "secret",
                                 "please-change-me-to-a-long-random-value", "your-secret-key-here"])
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    """Issue 12.5: `SECRET_KEY=changeme` and `x` started and served in production."""
    monkeypatch.setenv("COMMENTSVC_SECRET_KEY", key)
    with pytest.raises(UnsafeConfig, match="SECRET_KEY is too weak"):
        create_app(PRODUCTION)


def test_production_accepts_a_long_random_key_given_in_the_environment(monkeypatch):
    monkeypatch.setenv("COMMENTSVC_SECRET_KEY", "1" + "0" * 40)  # digits only: still a string
    app = create_app(PRODUCTION)
    assert app.config["SECRET_KEY"] == "1" + "0" * 40


@pytest.mark.parametrize("value, keys", [
    ("old-key", ["old-key"]),
    ('["a-key", "b-key"]', ["a-key", "b-key"]),
    ("12345", ["12345"]),
    ("false", ["false"]),
    ("", []),
])
def test_fallbacks_are_normalised_once_for_every_consumer(monkeypatch, tmp_path, value, keys):
    monkeypatch.setenv("COMMENTSVC_SECRET_KEY_FALLBACKS", value)
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert app.config["SECRET_KEY_FALLBACKS"] == keys


@pytest.mark.parametrize("value", ['["unclosed', '[1, 2]', '["a", 1]'])
def test_a_fallback_list_that_is_not_a_json_list_of_strings_is_refused(monkeypatch, tmp_path,
                                                                       value):
    monkeypatch.setenv("COMMENTSVC_SECRET_KEY_FALLBACKS", value)
    with pytest.raises(UnsafeConfig, match="SECRET_KEY_FALLBACKS"):
        create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})


@pytest.mark.parametrize("key", ["SECRET_KEY", "METRICS_TOKEN", "AKISMET_KEY"])
@pytest.mark.parametrize("value", ["123456789012", "true", "null", "1e5", "[1]"])
def test_secrets_are_kept_as_the_strings_written(monkeypatch, tmp_path, key, value):
    monkeypatch.setenv(f"COMMENTSVC_{key}", value)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert app.config[key] == value


def test_connect_args_of_the_operator_keep_the_connect_timeout():
    # README: behind PgBouncer < 1.21, `"connect_args": {"prepare_threshold": null}`
    app = create_app({"SECRET_KEY": "x", "DATABASE_CONNECT_TIMEOUT": 3,
                      "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1/test",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"prepare_threshold": None}}})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {
        "prepare_threshold": None, "connect_timeout": 3}
