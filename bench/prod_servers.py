"""The servers of `make bench-prod`: commentsvc in the production shape, the floor, Isso.

    with Database() as pg, production(pg, "sync") as app: ...
Each process is started here, on loopback, and stopped when its block ends.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from bench.harness import free_port
from commentsvc.gunicorn_conf import COMMAND

ROOT = Path(__file__).resolve().parents[1]
ISSO_VENV = ROOT / "bench" / ".isso-venv"
# The one name of the service's WSGI entry (engineer "cli" may move it): COMMAND's last word.
WSGI_APP = COMMAND[-1]
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = "bench_prod"
# one per run, shared by every master (production refuses a short or well-known key)
SECRET = secrets.token_urlsafe(48)
REDIS_URI = os.environ.get("BENCH_REDIS_URI", "redis://127.0.0.1:6379/10")
WORKERS = 2
# the write floor's table (bench/floor.py), in the bench database beside the service's; its
# tens of thousands of inserts must not set autovacuum working during the next scenario
FLOOR_TABLE = """CREATE TABLE IF NOT EXISTS floor_comments (
    id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL, body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()) WITH (autovacuum_enabled = false)"""


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    folder: Path
    proxy: Server | None = None  # nginx in front (bench/nginx_proxy.py): `base` is nginx's

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()]

    def cpu_seconds(self) -> float:
        """User + system CPU of the workers so far (the master does no request work)."""
        return sum(self.cpu_by_worker().values())

    def cpu_by_worker(self) -> dict[int, float]:
        return {pid: cpu_of(pid) for pid in self.worker_pids()}

    def proxy_cpu(self) -> float:
        """User + system CPU of the proxy's workers so far (0 without a proxy)."""
        return self.proxy.cpu_seconds() if self.proxy else 0.0


def cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_uri() -> str:
    return f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{DB_NAME}"


def fresh_database() -> str:
    """Drop and create bench_prod on the shared server; empty our Redis DB."""
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(REDIS_URI).flushdb()
    return database_uri()


def backend_cpu() -> float:
    """CPU seconds of PostgreSQL's backends serving bench_prod now (same machine)."""
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (DB_NAME,))]
    return sum(cpu_of(p) for p in pids)


def analyze() -> None:
    """ANALYZE the bench database, as autovacuum would in a deployment. This machine's
    PostgreSQL runs with autovacuum off: without it the planner never learns how the tables
    grew, and a plan a connection cached while they were nearly empty (a prepared statement's
    generic plan) can scan a table it should look up, for the rest of the run."""
    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
        conn.execute("ANALYZE")


def service_env(uri: str, folder: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "COMMENTSVC_ENV": "production",
        "COMMENTSVC_SECRET_KEY": SECRET,
        "COMMENTSVC_SQLALCHEMY_DATABASE_URI": uri,
        "COMMENTSVC_RATELIMIT_STORAGE_URI": REDIS_URI,
        "COMMENTSVC_SUBMIT_RATE_LIMIT": "1000000 per minute",  # limits on, never reached
        "COMMENTSVC_TRUSTED_PROXIES": "1",  # each writer has its own X-Forwarded-For
        "COMMENTSVC_INSTANCE_PATH": str(folder / "instance"),
        "COMMENTSVC_ACCESS_LOG": str(folder / "access.log"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "COMMENTSVC_WORKERS": str(WORKERS),
        **extra,
    }


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "commentsvc", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr + done.stdout)
    return done.stdout


def wait_up(server: Server, path: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.base} exited: "
                               + (server.folder / "output.log").read_text()[-3000:])
        with contextlib.suppress(OSError), urllib.request.urlopen(server.base + path, timeout=2):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.base} did not start")
        time.sleep(0.2)
    while len(server.worker_pids()) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.1)


