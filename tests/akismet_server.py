"""A small Akismet-compatible server on loopback, following the documented REST protocol.

    with akismet_server(key="k") as server:   # server.url, server.calls
        ...

It answers POST /1.1/verify-key, /1.1/comment-check, /1.1/submit-spam and /1.1/submit-ham
with the documented bodies ("valid"/"invalid", "true"/"false", "Thanks for making the web a
better place.") and honours the documented test values: author `akismet-guaranteed-spam` or
email `akismet-guaranteed-spam@example.com` is spam, `user_role=administrator` is ham. A wrong
key answers "invalid"; a missing required field answers with an X-akismet-debug-help header.
"""

from __future__ import annotations

import contextlib
import threading
import typing as t
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

THANKS = "Thanks for making the web a better place."
GUARANTEED_SPAM = "akismet-guaranteed-spam"


@dataclass
class AkismetServer:
    url: str
    key: str
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def endpoints(self) -> list[str]:
        return [endpoint for endpoint, _ in self.calls]


def _handler(state: AkismetServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002 - keep quiet
            pass

        def answer(self, body: str, headers: dict[str, str] | None = None,
                   status: int = 200) -> None:
            raw = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            endpoint = self.path.removeprefix("/1.1/")
            state.calls.append((endpoint, form))
            if endpoint == "verify-key":
                self.answer("valid" if form.get("key") == state.key else "invalid")
                return
            if endpoint not in ("comment-check", "submit-spam", "submit-ham"):
                self.answer("not found", status=404)
                return
            if form.get("api_key") != state.key:
                self.answer("invalid", {"X-akismet-debug-help": "We were unable to verify the key"})
                return
            for required in ("blog", "user_ip"):
                if not form.get(required):
                    self.answer(f"Missing required field: {required}.",
                                {"X-akismet-debug-help": f"Missing required field: {required}"})
                    return
            if endpoint != "comment-check":
                self.answer(THANKS)
                return
            spam = GUARANTEED_SPAM in (form.get("comment_author", ""),
                                       form.get("comment_author_email", "").split("@")[0])
            if form.get("user_role") == "administrator":
                spam = False
            self.answer("true" if spam else "false")

    return Handler


@contextlib.contextmanager
def akismet_server(key: str = "test-akismet-key") -> t.Iterator[AkismetServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state := AkismetServer("", key)))
    state.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
