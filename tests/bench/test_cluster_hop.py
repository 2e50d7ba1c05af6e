"""The coordinator hop (issue 26, ADR 0022): the hot paths' server time on a three-node Citus cluster
against one PostgreSQL server. The same module runs twice, once on each:

    python3 dev.py bench -k cluster_hop
    .venv/bin/python -m tests.support.citus -- .venv/bin/pytest -m bench tests/bench/test_cluster_hop.py -s

In process (Django's handler, no network), interleaved call by call, RUNS each, on 万州 with
BENCH_SCORING_SUBJECTS subjects and BENCH_SCORING_RECORDS records (tests/bench/scale.py; the
defaults here are 20,000 and 200,000):

- the portal subject page of a subject with records;
- `subject(code:)` over GraphQL, anonymous, with the response cache off (every call a miss, a
  different subject each time);
- the metered basic report (a bank's key, contract, price, ledger, the PDF rendered and stored);
- an upload: a 1,000-row penalty file through `batch_create` and `batch_ingest` (UPLOAD_RUNS).

Figures: docs/benchmarks.md, "The coordinator hop".
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

os.environ.setdefault("BENCH_SCORING_SUBJECTS", "20000")
os.environ.setdefault("BENCH_SCORING_RECORDS", "200000")

from billing.services.purchases import report_purchase  # noqa: E402
from core.catalog.models import CatalogSupply, Department  # noqa: E402
from core.collection.services import batch_create, batch_ingest  # noqa: E402
from core.common.actors import Actor  # noqa: E402
from core.reports.models import QueryLog, Report  # noqa: E402
from core.subjects.models import Subject  # noqa: E402
from provisioning.services.cluster import (  # noqa: E402
    cluster_workers,
    district_move,
    district_worker,
)
from tenants.models import District  # noqa: E402
from tests.bench.scale import district_at_scale  # noqa: E402
from tests.bench.test_ingest import _empty  # noqa: E402
from tests.billing.cleanup import billing_remove  # noqa: E402
from tests.billing.conftest import SITE, priced, sell  # noqa: E402
from tests.conftest import ON_CLUSTER, client_for  # noqa: E402
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty, uscc  # noqa: E402
from tests.support.servers import append_only_off  # noqa: E402

RUNS = int(os.environ.get("BENCH_HOP_RUNS", "200"))
UPLOAD_RUNS = int(os.environ.get("BENCH_HOP_UPLOADS", "5"))
UPLOAD_ROWS = 1000
CODES = 1000  # subjects asked for by code, in turn
QUERY = (
    "query($code: String!) { subject(code: $code) { name kindLabel code records { docNumber "
    "decisionDate title authorityName stateLabel publicityStart publicityEnd repairFrom fineWan } } }"
)


def _figures(name: str, times: list[float], unit: str = "") -> None:
    ordered = sorted(times)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000
    print(f"{name:34} median {statistics.median(times) * 1000:8.2f} ms  p95 {p95:8.2f} ms{unit}")


def _upload_file(path: Path, first: int) -> None:
    """A department's GBK penalty file of UPLOAD_ROWS rows, new companies from `first` on."""
    rows = [penalty(first + n, WSH=f"万州市监罚〔2026〕{first + n}号") for n in range(UPLOAD_ROWS)]
    path.write_bytes(as_csv(rows))


