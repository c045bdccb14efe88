"""The WSGI entry point for gunicorn: `gunicorn -c python:commentsvc.gunicorn_conf wsgi:app`."""

from commentsvc import create_app

app = create_app()
