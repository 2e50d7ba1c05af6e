"""Uploads running at the same time in one district: two departments naming the same 600 companies
in opposite orders, and one department's file uploaded twice at once. Every row comes out once,
one subject per company, nothing rejected, no deadlock.

Runs on committed data (each upload in its own thread and connection), in a district onboarded
for the test and purged afterwards."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.models import UploadBatch, UploadBatchStatus
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.records.models import Record
from core.subjects.models import Subject
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts

PENGSHUI = OnboardingRequest(slug="pengshui", name="彭水县", platform_name="信用彭水",
                             region_code="500243", domain="pengshui.localhost",
                             admin_email="admin@pengshui.test")  # fmt: skip
COMPANIES = 600
EACH = 10  # records per company and department: 6,000 rows a file, two chunks


def _file(department: str, companies: list[int]) -> bytes:
    rows = [
        penalty(
            company,
            WSH=f"彭水{department}罚〔2026〕{company}-{n}号",
            CFJGDM=uscc(int(department), head="11500243"),
            SJLYDM=uscc(int(department), head="11500243"),
        )
        for company in companies
        for n in range(EACH)
    ]
    return as_csv(rows)


def test_concurrent_uploads_land_on_one_subject_per_company(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path
) -> None:
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", PENGSHUI):
        with schema_context("pengshui"):
            departments = {
                code: Department.objects.create(code=uscc(int(code), head="11500243"), name=name)
                for code, name in (("1111111", "彭水县市场监督管理局"), ("2222222", "彭水县税务局"))
            }
        ascending = list(range(1, COMPANIES + 1))
        files = [
            ("1111111", _file("1111111", ascending)),
            ("1111111", _file("1111111", ascending)),  # the same file again, at the same time
            ("2222222", _file("2222222", ascending[::-1])),
        ]

        def upload(item: tuple[str, bytes]) -> UploadBatch:
            code, content = item
            try:
                with schema_context("pengshui"):
                    batch = batch_create(actor=Actor.cli(), department=departments[code],
                                         filename="处罚.csv", content=io.BytesIO(content),
                                         size=len(content))  # fmt: skip
                    return batch_ingest(batch_id=batch.pk, wait=True)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=3) as pool:
            first, again, other = pool.map(upload, files)

        with schema_context("pengshui"):
            per_subject = {
                s.uscc: s.records.count() for s in Subject.objects.prefetch_related("records")
            }
            records = Record.objects.count()

    rows = COMPANIES * EACH
    batches = (first, again, other)
    # They did run side by side: every upload began before any finished.
    assert max(b.created_at for b in batches) < min(b.finished_at for b in batches if b.finished_at)
    assert [b.status for b in batches] == [UploadBatchStatus.DONE] * 3
    assert [b.rejected for b in batches] == [0, 0, 0]
    assert first.stored + again.stored == rows  # each row stored by one of the two
    assert first.duplicate + again.duplicate == rows  # and found stored by the other
    assert (other.stored, other.duplicate) == (rows, 0)
    assert records == 2 * rows
    assert per_subject == {uscc(c): 2 * EACH for c in ascending}
