"""Drive the compose stack the way it is used, over HTTP on 127.0.0.1 (make compose-test).

Runs `docker compose` on the repository's docker-compose.yml unchanged; only variables differ
(stand-in base images, a test secret, the published port, a short worker poll). Needs
DOCKER_HOST and DOCKER_CONFIG set (deploy/ci/compose-test.sh does it). Standard library only.
Every step prints its time; any failed check exits non-zero after `down -v`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "commentsvc-ci"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = int(os.environ.get("COMPOSE_TEST_PORT") or free_port())
BASE = f"http://127.0.0.1:{PORT}"
SINK = f"{PROJECT}-smtp"
SUFFIX = os.environ.get("STANDIN_SUFFIX", "bookworm")
ENV = {
    "COMMENTSVC_SECRET_KEY": secrets.token_urlsafe(48),
    "POSTGRES_PASSWORD": secrets.token_hex(16),
    "COMMENTSVC_IMAGE": "commentsvc:compose-test",
    "PYTHON_IMAGE": f"local/python:3.11-{SUFFIX}",
    "POSTGRES_IMAGE": f"local/postgres:15-{SUFFIX}",
    "REDIS_IMAGE": f"local/redis:7.0-{SUFFIX}",
    "NGINX_IMAGE": f"local/nginx:1.22-{SUFFIX}",
    "PUBLISH_PORT": str(PORT),
    "COMMENTSVC_PUBLIC_URL": BASE,
    "COMMENTSVC_SMTP_URL": "smtp://smtp-sink:8025",
    "COMMENTSVC_MAIL_FROM": "Comments <comments@ci.example>",
    "COMMENTSVC_NOTIFY_POLL_SECONDS": "1",
    "COMMENTSVC_WORKERS": "2",  # 2 cores here: 3 replicas x 2 workers
    # One client address (this host) posts everything: flood control would only slow the test.
    # The rate limit stays at its default (5 per minute per client).
    "COMMENTSVC_FLOOD_SECONDS": "0",
}
FIGURES: dict[str, str] = {}
TIMINGS: list[tuple[str, float]] = []


class CheckFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class step:
    """Print a step's name and how long it took."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.start = time.monotonic()
        print(f"--- {self.name}", flush=True)

    def __exit__(self, *exc: object) -> None:
        took = time.monotonic() - self.start
        TIMINGS.append((self.name, took))
        print(f"    {'ok' if exc[0] is None else 'FAILED'} in {took:.1f} s", flush=True)


def run(*args: str, check_rc: bool = True, stdin: bytes | None = None,
        timeout: float = 600) -> str:
    done = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout)
    out = done.stdout.decode(errors="replace")
    if check_rc and done.returncode != 0:
        raise CheckFailed(f"{' '.join(args)} exited {done.returncode}:\n{out}\n"
                          f"{done.stderr.decode(errors='replace')[-3000:]}")
    return out


def compose(*args: str, **kw: t.Any) -> str:
    return run("docker", "compose", "-p", PROJECT, "--env-file", ENV_FILE,
               "-f", str(ROOT / "docker-compose.yml"), *args, **kw)


def http(method: str, path: str, body: object = None, headers: dict[str, str] | None = None,
         timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# A request made inside one app replica, to its own gunicorn (not through nginx).
IN_REPLICA = """
import json, sys, urllib.request, urllib.error
method, path, body, headers = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
req = urllib.request.Request("http://127.0.0.1:8000" + path, data=body.encode() or None,
                             method=method, headers=headers)
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
try:
    answer = urllib.request.build_opener(NoRedirect).open(req, timeout=10)
    status, hdrs, data = answer.status, answer.headers, answer.read()
except urllib.error.HTTPError as e:
    status, hdrs, data = e.code, e.headers, e.read()
print(json.dumps({"status": status, "cookies": hdrs.get_all("Set-Cookie") or [],
                  "body": data.decode(errors="replace")}))
"""


def in_replica(index: int, method: str, path: str, body: str = "",
               headers: dict[str, str] | None = None) -> dict[str, t.Any]:
    out = compose("exec", "-T", "--index", str(index), "app", "python", "-c", IN_REPLICA,
                  method, path, body, json.dumps(headers or {}))
    return json.loads(out.strip().splitlines()[-1])


def cookie_of(answer: dict[str, t.Any]) -> str:
    return "; ".join(c.split(";", 1)[0] for c in answer["cookies"])


def post_comment(article: str, n: int, site: str = "ci",
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, t.Any]]:
    status, _, raw = http("POST", f"/api/v1/sites/{site}/articles/{article}/comments",
                          {"name": f"Reader {n}", "email": f"reader{n}@example.org",
                           "body": f"Comment number {n} on {article}, thoughtful and on topic."},
                          headers)
    return status, (json.loads(raw) if raw.startswith(b"{") else {})


