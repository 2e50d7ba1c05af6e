"""Bulk jobs at district scale: a 100,000-code score job (95,000 organisations found, 5,000 not)
against a district of 100,000 subjects, processed chunk by chunk as the task does. Goal (issue 24):
≥ 2,000 rows/s, memory flat (RSS sampled every chunk; tracemalloc would slow the run it measures).

Run: python3 dev.py bench -k bulk      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import cProfile
import os
import pstats
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import JobStatus, ProductCode
from billing.models import BulkJob, UsageEvent
from billing.services.bulk_jobs import CHUNK, bulk_job_chunk, bulk_job_submit
from core.reports.models import QueryLog
from core.subjects.models import Subject
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.billing.cleanup import billing_remove
from tests.billing.conftest import priced, sell
from tests.core.collection.files import uscc
from tests.e2e.conftest import committed_districts

ROWS = int(os.environ.get("BENCH_BULK_ROWS", "100000"))
FOUND = ROWS * 95 // 100
BENCH = OnboardingRequest(slug="benchbulk", name="巫山县", platform_name="信用巫山", region_code="500237",
                          domain="benchbulk.localhost", admin_email="admin@benchbulk.test")  # fmt: skip


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


@pytest.mark.bench
def test_a_100k_score_job(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The task is driven here chunk by chunk (eager Celery would run it inside the submission).
    monkeypatch.setattr("billing.services.bulk_jobs._enqueue", lambda job_id: None)
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", BENCH):
        district = District.objects.get(schema_name="benchbulk")
        codes = [uscc(n, head="91500237") for n in range(1, ROWS + 1)]
        started = time.perf_counter()
        with schema_context("benchbulk"):
            today = timezone.localdate()
            Subject.objects.bulk_create(
                (Subject(kind="legal", name=f"巫山县基准{n}有限公司", uscc=code, name_as_of=today)
                 for n, code in enumerate(codes[:FOUND], start=1)),
                batch_size=5000,
            )  # fmt: skip
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE subjects_subject")
        print(f"\n{FOUND:,} subjects in {time.perf_counter() - started:.1f} s")
        priced(district, ProductCode.BATCH_QUERY, unit_price="1.00")
        _, contract, _, _ = sell(district, cap_units=ROWS + 10, rate_per_minute=6000)
        try:
            with schema_context("benchbulk"):
                started = time.perf_counter()
                job = bulk_job_submit(contract=contract, key=None, product="score", codes=codes,
                                      purpose="贷后管理", idempotency_key="bench-bulk-000001",
                                      source="bench", created_by="bench")  # fmt: skip
                submitted = time.perf_counter() - started
                rss = [_rss_mb()]
                chunk_times: list[float] = []
                started = time.perf_counter()
                profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
                while True:
                    t0 = time.perf_counter()
                    if profile is not None:
                        profile.enable()
                    more = bulk_job_chunk(job.pk, chunk=CHUNK)
                    if profile is not None:
                        profile.disable()
                    chunk_times.append(time.perf_counter() - t0)
                    rss.append(_rss_mb())
                    if not more:
                        break
                elapsed = time.perf_counter() - started
                if profile is not None:
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
                job = BulkJob.objects.get(pk=job.pk)
                logged = QueryLog.objects.filter(report_number=f"job:{job.pk}").count()
            charged = UsageEvent.objects.filter(contract=contract).count()
            ordered = sorted(chunk_times)
            print(f"submit {ROWS:,} codes: {submitted:.2f} s ({ROWS / submitted:,.0f} rows/s)")
            print(f"process: {elapsed:.1f} s, {ROWS / elapsed:,.0f} rows/s; chunk of {CHUNK}: "
                  f"p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms")  # fmt: skip
            print(f"RSS: start {rss[0]:.0f} MB, after first 10 chunks {rss[min(10, len(rss) - 1)]:.0f} MB, "
                  f"max {max(rss):.0f} MB, end {rss[-1]:.0f} MB")  # fmt: skip
            assert (job.status, job.done, job.found, charged, logged) == (
                JobStatus.DONE, ROWS, FOUND, FOUND, FOUND
            )  # fmt: skip
            assert ROWS / elapsed >= 2000
            assert max(rss) - rss[min(10, len(rss) - 1)] < 100  # flat: no growth with rows done
        finally:
            billing_remove(district)
