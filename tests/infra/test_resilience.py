"""Resilience (issue 9): real processes on loopback, each failure made for real and bounded in time.

1. A Celery worker is killed (SIGKILL, all its processes) in the middle of an ingest; a new worker
   gets the task again once the broker's visibility timeout has passed, and the batch ends with
   every row of the file accounted for exactly once.
2. Redis stops while gunicorn serves: portal pages and GraphQL reads keep working, an upload is
   kept as queued, and when Redis is back the upload is ingested.
3. PostgreSQL (a private cluster of the test's own) stops and starts again under a stream of
   requests: answers during the outage are clean 503s, and requests succeed again soon after.

Plus, in process, what the cache-backed limits do when the cache cannot be reached."""

from __future__ import annotations

import csv
import http.cookiejar
import io
import json
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.models import RejectedRow, UploadBatch, UploadBatchStatus
from core.config.local_services import redis_command, worker_command
from core.records.models import Record
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.e2e.conftest import committed_districts
from tests.infra.files import INFRA, ROOT
from tests.infra.test_gunicorn import database_url
from tests.support.forms import csrf_token, multipart
from tests.support.servers import (
    free_port,
    header_map,
    port_open,
    postgres_programs,
    stop_process,
    wait_for,
)

SITE = OnboardingRequest(slug="resilience", name="石柱县", platform_name="信用石柱",
                         region_code="500240", domain="resilience.localhost",
                         admin_email="admin@resilience.test")  # fmt: skip
PASSWORD = "Shizhu-Console-2026!"
VISIBILITY_TIMEOUT = 3  # seconds; the deployments keep kombu's 3600 (docs/operations.md)
INGEST_ROWS = 25_000  # five chunks of 5,000: about 4 s of ingest on two cores
# The PostgreSQL binaries the pgserver package ships (core/config/embedded_pg.py).


# Measured timings, logged (pytest shows them with `-o log_cli=true`, and beside any failure).
timings = logging.getLogger("tests.resilience")


# --- processes -------------------------------------------------------------------------------


