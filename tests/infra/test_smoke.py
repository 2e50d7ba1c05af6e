"""The production stack without containers: infra/'s gunicorn configuration, a Celery worker and
beat as compose runs them, and infra/'s nginx configuration, all on loopback, against PostgreSQL
(the test database), Redis and an S3-compatible server (SeaweedFS). Through nginx: a district's
portal page, a GraphQL call and a department file uploaded in the staff console, which the worker
ingests and whose file lands in S3 under the district's prefix."""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from django_tenants.utils import schema_context

from core.catalog.models import CatalogSupply, Department
from core.collection.models import UploadBatch, UploadBatchStatus
from core.records.models import Record
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.e2e.conftest import committed_districts
from tests.infra.files import INFRA, NGINX_CONF, ROOT
from tests.infra.test_gunicorn import database_url
from tests.infra.test_nginx import nginx_binary
from tests.support.forms import csrf_token, multipart
from tests.support.servers import (
    S3Server,
    free_port,
    port_open,
    start_redis,
    start_seaweedfs,
    stop_process,
    wait_for,
)

SMOKE = OnboardingRequest(slug="smoke", name="秀山县", platform_name="信用秀山", region_code="500241",
                          domain="smoke.localhost", admin_email="admin@smoke.test")  # fmt: skip
PASSWORD = "Smoke-Admin-2026"
BUCKET = "credit-smoke"


