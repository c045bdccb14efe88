"""The floor: a minimal Flask app answering the same thread bytes from memory, nothing else.

    BENCH_FLOOR_BODY=/tmp/thread.json BENCH_FLOOR_ETAG='"..."' gunicorn bench.floor:app
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
HEADERS = {"ETag": os.environ.get("BENCH_FLOOR_ETAG", '"floor"')}

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")


@app.get("/<path:anything>")
def floor(anything: str) -> Response:
    return Response(BODY, mimetype="application/json", headers=HEADERS)