@contextlib.contextmanager
def started(argv: list[str], env: dict[str, str], port: int, folder: Path,
            health: str) -> t.Iterator[Server]:
    with open(folder / "output.log", "wb") as output:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=output, stderr=output)
    server = Server(f"http://127.0.0.1:{port}", port, process, folder)
    try:
        wait_up(server, health)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def threads_of(worker_class: str, threads: int | None) -> int:
    """4 for gthread unless said (gunicorn runs sync with threads > 1 as gthread)."""
    return threads or (4 if worker_class == "gthread" else 1)


def worker_flags(worker_class: str, threads: int | None = None) -> list[str]:
    return ["--workers", str(WORKERS), "--worker-class", worker_class,
            "--threads", str(threads_of(worker_class, threads))]


def class_env(worker_class: str, threads: int | None = None) -> dict[str, str]:
    """The service's worker class through gunicorn_conf's own variables."""
    return {"COMMENTSVC_WORKER_CLASS": worker_class,
            "COMMENTSVC_THREADS": str(threads_of(worker_class, threads))}


def check_worker_class(server: Server, worker_class: str) -> None:
    """The workers gunicorn says it runs are the class asked for."""
    log = (server.folder / "output.log").read_text()
    if f"Using worker: {worker_class}" not in log:
        raise RuntimeError(f"{server.base} was asked for {worker_class} workers: {log[-2000:]}")


@contextlib.contextmanager
def production(uri: str, worker_class: str = "sync", threads: int | None = None,
               **extra: str) -> t.Iterator[Server]:
    """gunicorn -c python:commentsvc.gunicorn_conf <WSGI_APP>, as deployed."""
    folder = Path(tempfile.mkdtemp(prefix="bench-prod-"))
    port = free_port()
    env = service_env(uri, folder, **class_env(worker_class, threads), **extra)
    argv = [sys.executable, "-m", *COMMAND, "--bind", f"127.0.0.1:{port}"]
    try:
        with started(argv, env, port, folder, "/healthz") as server:
            check_worker_class(server, worker_class)
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def floor(body: bytes, etag: str, worker_class: str = "sync",
          threads: int | None = None) -> t.Iterator[Server]:
    """bench/floor.py: the same bytes and ETag from memory (and 304), same workers; its
    writes go to `floor_comments` in the bench database."""
    folder = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    (folder / "body").write_bytes(body)
    port = free_port()
    dsn = f"{PG_SERVER}/{DB_NAME}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(FLOOR_TABLE)
    env = {**os.environ, "BENCH_FLOOR_BODY": str(folder / "body"), "BENCH_FLOOR_ETAG": etag,
           "BENCH_FLOOR_DSN": dsn, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "gunicorn", *worker_flags(worker_class, threads),
            "--keep-alive", "5",
            "--bind", f"127.0.0.1:{port}", "bench.floor:app"]
    try:
        with started(argv, env, port, folder, "/healthz") as server:
            check_worker_class(server, worker_class)
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


ISSO_CONFIG = """[general]
dbpath = {db}
host = http://127.0.0.1:{port}/
[moderation]
enabled = false
[guard]
enabled = false
[server]
listen = http://127.0.0.1:{port}/
"""


@contextlib.contextmanager
def isso() -> t.Iterator[Server]:
    """Isso from PyPI (bench/.isso-venv), SQLite, 2 sync gunicorn workers, no moderation/guard."""
    if not (ISSO_VENV / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run([str(ISSO_VENV / "bin" / "pip"), "install", "--quiet", "isso", "gunicorn"],
                       check=True, timeout=600)
    folder = Path(tempfile.mkdtemp(prefix="bench-isso-"))
    port = free_port()
    (folder / "isso.cfg").write_text(ISSO_CONFIG.format(db=folder / "comments.db", port=port))
    env = {**os.environ, "ISSO_SETTINGS": str(folder / "isso.cfg")}
    argv = [str(ISSO_VENV / "bin" / "gunicorn"), "--workers", str(WORKERS), "--preload",
            "--bind", f"127.0.0.1:{port}", "isso.run"]
    try:
        with started(argv, env, port, folder, "/info") as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)
