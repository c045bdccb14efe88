"""bench-prod's nginx is the deployment's: derived from deploy/nginx/nginx.conf, never copied."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bench import nginx_proxy
from bench import prod_servers as ps
from bench.harness import free_port

needs_nginx = pytest.mark.skipif(not nginx_proxy.NGINX.exists(),
                                 reason="no nginx at /usr/sbin/nginx (make bench-prod installs it)")

# Answers every request with the X-Forwarded-For it received (what the app would read).
ECHO = """
import http.server, sys
class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.headers.get("X-Forwarded-For") or "-").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
"""


def changed_lines(source: str, derived: str) -> list[str]:
    kept = set(source.splitlines())
    return [line.strip() for line in derived.splitlines() if line not in kept]


def test_only_the_host_specific_places_change(tmp_path: Path) -> None:
    source = nginx_proxy.DEPLOYED.read_text()
    conf = nginx_proxy.derive(source, tmp_path, 18080, 18000, as_root=False)
    assert sorted(changed_lines(source, conf)) == sorted([
        f"pid {tmp_path}/nginx.pid;",
        *(f"{kind}_temp_path {tmp_path}/nginx-{kind.split('_')[-1]};"
          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
        f"proxy_cache_path {tmp_path}/nginx-cache levels=1 keys_zone=static:1m max_size=16m "
        "inactive=1d",
        "listen 127.0.0.1:18080 default_server;",
        "server 127.0.0.1:18000 max_fails=0;",
    ])
    # buffering, timeouts, the forwarded headers and gzip are the deployment's, unchanged
    for kept in ("proxy_request_buffering on;", "proxy_buffering on;", "gzip on;",
                 "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "client_header_timeout 10s;", "proxy_http_version 1.1;"):
        assert kept in conf
    as_root = nginx_proxy.derive(source, tmp_path, 18080, 18000, keepalive=32, as_root=True)
    assert as_root.splitlines()[0].startswith("user ")
    assert "server 127.0.0.1:18000 max_fails=0; keepalive 32;" in as_root
    upstream_keepalive = re.compile(r"^\s*keepalive \d+;", re.MULTILINE)
    assert len(upstream_keepalive.findall(as_root)) == 0  # replaced, not added to the file's
    no_reuse = nginx_proxy.derive(source, tmp_path, 18080, 18000, keepalive=0, as_root=False)
    assert upstream_keepalive.search(conf) and not upstream_keepalive.search(no_reuse)
    assert "keepalive 0" not in no_reuse


def test_a_config_the_derivation_does_not_know_is_refused(tmp_path: Path) -> None:
    source = nginx_proxy.DEPLOYED.read_text()
    with pytest.raises(ValueError, match="nginx.conf changed"):
        nginx_proxy.derive(source.replace("listen 8080", "listen [::]:8080"), tmp_path, 1, 2)
    with pytest.raises(ValueError, match="not derived"):
        nginx_proxy.derive(source + "\nhttp { proxy_temp_path /tmp/other; }\n", tmp_path, 1, 2)


@needs_nginx
def test_nginx_accepts_the_derived_config(tmp_path: Path) -> None:
    nginx_proxy.write(tmp_path, free_port(), keepalive=16)
    assert "syntax is ok" in nginx_proxy.check(tmp_path)


@needs_nginx
def test_nginx_appends_the_client_hop_to_x_forwarded_for(tmp_path: Path) -> None:
    """Without a header the app reads nginx's hop, the client (TRUSTED_PROXIES=1 as deployed);
    the bench's per-writer header arrives one hop further in (bench-prod trusts 2 behind it)."""
    port = free_port()
    echo = subprocess.Popen([sys.executable, "-c", ECHO, str(port)])
    backend = ps.Server(f"http://127.0.0.1:{port}", port, echo, tmp_path)
    try:
        with nginx_proxy.front(backend, "/") as proxied:
            assert proxied.proxy is not None and proxied.proxy_cpu() >= 0
            seen = []
            for headers in ({}, {"X-Forwarded-For": "10.1.2.3"}):
                conn = http.client.HTTPConnection("127.0.0.1", proxied.port, timeout=10)
                conn.request("GET", "/x", headers=headers)
                seen.append(conn.getresponse().read().decode())
                conn.close()
    finally:
        echo.terminate()
        echo.wait()
    assert seen == ["127.0.0.1", "10.1.2.3, 127.0.0.1"]