@dataclass
class Stack:
    url: str
    logs: Path
    s3: S3Server

    def opener(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _loopback_nginx(tmp: Path, nginx_port: int, web_port: int) -> Path:
    """infra/nginx/nginx.conf with only its addresses and file locations moved to this machine."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    replacements = {
        "pid /var/run/nginx.pid;": f"pid {tmp}/nginx.pid;",
        "error_log /dev/stderr warn;": f"error_log {tmp}/nginx-error.log warn;",
        "access_log /dev/stdout credit_json;": f"access_log {tmp}/nginx-access.log credit_json;",
        "listen 80 default_server;": f"listen 127.0.0.1:{nginx_port} default_server;",
        "set $credit_web http://web:8000;": f"set $credit_web http://127.0.0.1:{web_port};",
        "http {": "http {\n"
        + "".join(
            f"    {kind}_temp_path {tmp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),  # fmt: skip
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    config = tmp / "nginx.conf"
    config.write_text("user root;\n" + text if os.geteuid() == 0 else text, encoding="utf-8")
    return config


@pytest.fixture
def stack(django_db_setup: None, django_db_blocker: Any, tmp_path: Path) -> Iterator[Stack]:
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (dev.py installs it)")
    with (
        ExitStack() as stop,
        committed_districts(django_db_blocker, str(tmp_path / "media"), PASSWORD, SMOKE),
    ):
        redis = start_redis()
        stop.callback(redis.stop)
        s3 = start_seaweedfs()
        stop.callback(s3.stop)
        boto3.client("s3", endpoint_url=s3.url, aws_access_key_id=s3.access_key,
                     aws_secret_access_key=s3.secret_key, region_name="us-east-1").create_bucket(Bucket=BUCKET)  # fmt: skip
        with schema_context("smoke"):
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="秀山县市场监督管理局"
            )
            CatalogSupply.objects.create(item_id=_penalty_item(), department=department)
        web_port, nginx_port = free_port(), free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            # Databases of their own (the Redis may be this machine's, which other tests share).
            "REDIS_URL": redis.url.rsplit("/", 1)[0] + "/13",
            "CELERY_BROKER_URL": redis.url.rsplit("/", 1)[0] + "/14",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": s3.url,
            "S3_ACCESS_KEY_ID": s3.access_key,
            "S3_SECRET_ACCESS_KEY": s3.secret_key,
            "S3_REGION": "us-east-1",
            "GUNICORN_BIND": f"127.0.0.1:{web_port}",
            "GUNICORN_WORKERS": "2",
            "LOG_LEVEL": "INFO",
        }
        commands = {
            "web": [sys.executable, "-m", "gunicorn", "--config", str(INFRA / "gunicorn.conf.py"),
                    "core.config.wsgi:application"],
            "worker": [sys.executable, "-m", "celery", "-A", "core", "worker", "--loglevel=INFO",
                       "--concurrency=1"],
            "beat": [sys.executable, "-m", "celery", "-A", "core", "beat", "--loglevel=INFO",
                     f"--schedule={tmp_path}/celerybeat-schedule"],
            "nginx": [str(nginx_binary()), "-g", "daemon off;", "-c",
                      str(_loopback_nginx(tmp_path, nginx_port, web_port)), "-p", str(tmp_path)],
        }  # fmt: skip
        processes = {}
        for name, command in commands.items():
            log = stop.enter_context(open(tmp_path / f"{name}.log", "wb"))  # noqa: SIM115
            process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
            processes[name] = process
            stop.callback(stop_process, process)
        for port in (web_port, nginx_port):
            wait_for(lambda port=port: port_open(port) or _any_died(processes), f"port {port}", 60)
        assert not _any_died(processes), _logs(tmp_path)
        yield Stack(url=f"http://127.0.0.1:{nginx_port}", logs=tmp_path, s3=s3)
        assert not _any_died(processes), _logs(tmp_path)


def _penalty_item() -> int:
    from core.catalog.models import CatalogItem

    return CatalogItem.objects.get(code="N03-02").pk


def _any_died(processes: dict[str, subprocess.Popen[bytes]]) -> bool:
    return any(p.poll() is not None for p in processes.values())


def _logs(tmp: Path) -> str:
    return "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(tmp.glob("*.log"))
    )


def _request(stack: Stack, opener: urllib.request.OpenerDirector, path: str, *, data: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    request = urllib.request.Request(stack.url + path, data=data,
                                     headers={"Host": SMOKE.domain, **(headers or {})})  # fmt: skip
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status), dict(response.headers), response.read()
    except urllib.error.HTTPError as answer:
        return int(answer.code), dict(answer.headers), answer.read()


def test_a_portal_page_a_graphql_call_and_an_upload_go_through_nginx(stack: Stack) -> None:
    browser = stack.opener()

    # A district's portal page, through nginx, with the request id nginx gave it.
    status, headers, body = _request(stack, browser, "/")
    assert (status, "信用秀山" in body.decode()) == (200, True)
    assert len(headers.get("X-Request-ID", "")) >= 16

    # A GraphQL call.
    query = json.dumps({"query": "{ district { slug name regionCode } }"}).encode()
    status, _, body = _request(stack, browser, "/graphql/", data=query,
                               headers={"Content-Type": "application/json"})  # fmt: skip
    assert status == 200, _logs(stack.logs)
    assert (status, json.loads(body)["data"]["district"]) == (
        200, {"slug": "smoke", "name": "秀山县", "regionCode": "500241"})  # fmt: skip

    # The district admin signs in and uploads a department file in the console.
    _, _, page = _request(stack, browser, "/console/login/")
    form = urllib.parse.urlencode({"username": SMOKE.admin_email, "password": PASSWORD,
                                   "csrfmiddlewaretoken": csrf_token(page)}).encode()  # fmt: skip
    status, headers, _ = _request(stack, browser, "/console/login/", data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{SMOKE.domain}/console/login/"})  # fmt: skip
    assert status == 302, headers
    _, _, page = _request(stack, browser, "/console/uploads/")
    with schema_context("smoke"):
        department = Department.objects.get(code=DEPARTMENT_CODE)
    content = as_csv(
        [
            penalty(n, XDR_MC=f"秀山县第{n}建设有限公司", WSH=f"秀山市监罚〔2026〕{n}号")
            for n in (1, 2, 3)
        ]
    )
    body, kind = multipart({"csrfmiddlewaretoken": csrf_token(page), "department": str(department.pk)},
                            "处罚.csv", content)  # fmt: skip
    status, headers, _ = _request(stack, browser, "/console/uploads/", data=body, headers={
        "Content-Type": kind, "Referer": f"http://{SMOKE.domain}/console/uploads/"})  # fmt: skip
    assert status == 302, _logs(stack.logs)

    # The worker ingests it (over Redis); the file is in S3 under the district's prefix.
    with schema_context("smoke"):
        batch = UploadBatch.objects.get()
        deadline = time.monotonic() + 60
        while batch.status != UploadBatchStatus.DONE and time.monotonic() < deadline:
            time.sleep(0.5)
            batch.refresh_from_db()
        assert (batch.status, batch.stored, batch.rejected) == (UploadBatchStatus.DONE, 3, 0), (
            _logs(stack.logs)
        )
        assert sorted(Record.objects.values_list("doc_number", flat=True)) == [
            f"秀山市监罚〔2026〕{n}号" for n in (1, 2, 3)]  # fmt: skip
        stored_name = batch.file_name_in_storage
    s3 = boto3.client("s3", endpoint_url=stack.s3.url, aws_access_key_id=stack.s3.access_key,
                      aws_secret_access_key=stack.s3.secret_key, region_name="us-east-1")  # fmt: skip
    keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="smoke/").get("Contents", [])
    ]
    assert f"smoke/{stored_name}" in keys

    # Beat is up and scheduling; nginx logged the calls as JSON lines.
    assert "beat: Starting..." in (stack.logs / "beat.log").read_text()
    access = [
        json.loads(line) for line in (stack.logs / "nginx-access.log").read_text().splitlines()
    ]
    assert {(a["method"], a["path"], a["status"]) for a in access} >= {
        ("GET", "/", 200), ("POST", "/graphql/", 200), ("POST", "/console/uploads/", 302)}  # fmt: skip
