"""The deployment's nginx in front of a bench server (`bench_prod --proxy nginx`).

    with front(server, "/healthz") as proxied: wrk(proxied.base + path)

The configuration is derived from deploy/nginx/nginx.conf each time, never copied: only what
must differ on a shared host changes (a free loopback port, the upstream's loopback address,
the pid, temporary and cache paths in a folder of its own, the current user when run as
root); buffering, timeouts, headers, gzip and keep-alive stay the deployment's. `derive`
refuses a configuration where one of those places is not found exactly as expected, so a
change to nginx.conf that the bench would silently miss fails loudly instead (tested in
tests/test_bench_nginx.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import typing as t
from pathlib import Path

from bench import prod_servers as ps
from bench.harness import free_port

NGINX = Path(os.environ.get("BENCH_NGINX", "/usr/sbin/nginx"))
DEPLOYED = ps.ROOT / "deploy" / "nginx" / "nginx.conf"


def _replace(conf: str, pattern: str, new: str, count: int = 1) -> str:
    """`pattern` replaced by `new`; it must occur `count` times (0: at least once)."""
    found = len(re.findall(pattern, conf, flags=re.MULTILINE))
    if found == 0 or (count and found != count):
        raise ValueError(f"deploy/nginx/nginx.conf changed: {pattern!r} found {found} times")
    return re.sub(pattern, new, conf, flags=re.MULTILINE)


def derive(source: str, folder: Path, port: int, upstream: int, keepalive: int | None = None,
           as_root: bool | None = None) -> str:
    """The bench configuration: `source` (nginx.conf) with only the host-specific places changed.

    `keepalive` N replaces the upstream block's `keepalive` (the idle connections each nginx
    worker keeps open to gunicorn; 0: none, a connection per request); None keeps the file's.
    """
    conf = _replace(source, r"^pid \S+;$", f"pid {folder}/nginx.pid;")
    conf = _replace(conf, r"/tmp/(nginx-[\w-]+)", rf"{folder}/\1", count=0)
    if "/tmp/" in conf.replace(str(folder), ""):
        raise ValueError("deploy/nginx/nginx.conf writes under /tmp in a place not derived")
    conf = _replace(conf, r"^(\s*)listen \d+ default_server;$",
                    rf"\1listen 127.0.0.1:{port} default_server;")
    upstream_line = f"server 127.0.0.1:{upstream} max_fails=0;"
    if keepalive is not None:
        conf = re.sub(r"^\s*keepalive \d+;\n", "", conf, flags=re.MULTILINE)
        upstream_line += f" keepalive {keepalive};" if keepalive else ""
    conf = _replace(conf, r"(upstream \w+ \{\s*)server \S+ max_fails=0;",
                    rf"\g<1>{upstream_line}")
    if as_root if as_root is not None else os.geteuid() == 0:
        # nginx's workers would switch to `nobody`, who cannot write into `folder`
        user = pwd.getpwuid(os.geteuid())
        conf = f"user {user.pw_name} {grp.getgrgid(user.pw_gid).gr_name};\n" + conf
    return conf


def argv(folder: Path) -> list[str]:
    """nginx in the foreground on `folder`/nginx.conf (`-e`: no default error log opened)."""
    return [str(NGINX), "-e", "stderr", "-p", str(folder), "-c", str(folder / "nginx.conf"),
            "-g", "daemon off;"]


def write(folder: Path, upstream: int, keepalive: int | None = None) -> int:
    """Writes folder/nginx.conf for `upstream`; the port nginx will listen on."""
    port = free_port()
    (folder / "nginx.conf").write_text(derive(DEPLOYED.read_text(), folder, port, upstream,
                                              keepalive))
    return port


@contextlib.contextmanager
def front(server: ps.Server, health: str, keepalive: int | None = None) -> t.Iterator[ps.Server]:
    """`server` reached through the deployment's nginx: the same Server (its workers' CPU is
    still the app's), with the proxy's address and its process in `proxy`."""
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    port = write(folder, server.port, keepalive)
    try:
        with ps.started(argv(folder), dict(os.environ), port, folder, health) as nginx:
            yield dataclasses.replace(server, base=nginx.base, port=port, proxy=nginx)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check(folder: Path) -> str:
    """`nginx -t` on folder/nginx.conf: nginx's own verdict (raises with its words)."""
    done = subprocess.run([*argv(folder)[:-2], "-t"], capture_output=True, text=True,
                          timeout=30)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stderr
