"""gunicorn settings; every one can be overridden with GUNICORN_* style flags or env below.

    gunicorn -c python:commentsvc.gunicorn_conf wsgi:app
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("COMMENTSVC_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("COMMENTSVC_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
timeout = int(os.environ.get("COMMENTSVC_WORKER_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
