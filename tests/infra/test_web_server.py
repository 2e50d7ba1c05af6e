"""The web server (core/config/web_server.py: granian, ADR 0021), its options from the environment,
then a real one serving the test database: probes on a pod address, metrics added up across worker
processes (one of them killed and started again), JSON logs, the request deadline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.config.web_server import server_options
from tests.core.ops.conftest import sample
from tests.infra.files import ROOT
from tests.support.servers import free_port, port_open, wait_for

WSGI = "core.config.wsgi:application"
SERVER = [sys.executable, "-m", "core.config.web_server"]
PAGE_REQUESTS = 6


def test_the_defaults_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "WEB_BIND",
        "WEB_WORKERS",
        "WEB_THREADS",
        "WEB_WORKER_LIFETIME",
        "WEB_WORKER_MAX_RSS",
    ):
        monkeypatch.delenv(name, raising=False)
    default = server_options()
    for name, value in (("WEB_BIND", "127.0.0.1:9000"), ("WEB_WORKERS", "3"), ("WEB_THREADS", "4"),
                        ("WEB_WORKER_LIFETIME", "21600"), ("WEB_WORKER_MAX_RSS", "900")):  # fmt: skip
        monkeypatch.setenv(name, value)
    tuned = server_options()

    assert (default["address"], default["port"], default["workers"], default["blocking_threads"]) == (
        "0.0.0.0", 8000, os.cpu_count() or 1, 2,
    )  # fmt: skip
    assert (default["target"], default["workers_lifetime"], default["workers_max_rss"]) == (
        WSGI, None, None,
    )  # fmt: skip
    assert default["respawn_failed_workers"] is True
    assert default["log_access"] is False  # the application writes one line per request
    assert (tuned["address"], tuned["port"], tuned["workers"], tuned["blocking_threads"]) == (
        "127.0.0.1", 9000, 3, 4,
    )  # fmt: skip
    assert (tuned["workers_lifetime"], tuned["workers_max_rss"]) == (21600, 900)


def test_a_wrong_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_WORKERS", "three")

    with pytest.raises(ImproperlyConfigured, match="WEB_WORKERS must be an integer, got 'three'"):
        server_options()


def test_the_wsgi_entry_point_exists() -> None:
    module, _, attribute = WSGI.partition(":")

    assert (ROOT / (module.replace(".", "/") + ".py")).is_file()
    assert f"\n{attribute} = " in (ROOT / (module.replace(".", "/") + ".py")).read_text()


def database_url() -> str:
    db = settings.DATABASES["default"]
    host = quote(str(db["HOST"]), safe="") if str(db["HOST"]).startswith("/") else db["HOST"]
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT']}/{db['NAME']}"


@dataclass
class WebServer:
    url: str
    metrics_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    def get(self, path: str, host: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Host": host})
        with urllib.request.urlopen(request, timeout=20) as response:
            return int(response.status), response.read()

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def workers(self) -> set[int]:
        """The worker processes: the server's children."""
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.add(int(stat.parent.name))
        return found


@pytest.fixture
def web_server(django_db_setup: None, tmp_path: Path) -> Iterator[WebServer]:
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"left over from an earlier run")
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "web.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(SERVER, cwd=ROOT, env=environment, stdout=stderr, stderr=stderr)
        try:
            wait_for(lambda: port_open(port) or process.poll() is not None, "the web server", 60)
            assert process.poll() is None, log.read_text()
            yield WebServer(url=f"http://127.0.0.1:{port}", metrics_dir=metrics_dir, log=log,
                            process=process)  # fmt: skip
        finally:
            process.terminate()
            process.wait(30)


def test_a_real_server_serves_probes_pages_and_metrics_of_every_worker(
    web_server: WebServer,
) -> None:
    assert web_server.get("/healthz", "10.42.0.17:8000") == (200, b'{"status": "ok"}')
    for number in range(PAGE_REQUESTS):
        if number == PAGE_REQUESTS // 2:  # a worker dies; the server starts another
            _kill_the_worker(web_server)
        status, _body = web_server.get("/", "wanzhou.localhost")
        assert status == 200
    status, exposition = web_server.get("/metrics", "10.42.0.17:8000")

    assert status == 200
    home = {"district": "wanzhou", "route": "/", "method": "GET", "status": "200"}
    # Served by two worker processes in turn, one of them gone: the count is whole.
    assert sample(exposition.decode(), "credit_http_requests_total", **home) == PAGE_REQUESTS
    writers = {p.name.rsplit("_", 1)[1] for p in web_server.metrics_dir.glob("counter_*.db")}
    assert len(writers) >= 2
    assert "99999.db" not in writers  # emptied at start


def _kill_the_worker(web_server: WebServer) -> None:
    (first,) = web_server.workers()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: web_server.workers() - {first}, "a new worker", 30)
    wait_for(lambda: _answers(web_server), "the new worker's first answer", 30)


def _answers(web_server: WebServer) -> bool:
    try:
        return web_server.get("/healthz", "10.42.0.17:8000")[0] == 200
    except OSError:
        return False


def test_every_log_line_is_json_with_the_request_context(web_server: WebServer) -> None:
    web_server.get("/", "wanzhou.localhost")
    web_server.get("/healthz", "10.42.0.17:8000")  # a later request: the first one is logged
    wait_for(lambda: "credit.access" in web_server.log.read_text(), "the access line", 10)

    lines = web_server.log_lines()  # raises if any line is not JSON
    loggers = {line["logger"] for line in lines}
    assert {"_granian", "credit.access"} <= loggers
    (access,) = [
        line for line in lines if line["logger"] == "credit.access" and line["route"] == "/"
    ]
    assert (access["district"], access["route"], access["status"]) == ("wanzhou", "/", 200)
    assert len(access["request_id"]) == 32
    assert any(
        "worker" in line["message"].lower() for line in lines if line["logger"] == "_granian"
    )


def test_a_request_over_the_deadline_ends_its_process_with_an_error_line(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import logging, sys, time
        logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(message)s %(request)s")
        from core.ops.deadline import Deadline
        deadline = Deadline(0.3, interval=0.05)
        deadline.end(deadline.begin("GET wanzhou.localhost/quick/"))
        deadline.begin("POST wanzhou.localhost/console/uploads/")
        time.sleep(5)
        print("still running")
    """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=30, check=False)  # fmt: skip

    assert done.returncode == 1
    assert time.monotonic() - started < 4
    assert "still running" not in done.stdout
    assert done.stderr.strip().endswith(
        "ERROR request over the deadline, ending this worker process "
        "POST wanzhou.localhost/console/uploads/"
    )
