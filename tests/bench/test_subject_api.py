"""One subject with 20 records, served (a) by the district GraphQL API's subject(code:) query and
(b) by a plain Django view building the same JSON in one SQL statement, both under gunicorn (sync
workers, one per core) and the same concurrent load, in the same run.

Run: python3 dev.py bench -k subject      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.common.workdays import WorkdayCalendar
from core.publicity.rules import PublicityRules
from core.records.staging import Provenance, records_store
from core.records.validation import ValidationContext, validate_row
from tests.bench.load import load
from tests.core.collection.files import DEPARTMENT_CODE, penalty, uscc
from tests.support.servers import free_port, on_test_database, port_open, wait_for

ROOT = Path(__file__).resolve().parents[2]
CODE = uscc(424242)
QUERY = (
    "query($code: String!) { subject(code: $code) { name kindLabel code records { docNumber decisionDate "
    "title authorityName stateLabel publicityStart publicityEnd repairFrom fineWan } } }"
)
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))


@pytest.fixture
def subject(django_db_setup: None, django_db_blocker: Any) -> None:
    from datetime import date

    with django_db_blocker.unblock(), schema_context("wanzhou"):
        department = Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")
        today = date.today()  # noqa: DTZ011 (a calendar date for the benchmark data)
        ctx = ValidationContext(
            DEPARTMENT_CODE, today, 7, WorkdayCalendar.around(today), PublicityRules()
        )
        drafts = []
        for i in range(20):
            row = penalty(424242, WSH=f"基准罚〔2026〕{i}号", JDRQ=f"2026-{(i % 10) + 1:02d}-15")
            draft = validate_row("CF", row, ctx)
            assert not isinstance(draft, list), draft
            drafts.append((i + 2, draft))
        records_store(
            drafts=drafts,
            provenance=Provenance(actor=Actor.system("bench"), department_id=department.pk),
        )
    use_public_schema()


def _env() -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.bench.settings", PYTHONPATH=str(ROOT))
    return on_test_database(env)


@pytest.fixture
def server(subject: None) -> Iterator[int]:
    port = free_port()
    workers = str(os.cpu_count() or 2)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "core.config.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", workers, "--worker-class", "sync", "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=_env(),
    )  # fmt: skip
    try:
        wait_for(lambda: port_open(port), "gunicorn", timeout=60)
        yield port
    finally:
        process.terminate()
        process.wait(20)


def _get(port: int, path: str, body: bytes | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        headers={"Host": "wanzhou.localhost", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def test_graphql_subject_against_a_plain_view(server: int) -> None:
    body = json.dumps({"query": QUERY, "variables": {"code": CODE}}).encode()
    plain_path = f"/bench/subject/{CODE}/"
    graphql = _get(server, "/graphql/", body)["data"]["subject"]
    plain = _get(server, plain_path)["data"]["subject"]
    assert len(graphql["records"]) == 20
    assert [r["docNumber"] for r in graphql["records"]] == [
        r["docNumber"] for r in plain["records"]
    ]

    for _ in range(2):  # warm both paths in every worker
        load(port=server, host="wanzhou.localhost", method="GET", path=plain_path, seconds=1)
        load(
            port=server,
            host="wanzhou.localhost",
            method="POST",
            path="/graphql/",
            body=body,
            seconds=1,
        )
    time.sleep(0.5)
    plain_run = load(
        port=server, host="wanzhou.localhost", method="GET", path=plain_path, seconds=SECONDS
    )
    graphql_run = load(
        port=server,
        host="wanzhou.localhost",
        method="POST",
        path="/graphql/",
        body=body,
        seconds=SECONDS,
    )

    for name, run in (("plain view", plain_run), ("GraphQL", graphql_run)):
        print(
            f"\n{name:<10} {run.per_second:7.0f} req/s  p50 {run.p50_ms:5.1f} ms  p99 {run.p99_ms:5.1f} ms  errors {run.errors}"
        )
    print(f"GraphQL / plain throughput: {graphql_run.per_second / plain_run.per_second:.2f}")
    assert plain_run.errors == 0
    assert graphql_run.errors == 0
