"""The WSGI entry for `gunicorn -c python:commentsvc.gunicorn_conf wsgi:app`."""

from commentsvc.wsgi_app import app  # noqa: F401