class PrivateRedis:
    """A Redis of this module's own (the machine's may be shared): stopped and started again on
    the same port, without persistence, like a Redis that restarts empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            redis_command(self.port, self.workdir),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
        wait_for(lambda: not port_open(self.port), "redis-server to stop", 10)


def _tail(path: Path, size: int = 4000) -> str:
    return f"--- {path.name}\n" + path.read_text(errors="replace")[-size:] if path.exists() else ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]  # looked up in any case, as HTTP header names are
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def fetch(url: str, host: str, *, opener: urllib.request.OpenerDirector | None = None,
         data: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> Answer:  # fmt: skip
    request = urllib.request.Request(url, data=data, headers={"Host": host, **(headers or {})})
    try:
        with (opener or urllib.request.build_opener(_NoRedirect())).open(
            request, timeout=timeout
        ) as response:
            return Answer(int(response.status), header_map(response.headers), response.read())
    except urllib.error.HTTPError as answer:
        return Answer(int(answer.code), header_map(answer.headers), answer.read())


@dataclass
class Site:
    """gunicorn serving a committed district, with a private Redis as cache and broker; Celery
    workers are started and killed by the tests."""

    url: str
    tmp: Path
    media: Path
    environment: dict[str, str]
    redis: PrivateRedis
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self) -> subprocess.Popen[bytes]:
        number = len(self.workers) + 1
        log = self.tmp / f"worker-{number}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                worker_command(hostname=f"resilience-{number}@127.0.0.1"),
                cwd=ROOT, env=self.environment, stdout=out, stderr=out,
                start_new_session=True,  # its own process group: killed as a whole
            )  # fmt: skip
        self.workers.append(process)
        wait_for(lambda: " ready." in log.read_text() or process.poll() is not None,
                 "the Celery worker", 60)  # fmt: skip
        assert process.poll() is None, _tail(log)
        return process

    def running_worker(self) -> subprocess.Popen[bytes]:
        alive = [w for w in self.workers if w.poll() is None]
        return alive[-1] if alive else self.start_worker()

    def logs(self) -> str:
        return "\n".join(_tail(p) for p in sorted(self.tmp.glob("*.log")))

    def browser(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get(self, path: str, opener: urllib.request.OpenerDirector | None = None) -> Answer:
        return fetch(self.url + path, SITE.domain, opener=opener)

    def post(self, path: str, data: bytes, content_type: str,
             opener: urllib.request.OpenerDirector | None = None) -> Answer:  # fmt: skip
        return fetch(self.url + path, SITE.domain, opener=opener, data=data, headers={
            "Content-Type": content_type, "Referer": f"http://{SITE.domain}{path}"})  # fmt: skip

    def sign_in(self) -> urllib.request.OpenerDirector:
        browser = self.browser()
        page = self.get("/console/login/", browser)
        form = urllib.parse.urlencode({"username": SITE.admin_email, "password": PASSWORD,
                                       "csrfmiddlewaretoken": csrf_token(page.body)}).encode()  # fmt: skip
        answer = self.post("/console/login/", form, "application/x-www-form-urlencoded", browser)
        assert answer.status == 302, (answer.status, answer.text[:500])
        return browser

    def upload(self, browser: urllib.request.OpenerDirector, content: bytes) -> Answer:
        page = self.get("/console/uploads/", browser)
        with schema_context(SITE.slug):
            department = Department.objects.get(code=DEPARTMENT_CODE)
        body, kind = multipart(
            {"csrfmiddlewaretoken": csrf_token(page.body), "department": str(department.pk)},
            "处罚.csv", content,
        )  # fmt: skip
        return self.post("/console/uploads/", body, kind, browser)


@pytest.fixture(scope="module")
def site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("resilience")
    media = tmp / "data" / "media"
    with (
        ExitStack() as stop,
        committed_districts(django_db_blocker, str(media), PASSWORD, SITE),
    ):
        with schema_context(SITE.slug):
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="石柱县市场监督管理局"
            )
            CatalogSupply.objects.create(
                item=CatalogItem.objects.get(code="N03-02"), department=department
            )
        redis = PrivateRedis(tmp)
        redis.start()
        stop.callback(redis.stop)
        port = free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "CREDIT_DATA_DIR": str(tmp / "data"),  # files under data/media, as in this process
            "REDIS_URL": redis.url(1),
            "CELERY_BROKER_URL": redis.url(0),
            "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "LOG_LEVEL": "INFO",
        }
        web_log = stop.enter_context(open(tmp / "web.log", "wb"))  # noqa: SIM115
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(INFRA / "gunicorn.conf.py"),
             "core.config.wsgi:application"],
            cwd=ROOT, env=environment, stdout=web_log, stderr=web_log,
        )  # fmt: skip
        stop.callback(stop_process, web)
        wait_for(lambda: port_open(port) or web.poll() is not None, "gunicorn", 60)
        assert web.poll() is None, _tail(tmp / "web.log")
        site = Site(url=f"http://127.0.0.1:{port}", tmp=tmp, media=media,
                    environment=environment, redis=redis)  # fmt: skip
        yield site
        for worker in site.workers:
            stop_process(worker)


def _wait_batch(batch_id: int, site: Site, timeout: float) -> UploadBatch:
    deadline = time.monotonic() + timeout
    with schema_context(SITE.slug):
        batch = UploadBatch.objects.get(pk=batch_id)
        while batch.status not in (UploadBatchStatus.DONE, UploadBatchStatus.FAILED):
            assert time.monotonic() < deadline, f"batch still {batch.status}\n{site.logs()}"
            time.sleep(0.2)
            batch.refresh_from_db()
    return batch


def _batch_id(answer: Answer, site: Site) -> int:
    assert answer.status == 302, (answer.status, answer.text[:1000], site.logs())
    found = re.search(r"/console/uploads/(\d+)/$", answer.headers["Location"])
    assert found is not None, answer.headers
    return int(found.group(1))


# --- 1. a worker killed in the middle of an ingest --------------------------------------------


def _department_file() -> tuple[bytes, dict[str, int]]:
    """INGEST_ROWS rows: 1 in 500 with an impossible date (rejected), and two rows that repeat
    an earlier row of the file (one in the first chunk, one in the last)."""
    rows, expected = [], Counter[str]()
    for n in range(1, INGEST_ROWS + 1):
        if n in (40, INGEST_ROWS - 10):
            rows.append(penalty(7, WSH="石柱市监罚〔2026〕7号"))  # row 8 again
            expected["重复"] += 1
            continue
        row = penalty(n, WSH=f"石柱市监罚〔2026〕{n}号")
        if n % 500 == 0:
            row["JDRQ"] = "2026-02-30"
            expected["退回"] += 1
        else:
            expected["新增"] += 1
        rows.append(row)
    return as_csv(rows), dict(expected)


def test_a_worker_killed_mid_ingest_and_a_new_one_account_for_every_row_once(
    site: Site,
) -> None:
    content, expected = _department_file()
    first = site.running_worker()
    browser = site.sign_in()

    batch_id = _batch_id(site.upload(browser, content), site)

    # Kill the worker (the main process and its pool child) once a chunk is stored and more remain.
    deadline = time.monotonic() + 60
    with schema_context(SITE.slug):
        while True:
            done, total, status = UploadBatch.objects.filter(pk=batch_id).values_list(
                "rows_done", "rows_total", "status").get()  # fmt: skip
            if 0 < done < total:
                break
            assert status != UploadBatchStatus.DONE, (
                "the ingest finished before it could be cut off"
            )
            assert time.monotonic() < deadline, site.logs()
            time.sleep(0.05)
        progress_seen = time.monotonic()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        time.sleep(0.5)  # the worker's database session ends with its socket
        cut = UploadBatch.objects.get(pk=batch_id)
        stored_before = Record.objects.filter(batch_id=batch_id).count()
    assert cut.status == UploadBatchStatus.RUNNING
    assert 0 < stored_before < expected["新增"], stored_before

    # The task was taken before progress_seen; past the visibility timeout it is handed out again.
    time.sleep(max(0.0, progress_seen + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    second = site.start_worker()
    batch = _wait_batch(batch_id, site, timeout=90)
    recovered = time.monotonic() - killed_at

    assert batch.status == UploadBatchStatus.DONE, batch.error
    # The very task the killed worker had taken was handed to the new one.
    (task_id,) = re.findall(r"collection\.batch_ingest_task\[([0-9a-f-]+)\] received",
                            (site.tmp / "worker-1.log").read_text())  # fmt: skip
    assert f"collection.batch_ingest_task[{task_id}] received" in (
        site.tmp / "worker-2.log").read_text()  # fmt: skip
    assert second.poll() is None
    # The counts add up to the file's rows, as if the run had never been cut off.
    assert (batch.rows_total, batch.rows_done) == (INGEST_ROWS, INGEST_ROWS)
    assert (batch.stored, batch.updated, batch.duplicate, batch.rejected) == (
        expected["新增"], 0, expected["重复"], expected["退回"]), (cut.rows_done, recovered)  # fmt: skip

    # One outcome per row of the file, in row order.
    results_file = site.media / SITE.slug / batch.results_name
    lines = list(csv.reader(io.StringIO(results_file.read_text(encoding="utf-8-sig"))))
    assert lines[0] == ["行号", "结果", "记录编号", "说明", "平台推定的字段"]
    assert [int(line[0]) for line in lines[1:]] == list(range(2, INGEST_ROWS + 2))
    assert Counter(line[1] for line in lines[1:]) == expected
    assert {line[3] for line in lines[1:] if line[1] == "重复"} == {"与第8行重复"}

    # Each valid row's record exists once, made from that row, audited once.
    with schema_context(SITE.slug):
        records = dict(Record.objects.filter(batch_id=batch_id).values_list("id", "source_row"))
        stored_rows = {int(line[2]): int(line[0]) for line in lines[1:] if line[1] == "新增"}
        assert records == stored_rows
        assert Record.objects.count() == expected["新增"]
        audited = AuditEntry.objects.filter(action="record.store", details__batch=batch_id)
        assert Counter(audited.values_list("record_id", flat=True)) == Counter(list(records))
        assert RejectedRow.objects.filter(batch_id=batch_id).count() == expected["退回"]
    timings.warning(f"worker killed at {cut.rows_done}/{INGEST_ROWS} rows ({stored_before} records stored); "
          f"batch done {recovered:.1f} s after the kill")  # fmt: skip


# --- 2. Redis down ----------------------------------------------------------------------------


def test_with_redis_down_pages_and_reads_work_and_an_upload_waits_for_its_return(
    site: Site,
) -> None:
    site.running_worker()
    query = json.dumps({"query": "{ district { slug name } }"}).encode()
    assert site.get("/").status == 200  # answers cached while Redis was up are not what we read

    site.redis.stop()
    stopped_at = time.monotonic()
    try:
        pages = {
            path: site.get(path)
            for path in ("/", "/search/?q=" + urllib.parse.quote("建设"), "/achievements/")
        }
        graphql = site.post("/graphql/", query, "application/json")
        ready = site.get("/readyz")
        browser = site.sign_in()  # sessions live in the database
        started = time.monotonic()
        uploaded = site.upload(browser, as_csv([penalty(n, WSH=f"石柱市监罚〔2027〕{n}号")
                                                for n in (1, 2, 3)]))  # fmt: skip
        upload_seconds = time.monotonic() - started
        batch_id = _batch_id(uploaded, site)
        detail = site.get(f"/console/uploads/{batch_id}/", browser)
        with schema_context(SITE.slug):
            waiting = UploadBatch.objects.get(pk=batch_id).status
        down_for = time.monotonic() - stopped_at
    finally:
        site.redis.start()
    back_at = time.monotonic()

    assert {path: a.status for path, a in pages.items()} == dict.fromkeys(pages, 200), site.logs()
    assert "信用石柱" in pages["/"].text
    assert (graphql.status, json.loads(graphql.body)) == (
        200, {"data": {"district": {"slug": SITE.slug, "name": SITE.name}}})  # fmt: skip
    checks = json.loads(ready.body)["checks"]
    assert (ready.status, checks["broker"]["status"], checks["database"]["status"]) == (
        503, "fail", "ok")  # fmt: skip
    # The upload is kept and shown as waiting, without an error page.
    assert upload_seconds < 5
    assert (detail.status, waiting) == (200, UploadBatchStatus.QUEUED)
    assert "排队中" in detail.text
    for answer in (*pages.values(), graphql, detail):
        assert "Traceback" not in answer.text

    # Redis is back, empty: the worker reconnects and queues the upload again; it is ingested.
    batch = _wait_batch(batch_id, site, timeout=60)
    assert (batch.status, batch.stored, batch.rejected) == (UploadBatchStatus.DONE, 3, 0)
    timings.warning(f"Redis down {down_for:.1f} s; upload answered in {upload_seconds:.2f} s; "
          f"ingested {time.monotonic() - back_at:.1f} s after Redis returned")  # fmt: skip


# --- 3. PostgreSQL restarted under load -------------------------------------------------------


@dataclass
class PrivatePostgres:
    """A cluster of this test's own, of the test database's major version (its programs copy
    that database with pg_dump), on a loopback port, that it may stop."""

    programs: Path
    data: Path
    port: int
    user: str | None

    def run(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.programs / args[0]), *args[1:]],
                              check=True, capture_output=True, text=True, timeout=60,
                              user=self.user, **kwargs)  # fmt: skip

    def pg_ctl(self, action: str, *extra: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", *extra, action)

    def start(self) -> None:
        self.pg_ctl("start", "-l", str(self.data / "server.log"), "-o",
                    f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/credit"


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _unprivileged_user() -> str | None:
    """initdb refuses to run as root: as root, run the cluster as pgserver's or Debian's user."""
    if os.geteuid() != 0:
        return None
    for name in ("pgserver", "postgres"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("running as root with neither a pgserver nor a postgres user to run initdb as")


@pytest.fixture
def private_postgres(django_db_setup: None, django_db_blocker: Any) -> Iterator[PrivatePostgres]:
    with django_db_blocker.unblock():
        major = _server_major()
    programs = postgres_programs(major)
    if programs is None:
        pytest.skip(f"PostgreSQL {major}'s programs (pg_dump, initdb) are not on this machine; "
                    "this test copies the test database with them")  # fmt: skip
    user = _unprivileged_user()
    root = Path(tempfile.mkdtemp(prefix="test-resilience-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PrivatePostgres(programs=programs, data=root / "data", port=free_port(), user=user)
    try:
        server.run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust",
                   "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        server.start()
        yield server
    finally:
        if (server.data / "postmaster.pid").exists():
            server.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


def _copy_district(server: PrivatePostgres, schema: str) -> None:
    """The test database's public schema and one district, copied with pg_dump (the programs of
    the test database's major version), so that the private cluster serves that district's pages."""
    db = settings.DATABASES["default"]
    psql = [str(server.programs / "psql"), "-h", "127.0.0.1", "-p", str(server.port),
            "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]  # fmt: skip
    subprocess.run([*psql, "-d", "postgres", "-c", "CREATE DATABASE credit"], check=True,
                   capture_output=True, timeout=30)  # fmt: skip
    # The dump creates the public schema itself.
    subprocess.run([*psql, "-d", "credit", "-c", "DROP SCHEMA public"], check=True,
                   capture_output=True, timeout=30)  # fmt: skip
    dump = subprocess.Popen(
        [str(server.programs / "pg_dump"), "-h", str(db["HOST"]), "-p",
         str(db["PORT"]), "-U", str(db["USER"]), "-n", "public", "-n", schema, "--no-owner",
         str(db["NAME"])],
        stdout=subprocess.PIPE, env={**os.environ, "PGPASSWORD": str(db["PASSWORD"] or "")},
    )  # fmt: skip
    assert dump.stdout is not None
    restore = subprocess.Popen([*psql, "-d", "credit"], stdin=dump.stdout,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    dump.stdout.close()  # psql alone reads it: if psql stops, pg_dump does too
    _, errors = restore.communicate(timeout=120)
    assert (dump.wait(30), restore.returncode) == (0, 0), errors.decode()[-2000:]


@dataclass
class Shot:
    started: float
    seconds: float
    kind: str
    status: int | None
    body: str
    error: str = ""


def _fire(url: str, stop: threading.Event, shots: list[Shot]) -> None:
    """Requests one after another, a portal page and a GraphQL read in turn, until `stop`."""
    query = json.dumps({"query": "{ district { slug } }"}).encode()
    turn = 0
    while not stop.is_set():
        kind = "graphql" if turn % 2 else "page"
        turn += 1
        started = time.monotonic()
        try:
            if kind == "page":
                answer = fetch(url + "/", "wanzhou.localhost", timeout=15)
            else:
                answer = fetch(url + "/graphql/", "wanzhou.localhost", data=query,
                              headers={"Content-Type": "application/json"}, timeout=15)  # fmt: skip
            shots.append(
                Shot(started, time.monotonic() - started, kind, answer.status, answer.text)
            )
        except OSError as error:  # no answer at all: a hang, a reset connection
            shots.append(Shot(started, time.monotonic() - started, kind, None, "", repr(error)))
        time.sleep(0.02)


def _clean_failure(shot: Shot) -> bool:
    if shot.status != 503 or "Traceback" in shot.body:
        return False
    if shot.kind == "graphql":
        error = json.loads(shot.body)["errors"][0]
        return bool(error["extensions"]["code"] == "SERVICE_UNAVAILABLE")
    return "服务暂时不可用" in shot.body


def test_postgresql_restarted_under_load_gives_clean_503s_then_recovers(
    django_db_setup: None, private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    _copy_district(private_postgres, "wanzhou")
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": private_postgres.url,
        "DATABASE_CONNECT_TIMEOUT": "2",
        "DJANGO_DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "30",
        "LOG_LEVEL": "INFO",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "S3_BUCKET"):
        environment.pop(name, None)
    log = tmp_path / "web.log"
    with open(log, "wb") as out:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(INFRA / "gunicorn.conf.py"),
             "core.config.wsgi:application"],
            cwd=ROOT, env=environment, stdout=out, stderr=out,
        )  # fmt: skip
    shots: list[Shot] = []
    stop = threading.Event()
    firing = threading.Thread(target=_fire, args=(f"http://127.0.0.1:{port}", stop, shots))
    try:
        wait_for(lambda: port_open(port) or web.poll() is not None, "gunicorn", 60)
        assert web.poll() is None, _tail(log)
        firing.start()
        wait_for(lambda: sum(s.status == 200 for s in shots) >= 10, "answers before the restart")

        # Stop (fast: sessions are cut), stay down two seconds under requests, start again.
        down = time.monotonic()
        private_postgres.pg_ctl("stop", "-m", "fast")
        time.sleep(2.0)
        private_postgres.start()
        up = time.monotonic()
        wait_for(lambda: sum(s.status == 200 and s.started > up for s in shots) >= 10,
                 "answers after the restart", 30)  # fmt: skip
    finally:
        stop.set()
        if firing.is_alive():
            firing.join(30)
        stop_process(web)

    during = [s for s in shots if s.started >= down - 0.5]
    failures = [s for s in during if s.status != 200]
    first_ok_after = min(
        s.started + s.seconds for s in during if s.status == 200 and s.started > up
    )
    window = (
        f"{len(failures)} of {len(during)} requests failed, from {min(s.started for s in failures) - down:.2f} s "
        f"to {max(s.started + s.seconds for s in failures) - down:.2f} s after the stop; "
        f"the database was down {up - down:.2f} s; first success {first_ok_after - up:.2f} s after the start; "
        f"slowest answer {max(s.seconds for s in shots):.2f} s"
    ) if failures else "no request failed"  # fmt: skip
    timings.warning(window)
    assert failures, window  # the outage was seen
    assert all(s.status in (200, 503) and s.error == "" for s in shots), (
        [(s.kind, s.status, s.error, s.body[:200]) for s in shots if s.status != 200], window)  # fmt: skip
    assert all(_clean_failure(s) for s in failures), [(s.kind, s.body[:300]) for s in failures]
    assert max(s.seconds for s in shots) < 10, window  # never a hang
    assert first_ok_after - up < 5, window
    assert "Traceback" not in "".join(s.body for s in shots)
    # What failed is logged for the operator (the database error, at ERROR), not shown.
    assert '"level": "ERROR"' in log.read_text(), _tail(log)


# --- the cache's limits, in process, against a Redis that is not there ------------------------


@pytest.fixture
def unreachable_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.common.rediscache.PooledRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }


@pytest.mark.django_db
def test_without_the_cache_reads_miss_and_limits_refuse_with_a_reason(
    unreachable_cache: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from billing.models import ApiKey
    from billing.services.keys import RateLimited, rate_limit_take
    from core.common.errors import ValidationFailed
    from core.common.throttle import throttle
    from core.common.versioning import data_changed, data_version
    from graphql_api import persisted

    # Caches degrade: a version that matches nothing, a write whose bump is dropped.
    assert re.fullmatch(r"[0-9a-f]{16}", data_version())
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        data_changed()
    assert len(callbacks) == 1
    with pytest.raises(persisted.PersistedQueryNotFound):  # the client sends the document again
        persisted.resolve(sha256="0" * 64, query=None, registrant=lambda: None,
                          is_valid=lambda document: True)  # fmt: skip

    # Limits refuse: a public form and a metered call, nothing done, nothing charged.
    with pytest.raises(ValidationFailed) as refused:
        throttle("objection", "198.51.100.7", per_hour=5)
    assert (refused.value.code, refused.value.message) == (
        "UNAVAILABLE", "系统繁忙，暂时无法受理提交，请稍后再试（您填写的内容未提交）")  # fmt: skip
    with pytest.raises(RateLimited) as limited:
        rate_limit_take(ApiKey(pk=41, rate_per_minute=600))
    assert (limited.value.code, limited.value.retry_after, limited.value.message) == (
        "RATE_LIMITED", 30, "暂时无法核对调用频率，本次调用未执行、未计费，请 30 秒后重试")  # fmt: skip
