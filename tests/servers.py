"""Real servers for tests: gunicorn serving the app on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.harness import stop

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> t.Any:
        return json.loads(self.body)


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]

    def request(self, method: str, path: str, body: t.Any = None,
                headers: dict[str, str] | None = None, timeout: float = 10) -> Answer:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Answer(r.status, dict(r.headers), r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, dict(e.headers), e.read())


def commentsvc(env: dict[str, str], *args: str) -> str:
    """Run the command line with the given environment; return what it printed."""
    result = subprocess.run([sys.executable, "-m", "commentsvc", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2) -> t.Iterator[Server]:
    """gunicorn with the repo's config file on a free port, stopped afterwards."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:commentsvc.gunicorn_conf",
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--access-logfile",
         os.devnull, "wsgi:app"],
        env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=log,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError("gunicorn exited: " + log.read().decode()[-3000:])
            with contextlib.suppress(OSError):
                if server.request("GET", "/healthz", timeout=1).status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start within 30 s")
            time.sleep(0.1)
        yield server
    finally:
        stop(process)
        log.close()
