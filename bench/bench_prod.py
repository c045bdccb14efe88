"""`make bench-prod`: the production shape side by side with its references, in one run.

    python -m bench.bench_prod [--rounds 3] [--seconds 5] [--visibility 200] [--no-miss]
                               [--classes sync,gthread] [--proxy nginx] [--workers 2]

commentsvc runs as deployed (`gunicorn -c python:commentsvc.gunicorn_conf`, 2 workers unless
`--workers`, ENV=production, PostgreSQL database bench_prod on 127.0.0.1:5432, Redis DB 10,
multiprocess metrics and the JSON access log on). A 200-comment thread (140 top level, 60
replies, ~300 characters each) is seeded through the API; its bytes and ETag are served by the floor
(bench/floor.py, same worker count and class), which also takes the same posted comments with
one INSERT each into the same PostgreSQL (the write floor). Isso from PyPI (bench/.isso-venv)
is the write peer. Each scenario's PostgreSQL backend CPU is read from /proc, as the workers'.
wrk (2 threads, 32 connections) runs every scenario once per round, the order rotated each
round, the database ANALYZEd before each (this machine's PostgreSQL runs without autovacuum).
Writes are checked against the databases afterwards. Then a second gunicorn master
on the same PostgreSQL and Redis is started and the delay until a write through one master is
visible through the other is measured, and the server CPU of a cache miss.

`--proxy nginx` puts the deployment's nginx (deploy/nginx/nginx.conf, bench/nginx_proxy.py) in
front of every server wrk measures; the write script's X-Forwarded-For then stands for an outer
proxy's hop (TRUSTED_PROXIES=2), and each writer's address is checked to reach the app as its
own. A class `gthread+ka0` is gthread behind nginx with the upstream `keepalive` of nginx.conf
replaced by 0 (a new connection per request; `+ka16`: 16 idle connections per nginx worker);
`gthread.8` has 8 threads (4 otherwise).
`--workers N` gives every server N workers (ours, the floor and Isso alike; 2 by default, the
issue's shape; gunicorn_conf's own default is 2 × CPUs + 1). `--visibility 0` and `--no-miss`
skip those parts.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import sqlite3
import statistics
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from bench import nginx_proxy
from bench import prod_servers as ps
from commentsvc import versions

SITE = "bench"
THREAD = "/api/v1/sites/bench/articles/%2Fbench%2Fthread%2F/comments"
WRITES = "/api/v1/sites/bench/articles/%2Fbench%2Fwrites%2F/comments"
VISIBLE = "/api/v1/sites/bench/articles/%2Fbench%2Fvisible%2F/comments"
FLOOD = "/api/v1/sites/bench/articles/%2Fbench%2Fflood%2F/comments"
ISSO_NEW = "/new?uri=%2Fbench%2Fwrites%2F"
WORDS = ("the harbour lights were on again last night and I walked down to see the boats come "
         "in with the tide while the gulls argued over what the fishermen threw back; my "
         "grandfather used to say that a town by the sea keeps its clocks by the water, and "
         "reading this I think he was right about more than the clocks").split()

WRITE_LUA = """
local counter = 0
local out
function init(args)
  out = io.open(args[1] .. "/" .. args[2] .. "-" .. tid .. ".log", "w")
end
function request()
  counter = counter + 1
  local m = string.format("m%dx%dx%s", tid, counter, run)
  local body
  if isso then
    body = string.format('{"author":"Writer %d","email":"%s@bench.example",'
      .. '"title":"Bench writes","text":"%s %s"}', tid, m, text, m)
  else
    body = string.format('{"name":"Writer %d","email":"%s@bench.example","body":"%s %s"}',
      tid, m, text, m)
  end
  local hdr = {["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", net + tid, math.floor(counter / 256) % 256,
      counter % 256)}
  return wrk.format("POST", path, hdr, body)