def thread_ids(article: str, site: str = "ci") -> set[int]:
    status, _, raw = http("GET", f"/api/v1/sites/{site}/articles/{article}/comments")
    if status == 404:
        return set()
    check(status == 200, f"thread read answered {status}: {raw[:300]!r}")
    return ids_in(json.loads(raw))


def ids_in(thread: dict[str, t.Any]) -> set[int]:
    found: set[int] = set()

    def walk(items: list[dict[str, t.Any]]) -> None:
        for item in items:
            found.add(int(item["id"]))
            walk(item.get("replies") or [])

    walk(thread["comments"])
    return found


def wait_ready(timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = http("GET", "/readyz", timeout=3)[0]
            if last == 200:
                return
        except OSError as e:
            last = e
        time.sleep(1)
    raise CheckFailed(f"/readyz through the proxy never answered 200 (last: {last})")


def cli(*args: str) -> str:
    return compose("exec", "-T", "app", "commentsvc", *args)


def redis_flush() -> None:
    """A fresh rate-limit window (Redis holds only the limiter's counters)."""
    compose("exec", "-T", "redis", "redis-cli", "FLUSHDB")


def approve(index: int, token: str, comment_id: int) -> None:
    answer = in_replica(index, "PATCH", f"/api/v1/moderation/comments/{comment_id}",
                        json.dumps({"status": "approved"}),
                        {"Authorization": f"Bearer {token}",
                         "Content-Type": "application/json"})
    check(answer["status"] == 200, f"approve on replica {index}: {answer}")


def mails() -> list[str]:
    out = run("docker", "exec", SINK, "sh", "-c",
              "cat /mail/new/* 2>/dev/null | grep -i '^Subject:' || true")
    return [line for line in out.splitlines() if line.strip()]


def wait_mails(count: int, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = mails()
        if len(got) >= count:
            return got
        time.sleep(1)
    raise CheckFailed(f"{len(mails())} mail(s) at the SMTP sink, expected {count}")


def start_sink() -> None:
    run("docker", "rm", "-f", SINK, check_rc=False)
    run("docker", "run", "-d", "--name", SINK, "--network", f"{PROJECT}_default",
        "--network-alias", "smtp-sink", f"local/aiosmtpd:{SUFFIX}")


# --- the slow-client attack ------------------------------------------------------------------

def slow_client(stop: threading.Event) -> None:
    """Send a request's headers one byte a second, reconnecting whenever cut off."""
    payload = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Pad: " + \
        b"a" * 200 + b"\r\n"
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=5) as sock:
                for byte in payload:
                    if stop.wait(1):
                        return
                    sock.sendall(bytes([byte]))
        except OSError:
            if stop.wait(0.5):
                return


def slow_client_attack(connections: int = 10, probes: int = 20) -> tuple[int, int]:
    stop = threading.Event()
    threads = [threading.Thread(target=slow_client, args=(stop,), daemon=True)
               for _ in range(connections)]
    for thread in threads:
        thread.start()
    time.sleep(3)  # the attack is on before the first probe
    answered = 0
    try:
        for _ in range(probes):
            started = time.monotonic()
            try:
                status = http("GET", "/healthz", timeout=2)[0]
                if status == 200 and time.monotonic() - started <= 2:
                    answered += 1
            except OSError:
                pass
            time.sleep(max(0.0, 1 - (time.monotonic() - started)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=3)
    return answered, probes


# --- the run ---------------------------------------------------------------------------------

def main() -> None:
    global ENV_FILE
    workdir = Path(tempfile.mkdtemp(prefix="commentsvc-compose-"))
    ENV_FILE = str(workdir / "ci.env")
    Path(ENV_FILE).write_text("".join(f"{k}={v}\n" for k, v in ENV.items()))
    ok = False
    try:
        scenario(workdir)
        ok = True
    except CheckFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        for service in ("migrate", "app", "worker", "proxy"):
            print(compose("logs", "--no-color", "--tail", "30", service, check_rc=False),
                  file=sys.stderr)
    finally:
        with step("down -v (remove the stack and its volume)"):
            compose("down", "-v", "--remove-orphans", check_rc=False)
            run("docker", "rm", "-f", SINK, check_rc=False)
        print("\nstep timings:")
        for name, took in TIMINGS:
            print(f"  {took:7.1f} s  {name}")
        print("\nfigures:")
        for name, value in FIGURES.items():
            print(f"  {name}: {value}")
        print(f"\ncompose-test: {1 if ok else 0} passed, {0 if ok else 1} failed")
    sys.exit(0 if ok else 1)


ENV_FILE = ""


def scenario(workdir: Path) -> None:
    compose("down", "-v", "--remove-orphans", check_rc=False)  # a previous run cut short

    with step("docker compose config (the repository's file, unchanged)"):
        out = compose("config", "--quiet")
        check(out.strip() == "", out)

    with step("docker compose build (one image for app, migrate, worker)"):
        compose("build", timeout=900)
        size = int(run("docker", "image", "inspect", "-f", "{{.Size}}",
                       ENV["COMMENTSVC_IMAGE"]).strip())
        base = int(run("docker", "image", "inspect", "-f", "{{.Size}}",
                       ENV["PYTHON_IMAGE"]).strip())
        FIGURES["image size"] = (f"{size / 1e6:.0f} MB ({(size - base) / 1e6:.0f} MB above the "
                                 f"{base / 1e6:.0f} MB base image {ENV['PYTHON_IMAGE']})")

    with step("up --wait (migrate once, then app, worker, proxy)"):
        compose("up", "-d", "--wait", timeout=300)
        migrate = compose("ps", "-a", "--format", "{{.Service}} {{.State}} {{.ExitCode}}",
                          "migrate")
        check("exited 0" in migrate, f"migrate: {migrate}")
        start_sink()
        wait_ready()

    with step("a migration that cannot run exits non-zero, naming the failure"):
        wrong = "postgresql+psycopg://commentsvc:wrong-password@postgres:5432/commentsvc"
        done = subprocess.run(
            ["docker", "compose", "-p", PROJECT, "--env-file", ENV_FILE, "-f",
             str(ROOT / "docker-compose.yml"), "run", "--rm", "-T", "--no-deps",
             "-e", f"COMMENTSVC_SQLALCHEMY_DATABASE_URI={wrong}", "migrate"],
            capture_output=True, timeout=120)
        said = (done.stdout + done.stderr).decode(errors="replace")
        check(done.returncode != 0 and "password authentication failed" in said,
              f"migrate with a wrong password: exit {done.returncode}: {said[-1500:]}")

    with step("a comment posted, approved through the API, read back; mail at the sink"):
        cli("site", "add", "ci", "--origin", BASE, "--moderation", "all")
        out = cli("moderator", "add", "ci-mod", "--site", "ci", "--email", "mod@ci.example")
        token = out.strip().splitlines()[-1].strip()
        redis_flush()
        status, answer = post_comment("hello", 1)
        check(status == 202, f"post answered {status} {answer}")
        first = int(answer["id"])
        check(first not in thread_ids("hello"), "a held comment is visible")
        got = wait_mails(1)  # before approving: mail for a comment already moderated is skipped
        check(len(got) == 1, f"mails: {got}")
        approve(1, token, first)
        check(first in thread_ids("hello"), "the approved comment is not in the thread")

    with step("--scale app=3 --scale worker=2 (nginx reloaded to see the replicas)"):
        compose("up", "-d", "--wait", "--scale", "app=3", "--scale", "worker=2", timeout=300)
        compose("exec", "-T", "proxy", "nginx", "-s", "reload")
        time.sleep(1)
        wait_ready()
        replicas = compose("ps", "--format", "{{.Service}}", "app").split()
        check(len(replicas) == 3, f"app replicas: {replicas}")

    with step("across replicas: approval read at once, review session, shared limit"):
        redis_flush()
        status, answer = post_comment("scaled", 2)
        check(status == 202, f"post answered {status}")
        second = int(answer["id"])
        approve(1, token, second)
        for index in (2, 3):
            read = in_replica(index, "GET", "/api/v1/sites/ci/articles/scaled/comments")
            check(read["status"] == 200 and second in ids_in(json.loads(read["body"])),
                  f"replica {index} does not show comment {second} at once: {read}")
        # The review page: login form from replica 1, log in on replica 2, pages on 3 and 1.
        form = in_replica(1, "GET", "/moderate/")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form["body"])
        check(form["status"] == 200 and csrf is not None and bool(form["cookies"]),
              f"login form on replica 1: {form['status']}")
        assert csrf is not None
        login = in_replica(2, "POST", "/moderate/login",
                           urllib.parse.urlencode({"token": token, "csrf_token": csrf[1]}),
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Cookie": cookie_of(form)})
        check(login["status"] == 303 and bool(login["cookies"]),
              f"login on replica 2: {login['status']} {login['body'][:300]}")
        for index in (3, 1):
            page = in_replica(index, "GET", "/moderate/", headers={"Cookie": cookie_of(login)})
            check(page["status"] == 200 and 'name="token"' not in page["body"],
                  f"replica {index} did not keep the review session made on replica 2")
        # Shared limit: 20 posts spread over 3 replicas x 2 workers, each with a different
        # forged X-Forwarded-For; one real client, so exactly the per-minute limit passes.
        redis_flush()
        cli("site", "add", "open", "--origin", BASE, "--moderation", "none")
        codes: list[int] = []
        started = time.monotonic()
        for n in range(20):
            forged = f"203.0.113.{n + 1}"
            codes.append(post_comment("spoof", 100 + n, site="open",
                                      headers={"X-Forwarded-For": forged})[0])
        took = time.monotonic() - started
        published = codes.count(201)
        FIGURES["X-Forwarded-For spoofing through the proxy"] = (
            f"{published} of 20 posts published in {took:.1f} s with a rotating forged "
            f"X-Forwarded-For (the rest: {sorted(set(codes) - {201})}); the per-client limit "
            f"is 5 per minute")
        check(published == 5 and codes.count(429) == 15,
              f"expected 5 published and 15 limited, got {codes}")

    with step("worker x2: each held comment mailed exactly once"):
        before = len(mails())
        redis_flush()
        for n in range(3):
            status, _ = post_comment("mail", 200 + n)
            check(status == 202, f"post answered {status}")
        got = wait_mails(before + 3)
        time.sleep(4)  # let a second worker deliver a duplicate, if it were going to
        got = mails()
        check(len(got) == before + 3, f"expected {before + 3} mails, got {len(got)}: {got}")
        outbox = cli("outbox")
        FIGURES["mail"] = (f"{len(got)} mails for {before + 3} held comments (one worker, then "
                           f"two; the last 3 posted while both ran)")
        print("    " + outbox.strip().replace("\n", "\n    "))

    with step("slow-client attack through the proxy (10 connections, 1 byte/s)"):
        answered, probes = slow_client_attack()
        FIGURES["slow-client attack"] = (f"{answered} of {probes} health probes answered within "
                                         f"2 s during 10 slow connections")
        check(answered * 10 >= probes * 9, FIGURES["slow-client attack"])

    with step("static files: gzip and long-lived caching at the proxy"):
        status, headers, raw = http("GET", "/embed.js", headers={"Accept-Encoding": "gzip"})
        lower = {k.lower(): v for k, v in headers.items()}
        check(status == 200 and lower.get("content-encoding") == "gzip",
              f"/embed.js: {status} {lower}")
        check("max-age=86400" in lower.get("cache-control", ""), f"/embed.js: {lower}")
        FIGURES["/embed.js through the proxy"] = (f"{len(raw)} bytes gzipped, "
                                                  f"{lower['cache-control']}")

    with step("down, then up: the data stays"):
        compose("down")
        compose("up", "-d", "--wait", timeout=300)
        start_sink()
        wait_ready()
        check({first} <= thread_ids("hello") and second in thread_ids("scaled"),
              "approved comments lost across down/up")

    with step("backup with pg_dump, volume destroyed, restore with pg_restore"):
        dump = workdir / "commentsvc.dump"
        raw_dump = subprocess.run(
            ["docker", "compose", "-p", PROJECT, "--env-file", ENV_FILE, "-f",
             str(ROOT / "docker-compose.yml"), "exec", "-T", "postgres",
             "pg_dump", "-U", "commentsvc", "-Fc", "commentsvc"],
            capture_output=True, check=True, timeout=120).stdout
        dump.write_bytes(raw_dump)
        check(len(raw_dump) > 1000, "the dump is empty")
        compose("down", "-v")
        compose("up", "-d", "--wait", "postgres", timeout=300)
        for _ in range(30):  # healthy, but an image may still be finishing its first start
            tables = compose("exec", "-T", "postgres", "psql", "-U", "commentsvc", "-d",
                             "commentsvc", "-tAc",
                             "select count(*) from pg_tables where schemaname = 'public'",
                             check_rc=False)
            if tables.strip().isdigit():
                break
            time.sleep(1)
        check(tables.strip() == "0", f"the new volume is not empty: {tables}")
        compose("exec", "-T", "postgres", "pg_restore", "-U", "commentsvc", "-d", "commentsvc",
                "--no-owner", "--exit-on-error", stdin=raw_dump, timeout=120)
        compose("up", "-d", "--wait", timeout=300)
        wait_ready()
        check(first in thread_ids("hello") and second in thread_ids("scaled"),
              "the restored database lacks the approved comments")
        FIGURES["backup"] = f"pg_dump -Fc {len(raw_dump)} bytes; restored into a new volume"


if __name__ == "__main__":
    main()
