"""One company with 50 records: assembling its report (JSON) and rendering it to PDF, in the same
run. Goals (issue 5): JSON ≤ 50 ms median; PDF ≤ 500 ms median per report.

Run: python3 dev.py bench -k reports      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.services import batch_create
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.reports.assembly import assemble
from core.reports.pdf import report_pdf
from core.subjects.models import Subject
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty

RUNS = 30


@pytest.fixture
def company(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, settings: Any
) -> Iterator[Subject]:
    settings.MEDIA_ROOT = str(tmp_path)
    with django_db_blocker.unblock(), schema_context("wanzhou"):
        department = Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")
        rows = [penalty(1, WSH=f"万州市监罚〔2026〕{n}号", JDRQ=f"2026-{n % 10 + 1:02d}-1{n % 9}",
                        NR="罚款人民币贰仟元整，责令改正违法行为并公示整改情况") for n in range(50)]  # fmt: skip
        content = as_csv(rows)
        batch_create(actor=Actor.cli(), department=department, filename="p.csv",
                     content=io.BytesIO(content), size=len(content))  # fmt: skip
        subject = Subject.objects.get()
        yield subject
        with connection.cursor() as cursor:
            for table in ("scoring_subjectscore", "stats_recordcount", "records_record",
                          "subjects_subjectname", "subjects_subject", "collection_uploadbatch"):  # fmt: skip
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        department.delete()
    use_public_schema()


def _median_ms(work: Any) -> tuple[float, float]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000


def test_report_json_and_pdf(company: Subject) -> None:
    with schema_context("wanzhou"):
        today, now = timezone.localdate(), timezone.now()

        def build() -> dict[str, Any]:
            return assemble(
                subject=company, today=today, now=now, number="XY0", include_restricted=False
            )

        data = build()
        assert sum(s["count"] for s in data["sections"] if s["key"] == "administration") == 50
        json_median, json_max = _median_ms(lambda: json.dumps(build(), ensure_ascii=False))
        pdf_median, pdf_max = _median_ms(
            lambda: report_pdf(
                data,
                verification_code="ABCDEFGH",
                verify_url="https://wanzhou.localhost/reports/verify/",
            )  # fmt: skip
        )
        pages = report_pdf(data, verification_code="A", verify_url="u").count(b"/Type /Page\n")
    print(f"\nreport JSON (50 records): median {json_median:.1f} ms, max {json_max:.1f} ms")
    print(f"report PDF: median {pdf_median:.1f} ms, max {pdf_max:.1f} ms")
    assert pages >= 1
