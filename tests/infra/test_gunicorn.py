"""infra/gunicorn.conf.py, read as gunicorn reads it, then a real gunicorn serving the test
database: probes on a pod address, metrics added up across worker processes, JSON logs."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.core.ops.conftest import sample
from tests.infra.files import INFRA, ROOT
from tests.support.servers import free_port, port_open, wait_for

CONFIG = INFRA / "gunicorn.conf.py"
WSGI = "core.config.wsgi:application"
PAGE_REQUESTS = 6
MAX_REQUESTS = 2  # a worker process serves two requests, then another one takes over


def gunicorn_settings(**environment: str) -> dict[str, Any]:
    names = ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
             "GUNICORN_MAX_REQUESTS")  # fmt: skip
    saved = {name: os.environ.pop(name, None) for name in names}
    os.environ.update(environment)
    try:
        return runpy.run_path(str(CONFIG))
    finally:
        for name in names:
            os.environ.pop(name, None)
            if saved[name] is not None:
                os.environ[name] = saved[name]  # type: ignore[assignment]


def test_the_defaults_and_the_environment() -> None:
    default = gunicorn_settings()
    tuned = gunicorn_settings(GUNICORN_BIND="127.0.0.1:9000", GUNICORN_WORKERS="3",
                              GUNICORN_THREADS="2", GUNICORN_TIMEOUT="60",
                              GUNICORN_MAX_REQUESTS="500")  # fmt: skip

    assert (default["bind"], default["workers"], default["threads"]) == (
        "0.0.0.0:8000",
        2 * (os.cpu_count() or 1) + 1,
        1,
    )
    assert (default["timeout"], default["max_requests"], default["max_requests_jitter"]) == (
        120,
        2000,
        200,
    )
    assert default["accesslog"] is None
    assert (tuned["bind"], tuned["workers"], tuned["threads"], tuned["timeout"]) == (
        "127.0.0.1:9000",
        3,
        2,
        60,
    )
    assert (tuned["max_requests"], tuned["max_requests_jitter"]) == (500, 50)


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
class Gunicorn:
    url: str
    metrics_dir: Path
    log: Path

    def get(self, path: str, host: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Host": host})
        with urllib.request.urlopen(request, timeout=20) as response:
            return int(response.status), response.read()

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def gunicorn(django_db_setup: None, tmp_path: Path) -> Iterator[Gunicorn]:
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"left over from an earlier run")
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_MAX_REQUESTS": str(MAX_REQUESTS),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), WSGI],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            wait_for(lambda: port_open(port) or process.poll() is not None, "gunicorn", 60)
            assert process.poll() is None, log.read_text()
            yield Gunicorn(url=f"http://127.0.0.1:{port}", metrics_dir=metrics_dir, log=log)
        finally:
            process.terminate()
            process.wait(30)


def test_a_real_gunicorn_serves_probes_pages_and_metrics_of_every_worker(
    gunicorn: Gunicorn,
) -> None:
    assert gunicorn.get("/healthz", "10.42.0.17:8000") == (200, b'{"status": "ok"}')
    for _ in range(PAGE_REQUESTS):
        status, _body = gunicorn.get("/", "wanzhou.localhost")
        assert status == 200
    status, exposition = gunicorn.get("/metrics", "10.42.0.17:8000")

    assert status == 200
    home = {"district": "wanzhou", "route": "/", "method": "GET", "status": "200"}
    # Served by at least three worker processes in turn, two of them gone: the count is whole.
    assert sample(exposition.decode(), "credit_http_requests_total", **home) == PAGE_REQUESTS
    writers = {p.name.rsplit("_", 1)[1] for p in gunicorn.metrics_dir.glob("counter_*.db")}
    assert len(writers) >= 3
    assert "99999.db" not in writers  # emptied at start


def test_every_log_line_is_json_with_the_request_context(gunicorn: Gunicorn) -> None:
    gunicorn.get("/", "wanzhou.localhost")
    gunicorn.get("/healthz", "10.42.0.17:8000")  # a later request: the first one is logged
    wait_for(lambda: "credit.access" in gunicorn.log.read_text(), "the access line", 10)

    lines = gunicorn.log_lines()  # raises if any line is not JSON
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "credit.access"} <= loggers
    (access,) = [line for line in lines if line["logger"] == "credit.access"]
    assert (access["district"], access["route"], access["status"]) == ("wanzhou", "/", 200)
    assert len(access["request_id"]) == 32
    assert any(line["message"].startswith("Booting worker") for line in lines)
