"""The WSGI application object for gunicorn when running from an installed package."""

from . import create_app

app = create_app()
