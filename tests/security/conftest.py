"""The security suite runs against a production-like server: gunicorn with DJANGO_DEBUG=0, two
workers, Redis for the cache (so limits are shared between workers, as in production), serving
the test database. What a test needs on the server it commits, and removes itself afterwards.

Every finding of the red-team review (issue 18) has a regression test here that failed before
its fix; docs/security.md maps each to its control and its ASVS chapter.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from core.common import changefeed
from tests.infra.files import INFRA, ROOT
from tests.infra.test_gunicorn import database_url
from tests.support.servers import (
    RunningServer,
    free_port,
    header_map,
    port_open,
    start_redis,
    wait_for,
)


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]  # looked up in any case, as HTTP header names are
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Browser:
    """A client of the production server with its own cookies (one per visitor), never following
    redirects, sending the Host header it is given."""

    server: ProductionServer
    host: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"Host": self.host, **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if method == "POST" and "X-CSRFToken" not in sent:
            token = self.cookie("csrftoken")
            if token:
                sent["X-CSRFToken"] = token
                sent.setdefault("Referer", f"http://{self.host}/")
        request = urllib.request.Request(
            self.server.url + path, data=data, method=method, headers=sent
        )
        opener = urllib.request.build_opener(
            _NoRedirect, urllib.request.HTTPCookieProcessor(self.jar)
        )
        try:
            with opener.open(request, timeout=30) as response:
                return Answer(int(response.status), header_map(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(int(error.code), header_map(error.headers), error.read())

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Answer:
        return self.request("POST", path, **kwargs)

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> Answer:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.post("/graphql/", data=body,
                         headers={"Content-Type": "application/json", **headers})  # fmt: skip

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def csrf_from(self, path: str) -> str:
        """Open a form page (setting the CSRF cookie) and return the form's token."""
        page = self.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, f"no CSRF token on {path} ({page.status})"
        return found.group(1)


@dataclass
class ProductionServer:
    url: str
    log: Path
    media: Path
    redis: RunningServer

    def visitor(self, host: str) -> Browser:
        return Browser(self, host)

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-6000:]


@pytest.fixture(scope="session")
def production(django_db_setup: None) -> Iterator[ProductionServer]:
    """gunicorn, DJANGO_DEBUG=0, two workers, Redis cache; serves the test database."""
    workdir = Path(tempfile.mkdtemp(prefix="test-security-"))
    redis = start_redis()
    port = free_port()
    media = workdir / "media"
    media.mkdir()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "CREDIT_DATA_DIR": str(workdir),
        # A database of its own (the Redis may be this machine's, which other tests share).
        "REDIS_URL": _cache_url(redis),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "LOG_LEVEL": "INFO",
    }
    for name in ("CELERY_BROKER_URL", "S3_BUCKET"):
        environment.pop(name, None)
    # Static files as the image has them (collectstatic), served by WhiteNoise.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=environment, check=True, timeout=120)  # fmt: skip
    log = workdir / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(INFRA / "gunicorn.conf.py"),
             "core.config.wsgi:application"],
            cwd=ROOT, env=environment, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        wait_for(lambda: port_open(port) or process.poll() is not None, "gunicorn", 60)
        assert process.poll() is None, log.read_text()
        server = ProductionServer(url=f"http://127.0.0.1:{port}", log=log, media=media,
                                  redis=redis)  # fmt: skip
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def flush_limits(production: ProductionServer) -> None:
    """Empty the server's cache (rate limits, lockouts, persisted queries) before a test, and tell
    its processes to drop what they keep in memory (core/common/changefeed.py)."""
    _announce(production, changefeed.EVERYTHING, flush=True)


def routes_moved(production: ProductionServer) -> None:
    """A district's row was changed by `update()` (no signal): announce it on the server's change
    feed (tenants/routing.py) the way a saved row would."""
    _announce(production, changefeed.ROUTING)


def _announce(production: ProductionServer, topic: str, flush: bool = False) -> None:
    import redis as redis_client

    server = redis_client.Redis.from_url(_cache_url(production.redis))
    if flush:
        server.flushdb()
    db = int(os.environ.get("TEST_SECURITY_REDIS_DB", "12"))
    server.publish(changefeed.channel_name(db), f"{topic} tests")


def _cache_url(redis: RunningServer) -> str:
    return redis.url.rsplit("/", 1)[0] + "/" + os.environ.get("TEST_SECURITY_REDIS_DB", "12")
