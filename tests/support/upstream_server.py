"""A small upstream platform (信用重庆 as the tests see it): a real HTTPS server on a free loopback
port, in a thread, with a certificate from the tests' CA (tests/support/certificates.py). It keeps
every request, checks the bearer token, answers each batch item by item, is idempotent by batch id
(the same batch again gets the first answer and changes nothing), and can be told to fail the next
requests, to lose or cut short the answer after applying a batch, or to redirect elsewhere.

Pushes reach it only through `allow(settings)`: the test's allow-list names its host, the test
networks let the egress check pass loopback, and its CA is trusted (core/upstream/egress.py)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.certificates import local_ca
from tests.support.servers import free_port, port_open, wait_for

TOKEN = "upstream-token-2026"
AUTHORITY_CODE_FIELD = {"XK": "XK_XKJGDM", "CF": "CF_CFJGDM"}


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.raw)
        return data


@dataclass
class UpstreamServer:
    token: str = TOKEN
    port: int = field(default_factory=free_port)
    # The name in its URL (its certificate is valid for `localhost` and `upstream.test`).
    host: str = "localhost"
    requests: list[Received] = field(default_factory=list)
    # The next `fail_next` requests are answered `fail_status` without being applied.
    fail_next: int = 0
    fail_status: int = 503
    # The next `lose_answers` batches are applied, then answered 502 (the answer lost on the way).
    lose_answers: int = 0
    # The next `short_answers` batches are applied, then answered without their last result.
    short_answers: int = 0
    # (batch id, record id, action) for every item applied: each at most once.
    applied: list[tuple[str, int, str]] = field(default_factory=list)
    # What upstream publishes: (kind, WSH, deciding authority's code) → the last action applied.
    published: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # An item → the reason to reject it, or None to accept it.
    reject: Callable[[dict[str, Any]], str | None] = lambda item: None
    # Answer every request with a 302 to this address, applying nothing.
    redirect_to: str = ""
    _answers: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}/api/shuanggongshi/batches"

    def allow(self, settings: Any) -> None:
        """Let the process push to this server (pytest-django's `settings`, undone after the
        test): its host allow-listed, loopback passed by the egress check, its CA trusted."""
        settings.UPSTREAM_ALLOWED_HOSTS = [self.host]
        settings.UPSTREAM_TEST_NETWORKS = ["127.0.0.0/8", "::1/128"]
        settings.UPSTREAM_CA_FILE = str(local_ca().ca_file)

    def start(self) -> UpstreamServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(local_ca().cert_file, local_ca().key_file)
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        wait_for(lambda: port_open(self.port), "upstream server")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(Received(headers, raw))
            if self.redirect_to:
                return 302, {"location": self.redirect_to}
            if headers.get("Authorization") != f"Bearer {self.token}":
                return 401, {"message": "访问令牌无效"}
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status, {"message": "系统维护中"}
            body = json.loads(raw)
            key = headers.get("Idempotency-Key", "")
            if key != body.get("batch_id"):
                return 400, {"message": "Idempotency-Key与batch_id不一致"}
            if key not in self._answers:
                self._answers[key] = json.dumps(self._apply(key, body["items"])).encode()
                if self.lose_answers > 0:
                    self.lose_answers -= 1
                    return 502, {"message": "网关超时"}
            answer: dict[str, Any] = json.loads(self._answers[key])
            if self.short_answers > 0:
                self.short_answers -= 1
                answer["results"] = answer["results"][:-1]
            return 200, answer

    def _apply(self, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        results = []
        for item in items:
            reason = self.reject(item)
            if reason:
                results.append({"id": item["id"], "status": "rejected", "reason": reason})
                continue
            fields = item["fields"]
            kind = item["kind"]
            business_key = (kind, fields[f"{kind}_WSH"], fields[AUTHORITY_CODE_FIELD[kind]])
            self.published[business_key] = item["action"]
            self.applied.append((key, item["id"], item["action"]))
            results.append({"id": item["id"], "status": "accepted"})
        return {"batch_id": key, "results": results}


def _handler(server: UpstreamServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = server.handle(dict(self.headers.items()), raw)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            if status == 302:
                self.send_header("Location", answer["location"])
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
