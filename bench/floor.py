"""The floor: a minimal Flask app answering the same thread bytes from memory, nothing else,
and taking a comment with one INSERT into PostgreSQL, nothing else.

    BENCH_FLOOR_BODY=/tmp/thread.json BENCH_FLOOR_ETAG='"..."' \
        BENCH_FLOOR_DSN=postgresql://postgres@127.0.0.1:5432/bench_prod gunicorn bench.floor:app

It answers 304 when If-None-Match names its ETag, as the service does, so a revalidation has a
floor too. A POST stores the posted name, email and body in `floor_comments`
(prod_servers.FLOOR_TABLE; one committed transaction on a connection per thread, prepared once
used) and answers 201 with the row's id and body: the least a durable write costs in this shape,
without validation, checks, limits, spam scoring, rendering or an audit trail.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psycopg
from flask import Flask, Response, jsonify, request

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
ETAG = os.environ.get("BENCH_FLOOR_ETAG", '"floor"')
DSN = os.environ.get("BENCH_FLOOR_DSN")
HEADERS = {"ETag": ETAG}
INSERT = "INSERT INTO floor_comments (name, email, body) VALUES (%s, %s, %s) RETURNING id"

app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection[tuple[int]]:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(DSN or "")
    return conn  # type: ignore[no-any-return]


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")


@app.get("/<path:anything>")
def floor(anything: str) -> Response:
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers=HEADERS)
    return Response(BODY, mimetype="application/json", headers=HEADERS)


@app.post("/<path:anything>")
def write(anything: str) -> tuple[Response, int]:
    posted = request.get_json()
    conn = _connection()
    row = conn.execute(INSERT, (posted["name"], posted["email"], posted["body"])).fetchone()
    conn.commit()
    assert row is not None
    return jsonify(id=row[0], body=posted["body"]), 201
