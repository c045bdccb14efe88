"""commentsvc: a self-hosted comment service. This module holds create_app() only."""

from __future__ import annotations

import os
import typing as t

from flask import Flask


def create_app(test_config: t.Mapping[str, t.Any] | None = None) -> Flask:
    """Build the application: config, proxy handling, extensions, blueprints, errors, CLI."""
    from . import setup  # here, so `import commentsvc.gunicorn_conf` stays light (the arbiter)

    # The instance folder (SQLite file, development secret) may be moved for containers and tests.
    instance = os.environ.get("COMMENTSVC_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance)
    app.url_map.merge_slashes = False  # article keys may hold "//"
    setup.configure(app, test_config)
    setup.trust_proxies(app)
    setup.init_extensions(app)
    setup.register(app)
    return app
