"""gunicorn settings, read from COMMENTSVC_* variables; command-line flags still win.

    gunicorn -c python:commentsvc.gunicorn_conf commentsvc.wsgi_app:app

COMMAND is that command: docker-compose.yml runs it and the load tests start it, and a test
checks that they agree. With PROMETHEUS_MULTIPROC_DIR set, the directory is emptied when the
arbiter starts and each exiting worker's live gauges are dropped, so /metrics adds up the
workers that exist.
"""

from __future__ import annotations

import multiprocessing
import os
import typing as t
from pathlib import Path

# Not the app: the arbiter loads this file and must stay light (prometheus_client's
# multiprocess helpers create no metric and read PROMETHEUS_MULTIPROC_DIR only when called).
from prometheus_client import multiprocess

COMMAND = ["gunicorn", "-c", "python:commentsvc.gunicorn_conf", "commentsvc.wsgi_app:app"]

# The variables read here (besides the app's COMMENTSVC_<CONFIG KEY> ones).
ENV_VARS = ("COMMENTSVC_BIND", "COMMENTSVC_WORKERS", "COMMENTSVC_WORKER_TIMEOUT",
            "COMMENTSVC_ACCESS_LOG", "COMMENTSVC_WORKER_CLASS", "COMMENTSVC_THREADS")


def default_workers(cpus: int | None = None) -> int:
    """2 × CPUs + 1, at most 9: each worker holds its own database connections."""
    return min(2 * (cpus or multiprocessing.cpu_count()) + 1, 9)


bind = os.environ.get("COMMENTSVC_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("COMMENTSVC_WORKERS") or default_workers())
# A request waits at most DATABASE_CONNECT_TIMEOUT (5 s) for the database, so 30 s only
# catches a stuck worker.
timeout = int(os.environ.get("COMMENTSVC_WORKER_TIMEOUT") or 30)
graceful_timeout = 20
# Above nginx's upstream keepalive_timeout (4 s, deploy/nginx/nginx.conf): nginx, not gunicorn,
# closes an idle connection, so nginx never sends a request on one gunicorn is closing.
keepalive = 5
# gthread with 4 threads, chosen behind the deployment's nginx (`make bench-prod BENCH_ARGS=
# "--proxy nginx"`, bench/README.md): 1.25-1.28x the cached reads and 304s a second of sync,
# helped by nginx keeping connections to the workers open (sync closes each one); sync writes
# 1.15-1.26x faster, but reads are most of the traffic.
worker_class = os.environ.get("COMMENTSVC_WORKER_CLASS") or "gthread"
# gunicorn runs `sync` with threads > 1 as gthread without a word, so sync gets 1 and refuses more.
threads = int(os.environ.get("COMMENTSVC_THREADS") or (4 if worker_class == "gthread" else 1))
if worker_class == "sync" and threads > 1:
    raise ValueError(f"COMMENTSVC_THREADS={threads} would run gthread workers, not sync: "
                     "unset it or set COMMENTSVC_WORKER_CLASS=gthread")
# A worker restart empties its caches and costs a boot; at thousands of cached reads a second
# 5,000 restarted every worker every few seconds (bench/README.md). Caches are bounded by bytes.
max_requests = 1_000_000
max_requests_jitter = 100_000
accesslog = os.environ.get("COMMENTSVC_ACCESS_LOG") or "-"
errorlog = "-"
logger_class = "commentsvc.logs.AccessLogger"  # JSON lines, no client address
# gunicorn 27's control socket lives at one path per user: several servers on one host (tests,
# benchmarks) would fight over it, and nothing here uses it.
control_socket_disable = True


def on_starting(server: t.Any) -> None:
    """Start metrics from an empty directory: stale files would add old counts."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server: t.Any, worker: t.Any) -> None:
    """Drop a dead worker's live gauges from the multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
