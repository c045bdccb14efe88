"""Private servers for load and fault runs: PostgreSQL, Redis and gunicorn on loopback.

    with private_postgres() as pg, private_redis() as redis, serve(env_for(pg, redis)) as app:
        pg.stop(); ...; pg.start()

Each is a throwaway instance on a free port in a temporary folder, so stopping it hurts no one
else on the machine. PostgreSQL is run as the `postgres` user when we are root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from commentsvc.gunicorn_conf import COMMAND

ROOT = Path(__file__).resolve().parents[1]
KEEP_LOGS = os.environ.get("COMMENTSVC_BENCH_KEEP_LOGS")  # copy gunicorn's output here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries installed, if any."""
    base = Path("/usr/lib/postgresql")
    versions = sorted((p for p in base.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class PrivatePostgres:
    bindir: Path
    folder: Path
    port: int

    @property
    def uri(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
                                     *args]), check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c max_connections=100",
                  "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")



def stop(process: subprocess.Popen[t.Any]) -> None:
    """Ask a server to stop (gunicorn's graceful shutdown), kill it after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

@contextlib.contextmanager
def private_postgres() -> t.Iterator[PrivatePostgres]:
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    folder = Path(tempfile.mkdtemp(prefix="commentsvc-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(folder / "data"), "-A",
                                     "trust", "-U", "postgres", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        pg = PrivatePostgres(bindir, folder, free_port())
        pg.start()
        try:
            yield pg
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                pg.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self, pattern: str = "*") -> list[bytes]:
        import redis

        client = redis.Redis.from_url(self.uri, socket_timeout=2)
        try:
            return list(client.scan_iter(pattern))
        finally:
            client.close()


@contextlib.contextmanager
def private_redis() -> t.Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def commentsvc(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "commentsvc", *args],
                            env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr + result.stdout)
    return result.stdout


@dataclass
class App:
    base: str
    process: subprocess.Popen[bytes]
    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def output(self) -> str:
        return (self.folder / "output.log").read_text(errors="replace")


def gunicorn_argv(port: int, workers: int) -> list[str]:
    """COMMAND (what docker-compose runs) with the port and worker count of a test run."""
    return [sys.executable, "-m", *COMMAND, "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}"]


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int = 2) -> t.Iterator[App]:
    """gunicorn with the repo's settings, a JSON access log and multiprocess metrics."""
    folder = Path(tempfile.mkdtemp(prefix="commentsvc-app-"))
    port = free_port()
    full = {**os.environ, "COMMENTSVC_ACCESS_LOG": str(folder / "access.log"),
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
            "COMMENTSVC_INSTANCE_PATH": str(folder / "instance"), **env}
    with open(folder / "output.log", "wb") as output:
        process = subprocess.Popen(gunicorn_argv(port, workers), env=full, cwd=ROOT,
                                   stdout=output, stderr=output)
    app = App(f"http://127.0.0.1:{port}", process, folder, full)
    try:
        deadline = time.monotonic() + 90  # a busy machine boots workers slowly
        while True:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + app.output[-3000:])
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(app.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start within 90 s: " + app.output[-3000:])
            time.sleep(0.1)
        yield app
    finally:
        stop(process)
        if KEEP_LOGS:
            shutil.copy(folder / "output.log", KEEP_LOGS)
        shutil.rmtree(folder, ignore_errors=True)
