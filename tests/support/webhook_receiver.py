"""An institution's webhook receiver as the tests see it: a real HTTPS server on a free loopback
port, in a thread, with a certificate from the tests' CA (valid for `localhost`). It keeps every
POST and answers with the statuses it is told (`answers`, then 204).

Deliveries reach it only through `allow(settings)`: loopback passed by the egress check (the
test networks, refused outside DJANGO_DEBUG) and its CA trusted for webhooks."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.certificates import local_ca
from tests.support.servers import free_port, port_open, wait_for
from tests.support.upstream_server import Received


@dataclass
class WebhookReceiver:
    port: int = field(default_factory=free_port)
    requests: list[Received] = field(default_factory=list)
    # The statuses of the coming answers, in order; 204 once they are used up.
    answers: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/credit/hooks"

    def allow(self, settings: Any) -> None:
        settings.UPSTREAM_TEST_NETWORKS = ["127.0.0.0/8", "::1/128"]
        settings.BILLING_WEBHOOK_CA_FILE = str(local_ca().ca_file)

    def start(self) -> WebhookReceiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(local_ca().cert_file, local_ca().key_file)
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        wait_for(lambda: port_open(self.port), "webhook receiver")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, headers: dict[str, str], raw: bytes) -> int:
        with self._lock:
            self.requests.append(Received(headers, raw))
            return self.answers.pop(0) if self.answers else 204


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(dict(self.headers.items()), raw)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