end
function response(status, headers, body)
  local id = string.match(body, '"id":%s*(%d+)') or "-"
  local m = string.match(body, "(m%d+x%d+x%w+)") or "-"
  out:write(status, " ", id, " ", m, "\\n")
end
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
  thread:set("run", "@RUN@")
  thread:set("net", @NET@)
  thread:set("isso", @ISSO@)
  thread:set("path", "@PATH@")
  thread:set("text", "@TEXT@")
end
"""


def request(base: str, method: str, path: str, body: t.Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=15)
    try:
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def comment_text(n: int) -> str:
    words, i = [], n
    while len(" ".join(words)) < 290:
        words.append(WORDS[i % len(WORDS)])
        i += 7
    return f"Comment {n}: " + " ".join(words)


def seed(base: str) -> None:
    """200 comments through the API: 140 top level, 60 replies to earlier ones."""
    tops: list[int] = []
    for n in range(200):
        parent = tops[(n * 7) % len(tops)] if n % 10 >= 7 and tops else None
        status, _, body = request(base, "POST", THREAD, {
            "name": f"Reader {n}", "email": f"reader{n}@example.org", "body": comment_text(n),
            "parent_id": parent}, {"X-Forwarded-For": f"10.200.{n // 250}.{n % 250}"})
        if status != 201:
            raise RuntimeError(f"seeding failed: {status} {body[:300]!r}")
        if parent is None:
            tops.append(json.loads(body)["id"])


def client_addresses(base: str, net: int) -> None:
    """Each writer's X-Forwarded-For reaches the app as its client address: two posts from one
    address within the flood interval, the second refused (429); one from another, accepted."""
    statuses = []
    for n, ip in enumerate((f"10.{net}.0.1", f"10.{net}.0.1", f"10.{net}.0.2")):
        status, _, _ = request(base, "POST", FLOOD, {
            "name": "Flood", "email": f"flood{net}-{n}@example.org",
            "body": f"flood probe {net}-{n} " + comment_text(n)[:80]}, {"X-Forwarded-For": ip})
        statuses.append(status)
    if statuses != [201, 429, 201]:
        raise RuntimeError(f"{base}: the writers' addresses do not reach the app as theirs "
                           f"(201, 429, 201 expected, got {statuses})")


def variant(name: str) -> tuple[str, int | None, int | None]:
    """`gthread.8+ka16` -> ("gthread", 8, 16): the worker class, its threads (None: 4 for
    gthread) and nginx's upstream keepalive (None: nginx.conf's own)."""
    worker_class, _, keepalive = name.partition("+ka")
    worker_class, _, threads = worker_class.partition(".")
    return worker_class, int(threads) if threads else None, \
        int(keepalive) if keepalive else None


def wrk(url: str, seconds: int, headers: dict[str, str] | None = None,
        script: Path | None = None, args: t.Sequence[str] = ()) -> dict[str, float]:
    argv = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for k, v in (headers or {}).items():
        argv += ["-H", f"{k}: {v}"]
    if script:
        argv += ["-s", str(script)]
    argv += [url]
    if args:
        argv += ["--", *args]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if not rate or not total:
        raise RuntimeError(f"wrk said:\n{out}")
    return {"rate": float(rate.group(1)), "requests": int(total.group(1)),
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": bool(errors)}


def write_script(folder: Path, name: str, run: str, isso: bool, path: str, net: int = 0) -> Path:
    """The wrk script of a write scenario; its writers' addresses are 10.<net + thread>.*.*
    (a scenario of its own `net` never meets another's addresses in the flood check)."""
    script = folder / f"{name}.lua"
    lua = WRITE_LUA
    for key, value in (("@RUN@", run), ("@ISSO@", "true" if isso else "false"), ("@PATH@", path),
                       ("@NET@", str(net)),
                       ("@TEXT@", comment_text(len(run))[:280])):
        lua = lua.replace(key, value)
    script.write_text(lua)
    return script


def answers(folder: Path, name: str) -> list[tuple[int, str, str]]:
    found = []
    for log in folder.glob(f"{name}-*.log"):
        for line in log.read_text().splitlines():
            status, ident, marker = line.split()
            found.append((int(status), ident, marker))
    return found


def check_writes(got: list[tuple[int, str, str]], stored: dict[int, str],
                 tag: str) -> dict[str, int]:
    """Acknowledged writes against the rows stored: lost, and answered with another's comment.

    `tag` starts the run tags of this scenario's markers (m<thread>x<n>x<tag><round>).
    """
    acked = [(i, m) for status, i, m in got if status in (201, 202)]
    markers = [m for _, m in acked]
    wrong = len(markers) - len(set(markers))  # two answers naming one request's comment
    wrong += sum(1 for i, m in acked if i != "-" and m not in stored.get(int(i), ""))
    in_db = {m for body in stored.values() for m in re.findall(r"m\d+x\d+x\w+", body)
             if m.rsplit("x", 1)[1].startswith(tag)}
    lost = sum(1 for m in set(markers) if m not in in_db)
    return {"acknowledged": len(acked), "stored": len(in_db), "lost": lost, "mis_answered": wrong}


def ours_rows(uri: str, prefix: str = "ours") -> dict[int, str]:
    """The stored comments of commentsvc, or of the write floor (`prefix` "floor...")."""
    table = "floor_comments" if prefix.startswith("floor") else "comments"
    engine = create_engine(uri)
    with engine.connect() as conn:
        rows = dict(conn.execute(text(f"SELECT id, body FROM {table}")).all())
    engine.dispose()
    return rows


def isso_rows(server: ps.Server) -> dict[int, str]:
    with contextlib.closing(sqlite3.connect(server.folder / "comments.db")) as db:
        return dict(db.execute("SELECT id, text FROM comments").fetchall())


def cpu_snapshot(servers: t.Sequence[ps.Server]) -> dict[int, float]:
    return {pid: cpu for s in servers for pid, cpu in s.cpu_by_worker().items()}


def cpu_per_request(servers: t.Sequence[ps.Server], before: dict[int, float],
                    requests: int) -> float:
    """Workers' CPU during the round per request (a worker that restarted counts from 0)."""
    after = cpu_snapshot(servers)
    used = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    return used / max(1, requests) * 1000


def visibility(writer: ps.Server, reader: ps.Server, count: int, net: int) -> list[float]:
    """ms from a write's acknowledgement (through `writer`) until `reader` shows it.

    Before each write every worker of the reader has the current version in memory (several
    304s); then fresh connections (any worker) revalidate until one answers 200.
    """
    delays = []
    for n in range(count):
        _, headers, _ = request(reader.base, "GET", VISIBLE)
        etag = headers["etag"]
        for _ in range(6):
            request(reader.base, "GET", VISIBLE, headers={"If-None-Match": etag})
        status, _, body = request(writer.base, "POST", VISIBLE, {
            "name": "Visible", "email": f"visible{net}-{n}@example.org",
            "body": f"visibility probe {net}-{n} " + comment_text(n)[:80]},
            {"X-Forwarded-For": f"10.{net}.{n // 250}.{n % 250}"})
        acked = time.perf_counter()
        assert status == 201, body
        while True:
            status, _, _ = request(reader.base, "GET", VISIBLE, headers={"If-None-Match": etag})
            if status == 200:
                break
            if time.perf_counter() - acked > 10:
                raise RuntimeError("a write stayed invisible for 10 s")
        delays.append((time.perf_counter() - acked) * 1000)
    return delays


def channel_delay(count: int) -> list[float]:
    """ms from a commit that fires the trigger until a LISTENing connection in this process
    holds the notice: PostgreSQL's delivery alone, without a worker's scheduling or HTTP."""
    dsn = versions.conninfo(ps.database_uri())
    delays = []
    with psycopg.connect(dsn, autocommit=True) as listener, \
            psycopg.connect(dsn, autocommit=True) as writer:
        listener.execute(f"LISTEN {versions.CHANNEL}")
        article = writer.execute("SELECT min(id) FROM articles").fetchone()
        for _ in range(count):
            writer.execute("UPDATE articles SET version = version WHERE id = %s", article)
            committed = time.perf_counter()
            for _note in listener.notifies(timeout=5, stop_after=1):
                delays.append((time.perf_counter() - committed) * 1000)
    return delays


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def miss_cpu(uri: str, requests: int = 200) -> dict[str, float]:
    """Server CPU of a cache miss: no page cache and no version map, so every read queries the
    head and the thread and serialises it; sequential requests, workers' and backends' CPU.
    Then the same reads on a server with its cache (hits): what any request costs here."""
    with ps.production(uri, COMMENTSVC_THREAD_CACHE_BYTES="0",
                       COMMENTSVC_THREAD_VERSION_PUSH="false") as server:
        for _ in range(20):
            request(server.base, "GET", THREAD)
        app0, pg0 = server.cpu_seconds(), ps.backend_cpu()
        for _ in range(requests):
            request(server.base, "GET", THREAD)
        miss = {"app": (server.cpu_seconds() - app0) / requests * 1000,
                "postgres": (ps.backend_cpu() - pg0) / requests * 1000}
    with ps.production(uri) as server:  # the same sequential reads, answered from the cache
        for _ in range(20):
            request(server.base, "GET", THREAD)
        app0 = server.cpu_seconds()
        for _ in range(requests):
            request(server.base, "GET", THREAD)
        miss["hit"] = (server.cpu_seconds() - app0) / requests * 1000
    return miss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--visibility", type=int, default=200)
    parser.add_argument("--classes", default="sync,gthread")
    parser.add_argument("--proxy", choices=("none", "nginx"), default="none")
    parser.add_argument("--miss", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--workers", type=int, default=ps.WORKERS)
    opts = parser.parse_args()
    ps.WORKERS = opts.workers  # every server's, Isso's and the floor's alike
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    uri = ps.fresh_database()
    env = ps.service_env(uri, Path(tempfile.mkdtemp(prefix="bench-cli-")))
    ps.cli(env, "db", "upgrade")
    ps.cli(env, "site", "add", SITE, "--origin", "https://blog.example", "--moderation", "none")
    classes = opts.classes.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    with contextlib.ExitStack() as stack:
        def served(server: t.ContextManager[ps.Server], health: str, c: str) -> ps.Server:
            if opts.proxy == "none":
                return stack.enter_context(server)
            return stack.enter_context(nginx_proxy.front(
                stack.enter_context(server), health, variant(c)[2]))

        # behind nginx wrk's X-Forwarded-For is an outer proxy's hop, nginx's the second
        hops = {"COMMENTSVC_TRUSTED_PROXIES": "2"} if opts.proxy == "nginx" else {}
        ours = {c: served(ps.production(uri, *variant(c)[:2], **hops), "/healthz", c)
                for c in classes}
        main_server = ours[classes[0]]
        seed(main_server.base)
        for n, s in enumerate(ours.values()):
            client_addresses(s.base, 252 + n)
        _, headers, body = request(main_server.base, "GET", THREAD)
        etag = headers["etag"]
        assert json.loads(body)["count"] == 200, body[:200]
        floors = {c: served(ps.floor(body, etag, *variant(c)[:2]), "/healthz", c)
                  for c in classes}
        for s in ours.values():  # the floor serves what the service serves, byte for byte
            assert request(s.base, "GET", THREAD)[2] == body
        assert request(floors[classes[0]].base, "GET", "/x")[2] == body
        peer = served(ps.isso(), "/info", "sync")
        scenarios: dict[str, t.Callable[[int], dict[str, float]]] = {}
        cpu_of: dict[str, list[ps.Server]] = {}
        write_logs: dict[str, tuple[str, bool, str]] = {}
        for i, c in enumerate(classes):
            scenarios[f"floor 200 ({c})"] = lambda r, c=c: wrk(
                floors[c].base + THREAD, opts.seconds)
            scenarios[f"floor 304 ({c})"] = lambda r, c=c: wrk(
                floors[c].base + THREAD, opts.seconds, {"If-None-Match": etag})
            scenarios[f"cached read ({c})"] = lambda r, c=c: wrk(
                ours[c].base + THREAD, opts.seconds)
            scenarios[f"304 ({c})"] = lambda r, c=c: wrk(
                ours[c].base + THREAD, opts.seconds, {"If-None-Match": etag})
            scenarios[f"floor writes ({c})"] = lambda r, c=c, i=i: wrk(
                floors[c].base + WRITES, opts.seconds,
                script=write_script(work, f"floor{c}{r}", f"f{i}r{r}", False, WRITES),
                args=[str(work), f"floor{c}{r}"])
            scenarios[f"writes ({c})"] = lambda r, c=c, i=i: wrk(
                ours[c].base + WRITES, opts.seconds,
                script=write_script(work, f"ours{c}{r}", f"o{i}r{r}", False, WRITES, 2 * i),
                args=[str(work), f"ours{c}{r}"])
            for kind in ("floor 200", "floor 304", "floor writes"):
                cpu_of[f"{kind} ({c})"] = [floors[c]]
            for kind in ("cached read", "304", "writes"):
                cpu_of[f"{kind} ({c})"] = [ours[c]]
            write_logs[f"writes ({c})"] = (f"ours{c}", False, f"o{i}r")
            write_logs[f"floor writes ({c})"] = (f"floor{c}", False, f"f{i}r")
        scenarios["Isso writes"] = lambda r: wrk(
            peer.base + ISSO_NEW, opts.seconds,
            script=write_script(work, f"isso{r}", f"i{r}", True, ISSO_NEW),
            args=[str(work), f"isso{r}"])
        cpu_of["Isso writes"] = [peer]
        write_logs["Isso writes"] = ("isso", True, "i")
        results: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
        names = list(scenarios)
        for r in range(opts.rounds):
            order = names[r % len(names):] + names[: r % len(names)]
            for name in order:
                ps.analyze()  # between scenarios, untimed
                before = cpu_snapshot(cpu_of[name])
                proxy = sum(s.proxy_cpu() for s in cpu_of[name])
                pg = ps.backend_cpu()
                got = scenarios[name](r)
                per = 1000 / max(1, got["requests"])
                got["cpu_ms"] = cpu_per_request(cpu_of[name], before, int(got["requests"]))
                got["proxy_ms"] = (sum(s.proxy_cpu() for s in cpu_of[name]) - proxy) * per
                got["pg_ms"] = (ps.backend_cpu() - pg) * per
                results[name].append(got)
                print(f"round {r + 1} {name}: {got['rate']:.0f}/s, {got['cpu_ms']:.2f} ms CPU, "
                      f"{got['proxy_ms']:.2f} ms proxy CPU, {got['pg_ms']:.2f} ms PostgreSQL "
                      f"CPU, {got['non2xx']} non-2xx", flush=True)
        checks = {name: check_writes(
            [a for r in range(opts.rounds) for a in answers(work, f"{prefix}{r}")],
            isso_rows(peer) if is_isso else ours_rows(uri, prefix), tag)
            for name, (prefix, is_isso, tag) in write_logs.items()}
        delays: dict[str, list[float]] = {}
        ps.analyze()
        if opts.visibility:  # gunicorn directly: what is measured is the masters' delay
            first = stack.enter_context(ps.production(uri, variant(classes[0])[0]))
            second = stack.enter_context(ps.production(uri, variant(classes[0])[0]))
            delays["same master (either worker)"] = visibility(
                first, first, opts.visibility // 2, 250)
            delays["other master (two hosts)"] = visibility(first, second, opts.visibility, 251)
    if opts.visibility:
        delays["the notice alone (commit to a LISTENing connection, no HTTP)"] = channel_delay(
            opts.visibility)
    miss = miss_cpu(uri) if opts.miss else None
    report(f"{started}, proxy: {opts.proxy}, {ps.WORKERS} workers each", classes, results,
           checks, delays, miss, len(body))


def median_rate(runs: list[dict[str, float]]) -> float:
    return statistics.median(x["rate"] for x in runs)


def report(started: str, classes: list[str], results: dict[str, list[dict[str, float]]],
           checks: dict[str, dict[str, int]], delays: dict[str, list[float]],
           miss: dict[str, float] | None, size: int) -> None:
    load = os.getloadavg()
    print(f"\n### bench-prod {started}, thread {size:,} bytes, load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
    print("| scenario | median req/s | rounds | server CPU ms/request | proxy CPU ms/request "
          "| PostgreSQL CPU ms/request | non-2xx/3xx |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, runs in results.items():
        rates = ", ".join(f"{x['rate']:.0f}" for x in runs)
        cpu, proxy, pg = (statistics.median(x[k] for x in runs)
                          for k in ("cpu_ms", "proxy_ms", "pg_ms"))
        bad = sum(int(x["non2xx"]) for x in runs)
        print(f"| {name} | {median_rate(runs):,.0f} | {rates} | {cpu:.2f} | {proxy:.2f} | "
              f"{pg:.2f} | {bad} |")
    isso = median_rate(results["Isso writes"])
    print("\n| | commentsvc | reference | ratio |\n|---|---:|---:|---:|")
    for c in classes:
        for ours, ref, label in (("cached read", "floor 200", "cached thread read"),
                                 ("304", "floor 304", "304 revalidation")):
            a, b = median_rate(results[f"{ours} ({c})"]), median_rate(results[f"{ref} ({c})"])
            print(f"| {label} ({c}) | {a:,.0f} req/s | floor {b:,.0f} | {a / b:.2f}x |")
        w = median_rate(results[f"writes ({c})"])
        f = median_rate(results[f"floor writes ({c})"])
        print(f"| comment writes ({c}) | {w:,.0f}/s | Isso {isso:,.0f}/s | {w / isso:.2f}x |")
        print(f"| comment writes ({c}) | {w:,.0f}/s | write floor {f:,.0f}/s | {w / f:.2f}x |")
        print(f"| write floor ({c}): one INSERT | {f:,.0f}/s | Isso {isso:,.0f}/s | "
              f"{f / isso:.2f}x |")
    print("\n| writes checked in the database | acknowledged | stored | lost | mis-answered |")
    print("|---|---:|---:|---:|---:|")
    for name, c in checks.items():
        print(f"| {name} | {c['acknowledged']} | {c['stored']} | {c['lost']} | "
              f"{c['mis_answered']} |")
    if delays:
        print("\n| change visible after the write's acknowledgement | n | p50 ms | p99 ms "
              "| max ms |\n|---|---:|---:|---:|---:|")
    for label, d in delays.items():
        print(f"| {label} | {len(d)} | {quantile(d, 0.5):.1f} | {quantile(d, 0.99):.1f} | "
              f"{max(d):.1f} |")
    if miss is None:
        return
    print(f"\ncache miss of the 200-comment thread, server CPU per request: "
          f"{miss['app']:.2f} ms in the gunicorn worker + {miss['postgres']:.2f} ms in "
          f"PostgreSQL's backend; the same sequential reads as cache hits: {miss['hit']:.2f} ms "
          f"in the worker (a new connection per request, a worker woken for each)")


if __name__ == "__main__":
    main()
