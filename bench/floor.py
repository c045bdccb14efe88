"""The floor: a minimal Flask app answering the same thread bytes from memory, nothing else.

    BENCH_FLOOR_BODY=/tmp/thread.json BENCH_FLOOR_ETAG='"..."' gunicorn bench.floor:app

It answers 304 when If-None-Match names its ETag, as the service does, so a revalidation has a
floor too.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
ETAG = os.environ.get("BENCH_FLOOR_ETAG", '"floor"')
HEADERS = {"ETag": ETAG}

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")


@app.get("/<path:anything>")
def floor(anything: str) -> Response:
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers=HEADERS)
    return Response(BODY, mimetype="application/json", headers=HEADERS)
