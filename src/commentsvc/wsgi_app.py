"""The entry module: `main()` for the console script and the WSGI `app` for gunicorn.

    commentsvc serve                 # console script -> main()
    python -m commentsvc worker      # the same, without the script
    gunicorn -c python:commentsvc.gunicorn_conf commentsvc.wsgi_app:app

`app` is built on first access (PEP 562), so running a command never builds a second,
unused application. The top-level `wsgi.py` re-exports it for `gunicorn wsgi:app`.
"""

from __future__ import annotations

import functools
import typing as t

from flask import Flask
from flask.cli import FlaskGroup

from . import create_app


def main(argv: t.Sequence[str] | None = None) -> None:
    """The `commentsvc` command: Flask's CLI (db, routes, shell) plus ours (see cli/)."""
    FlaskGroup(create_app=create_app, help="commentsvc: the comment service.")(argv)


@functools.cache
def _application() -> Flask:
    return create_app()


def __getattr__(name: str) -> t.Any:
    if name == "app":
        return _application()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
