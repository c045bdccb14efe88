"""`make bench`: the read path under load, side by side with a floor app, in alternating rounds.

    python bench/read_path.py [--rounds 5] [--seconds 3] [--connections 4]

1. Seeds a 200-comment thread (40 top-level comments with 4 nested replies each) into a fresh
   SQLite file, or into BENCH_DATABASE_URI (its schema is dropped first: give it a scratch DB).
2. Serves it with gunicorn (2 sync workers, the repo's gunicorn_conf), and serves the very same
   bytes from memory with a minimal Flask app under the same gunicorn settings: the floor.
3. Alternates rounds of `wrk` (or a keep-alive thread client when wrk is missing) against:
   floor (200, bytes from memory), cached read (200 from the per-worker LRU; one small
   site+article query for the version), and revalidation (If-None-Match -> 304, no body).
4. Measures the server CPU of a read after a change (cache miss) in-process: the article version
   is bumped before each request (outside the timed part), then time.process_time() spans the
   whole WSGI request: routing, the version query, the comment query, tree, JSON, headers.
All traffic goes to 127.0.0.1; every run is bounded by rounds x seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, gunicorn  # noqa: E402

THREAD = "/api/v1/sites/bench/articles/%2F2026%2F11%2Fharbour-lights%2F/comments"
ARTICLE = "/2026/11/harbour-lights/"
CONFIG = {"SECRET_KEY": "bench-secret", "FLOOD_SECONDS": 0, "RATELIMIT_ENABLED": False}

BODY = ("I *really* enjoyed this piece — the part about the harbour lights reminded me of "
        "my grandfather's boat. See [the old photos](https://example.org/photos/{n}) and "
        "`this snippet` if you like.\n\n> A quote from the article, number {n}.\n\n- one\n- two")


def reset_database(uri: str) -> None:
    from sqlalchemy import create_engine, text

    if uri.startswith("postgresql"):
        engine = create_engine(uri)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def seed(uri: str) -> None:
    """Migrate and post 200 approved comments the way readers would."""
    import flask_migrate

    from commentsvc import create_app
    from commentsvc.sites import save_site

    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        flask_migrate.upgrade()
        save_site("bench", ["https://blog.example"], moderation="none")
    client = app.test_client()
    n = 0
    for _top in range(40):
        parent = None
        for depth in range(5):  # a top-level comment and a chain of 4 replies
            n += 1
            answer = client.post(THREAD, json={
                "name": f"Reader {n} <b>&</b>", "email": f"reader{n}@example.org",
                "url": f"https://reader{n}.example/", "body": BODY.format(n=n),
                "parent_id": parent})
            assert answer.status_code == 201, answer.json
            parent = answer.json["id"] if depth < 3 else parent
    assert client.get(THREAD).json["count"] == 200


@contextlib.contextmanager
def floor_server(body_file: Path, etag: str) -> t.Iterator[str]:
    """The floor app under the same gunicorn settings as the service."""
    port = free_port()
    env = {**os.environ, "BENCH_FLOOR_BODY": str(body_file), "BENCH_FLOOR_ETAG": etag,
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:commentsvc.gunicorn_conf",
         "--workers", "2", "--bind", f"127.0.0.1:{port}", "--access-logfile", os.devnull,
         "--error-logfile", os.devnull, "bench.floor:app"], env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if get(port, "/healthz")[0] == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the floor app did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def get(port: int, path: str, headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def run_wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 30).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"errors during the run:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"wrk said:\n{out}")
    return float(match.group(1))


def run_threads(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    """A bounded keep-alive client, one thread per connection (when wrk is not installed)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    stop = time.monotonic() + seconds
    counts = [0] * connections

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                if r.status not in (200, 304):
                    raise RuntimeError(f"status {r.status}")
                counts[i] += 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(counts) / (time.monotonic() - start)