def _size_and_move(district: District) -> None:
    """On the cluster: the district's size on its worker, and a move to the other worker and back
    (the "auto" mode: copy, catch up by logical replication, switch)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schema_size FROM citus_schemas WHERE schema_name = %s::regnamespace",
            [district.schema_name],
        )
        print(f"{district.name} on its worker: {cursor.fetchone()[0]}")
    source = district_worker(district)
    assert source is not None
    target = next(w for w in cluster_workers() if w.node_id != source.node_id)
    for destination in (target, source):
        moved = district_move(district=district, target=destination.address, actor=Actor.cli())
        print(f"moved {moved.source} → {moved.target} in {moved.seconds:.1f} s")


@pytest.mark.bench
def test_hot_paths_server_time(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, settings: Any
) -> None:
    settings.GRAPHQL_RESPONSE_CACHE_SECONDS = 0
    settings.MEDIA_ROOT = str(tmp_path / "media")
    where = "Citus cluster (coordinator + 2 workers)" if ON_CLUSTER else "one PostgreSQL server"
    print(f"\n{where}, {RUNS} calls each")
    with district_at_scale(django_db_blocker):
        district = District.objects.get(schema_name="wanzhou")
        portal = client_for("wanzhou.localhost")
        api = Client(HTTP_HOST="wanzhou.localhost")
        priced(district)
        _, _, key, _ = sell(district, cap_units=10 * RUNS, rate_per_minute=6000)
        try:
            with schema_context("wanzhou"):
                # The generator's codes carry no valid check character: CODES subjects with
                # records get real ones, the busiest first.
                chosen = list(
                    Subject.objects.raw(
                        "SELECT s.id FROM subjects_subject s JOIN records_record r "
                        "ON r.subject_id = s.id WHERE s.kind <> 'natural' GROUP BY s.id "
                        "ORDER BY count(*) DESC, s.id LIMIT %s",
                        [CODES],
                    )
                )
                codes = [uscc(700000 + n) for n in range(len(chosen))]
                for subject, code in zip(chosen, codes, strict=True):
                    Subject.objects.filter(pk=subject.pk).update(uscc=code)
                sample = Subject.objects.get(pk=chosen[0].pk)

            def subject_page(n: int) -> None:
                assert portal.get(f"/subjects/{sample.pk}/").status_code == 200

            def subject_query(n: int) -> None:
                code = codes[(n * 7919) % len(codes)]
                body = json.dumps({"query": QUERY, "variables": {"code": code}})
                answer = api.post("/graphql/", body, content_type="application/json")
                assert answer.status_code == 200
                assert answer.json()["data"]["subject"]["code"] == code

            def metered_report(n: int) -> None:
                report_purchase(key=key, district=district, product="basic_report",
                                subject_code=sample.uscc or "", purpose="贷款审查", consent_id=None,
                                idempotency_key=f"hop-report-{n:06d}", site=SITE)  # fmt: skip

            paths: dict[str, Callable[[int], None]] = {
                "portal subject page": subject_page,
                "subject(code:), a miss": subject_query,
                "metered basic report": metered_report,
            }
            times: dict[str, list[float]] = {name: [] for name in paths}
            for work in paths.values():
                work(-1)  # warm up: fonts, plans, connections
            for n in range(RUNS):
                for name, work in paths.items():
                    started = time.perf_counter()
                    work(n)
                    times[name].append(time.perf_counter() - started)
            for name, measured in times.items():
                _figures(name, measured)
        finally:
            billing_remove(district)
            with schema_context("wanzhou"), append_only_off():
                QueryLog.objects.all().delete()
                Report.objects.all().delete()
        if ON_CLUSTER:
            _size_and_move(district)

        with schema_context("wanzhou"):
            department = Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")
            try:
                uploads = []
                for n in range(UPLOAD_RUNS):
                    path = tmp_path / f"upload{n}.csv"
                    _upload_file(path, 900000 + n * UPLOAD_ROWS)
                    started = time.perf_counter()
                    with path.open("rb") as handle:
                        batch = batch_create(actor=Actor.cli(), department=department,
                                             filename=path.name, content=handle,
                                             size=path.stat().st_size)  # fmt: skip
                    batch = batch_ingest(batch_id=batch.pk)
                    uploads.append(time.perf_counter() - started)
                    assert batch.stored == UPLOAD_ROWS, (batch.stored, batch.rejected)
                _figures(f"upload of {UPLOAD_ROWS:,} rows", uploads)
            finally:
                _empty()  # everything the uploads and the generator wrote
                CatalogSupply.objects.filter(department=department).delete()
                department.delete()