def miss_cpu(uri: str, iterations: int, body_file: Path) -> dict[str, float]:
    """Server CPU (ms) per request, in-process: miss after a change, cached hit, 304, floor."""
    from sqlalchemy import select

    from commentsvc import comments, create_app
    from commentsvc.extensions import db
    from commentsvc.models import Article

    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.key == ARTICLE))
    client.get(THREAD)  # warm up: connections, compiled statements, templates
    os.environ["BENCH_FLOOR_BODY"] = str(body_file)
    from bench.floor import app as floor_app

    floor_client = floor_app.test_client()
    results: dict[str, list[float]] = {"miss": [], "hit": [], "not_modified": [], "floor": []}
    for _ in range(iterations):
        with app.app_context():
            comments.bump_article(article_id)  # what an approval does to the version
            db.session.commit()
        start = time.process_time()
        first = client.get(THREAD)
        results["miss"].append(time.process_time() - start)
        assert first.status_code == 200 and len(first.json["comments"]) == 40
        start = time.process_time()
        again = client.get(THREAD)
        results["hit"].append(time.process_time() - start)
        start = time.process_time()
        cond = client.get(THREAD, headers={"If-None-Match": first.headers["ETag"]})
        results["not_modified"].append(time.process_time() - start)
        assert again.status_code == 200 and cond.status_code == 304
        start = time.process_time()
        floor_client.get(THREAD)
        results["floor"].append(time.process_time() - start)
    return {k: statistics.median(v) * 1000 for k, v in results.items()} | {
        "miss p90": sorted(results["miss"])[int(len(results["miss"]) * 0.9)] * 1000,
        "reference loop (machine speed)": reference_ms()}


def reference_ms() -> float:
    """CPU ms of a fixed pure-Python workload: divide by ~20 ms for a typical idle laptop core."""
    start = time.process_time()
    total = 0
    for i in range(1_000_000):
        total += i % 7
    return (time.process_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--cpu-iterations", type=int, default=200)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-bench-"))
    uri = os.environ.get("BENCH_DATABASE_URI") or f"sqlite:///{tmp / 'bench.db'}"
    reset_database(uri)
    seed(uri)
    load = run_wrk if shutil.which("wrk") else run_threads
    env = {"COMMENTSVC_SQLALCHEMY_DATABASE_URI": uri, "COMMENTSVC_SECRET_KEY": "bench-secret",
           "COMMENTSVC_INSTANCE_PATH": str(tmp)}
    ttl_env = {**env, "COMMENTSVC_THREAD_HEAD_TTL": "1"}
    with gunicorn(env, workers=2) as service, gunicorn(ttl_env, workers=2) as service_ttl:
        port = int(service.base.rsplit(":", 1)[1])
        status, headers, body = get(port, THREAD)
        assert status == 200
        etag = headers["ETag"]
        body_file = tmp / "thread.json"
        body_file.write_bytes(body)
        with floor_server(body_file, etag) as floor:
            floor_port = int(floor.rsplit(":", 1)[1])
            assert get(floor_port, THREAD)[2] == body  # the very same bytes
            ttl_port = int(service_ttl.base.rsplit(":", 1)[1])
            assert get(ttl_port, THREAD)[2] == body
            for _ in range(20):  # both workers of each service have the page cached
                get(port, THREAD)
                get(ttl_port, THREAD)
            scenarios = {
                "floor": (floor + THREAD, {}),
                "cached": (service.base + THREAD, {}),
                "304": (service.base + THREAD, {"If-None-Match": etag}),
                "cached, head TTL 1 s": (service_ttl.base + THREAD, {}),
                "304, head TTL 1 s": (service_ttl.base + THREAD, {"If-None-Match": etag}),
            }
            rps: dict[str, list[float]] = {k: [] for k in scenarios}
            names = list(scenarios)
            for r in range(args.rounds):
                order = names[r % len(names):] + names[: r % len(names)]  # rotate who goes first
                for name in order:
                    url, hdrs = scenarios[name]
                    rps[name].append(load(url, args.seconds, args.connections, hdrs))
                print(f"round {r + 1}: " + ", ".join(f"{n} {rps[n][-1]:.0f}/s" for n in names),
                      flush=True)
    cpu = miss_cpu(uri, args.cpu_iterations, body_file)
    med = {k: statistics.median(v) for k, v in rps.items()}
    print()
    print(f"load generator: {load.__name__}, {args.connections} connections, "
          f"{args.rounds} rounds x {args.seconds} s, response {len(body)} bytes, "
          f"database {uri.split(':', 1)[0]}")
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    print("| scenario | median req/s | vs floor | median of per-round ratios | all rounds |")
    print("|---|---|---|---|---|")
    for name in names:
        rounds = ", ".join(f"{x:.0f}" for x in rps[name])
        paired = statistics.median(x / f for x, f in zip(rps[name], rps["floor"], strict=True))
        print(f"| {name} | {med[name]:.0f} | {med[name] / med['floor']:.2f}x | {paired:.2f}x "
              f"| {rounds} |")
    print()
    print("| server CPU per request (in-process, median of "
          f"{args.cpu_iterations}) | ms |")
    print("|---|---|")
    for name, value in cpu.items():
        print(f"| {name} | {value:.2f} |")
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
