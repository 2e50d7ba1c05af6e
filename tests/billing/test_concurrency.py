"""50 parallel purchases against a cap with 30 calls left, then every call retried with its key:
exactly 30 served and charged, none twice, and the month's invoice equals the ledger.

Runs on committed data (each thread has its own connection), in a district onboarded for the test
and purged afterwards; the billing rows it wrote are removed with the append-only triggers off."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import (
    UsageEvent,
)
from billing.money import month_start, next_month
from billing.services.invoicing import period_close
from billing.services.purchases import report_purchase
from core.common.errors import ApplicationError
from core.reports.models import Report
from core.subjects.models import Subject
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.billing.cleanup import billing_remove
from tests.billing.conftest import OPS, SITE, priced, sell
from tests.core.collection.files import uscc
from tests.e2e.conftest import committed_districts

CHENGKOU = OnboardingRequest(slug="chengkou", name="城口县", platform_name="信用城口", region_code="500229",
                             domain="chengkou.localhost", admin_email="admin@chengkou.test")  # fmt: skip


def test_fifty_parallel_calls_against_thirty_remaining(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path
) -> None:
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", CHENGKOU):
        district = District.objects.get(schema_name="chengkou")
        with schema_context("chengkou"):
            Subject.objects.create(
                kind="legal",
                name="城口县某某建设有限公司",
                uscc=uscc(1),
                name_as_of=timezone.localdate(),
            )
        priced(district)
        _, contract, key, _ = sell(district, cap_units=35)
        try:

            def attempt(idempotency_key: str) -> tuple[str, str]:
                try:
                    with schema_context("chengkou"):
                        report, charge = report_purchase(
                            key=key, district=district, product="basic_report", subject_code=uscc(1),
                            purpose="贷款审查", consent_id=None, idempotency_key=idempotency_key, site=SITE,
                        )  # fmt: skip
                        return ("replayed" if charge.replayed else "served", report.number)
                except ApplicationError as refused:
                    return (refused.code, "")
                finally:
                    connection.close()

            earlier = [attempt(f"warm-{n:08d}") for n in range(5)]
            keys = [f"parallel-{n:04d}" for n in range(50)]
            with ThreadPoolExecutor(max_workers=10) as pool:
                first = dict(zip(keys, pool.map(attempt, keys), strict=True))
            with ThreadPoolExecutor(max_workers=10) as pool:
                retried = dict(zip(keys, pool.map(attempt, keys), strict=True))

            served = {k: number for k, (outcome, number) in first.items() if outcome == "served"}
            assert [o for o, _ in earlier] == ["served"] * 5
            assert len(served) == 30
            assert sorted({o for o, _ in first.values()}) == ["QUOTA_EXCEEDED", "served"]
            assert {k: retried[k] for k in served} == {
                k: ("replayed", n) for k, n in served.items()
            }
            assert {retried[k][0] for k in keys if k not in served} == {"QUOTA_EXCEEDED"}
            with schema_context("chengkou"):
                assert Report.objects.count() == 35
            events = UsageEvent.objects.filter(contract=contract)
            assert events.count() == 35
            assert len(set(events.values_list("idempotency_key", flat=True))) == 35
            total = events.aggregate(s=Sum("amount_yuan"))["s"]
            assert total == Decimal("350.00")

            period = month_start(timezone.localdate())
            [invoice] = period_close(
                period=period, actor=OPS, today=next_month(period) + timedelta(days=10)
            )
            assert invoice.total_yuan == total
        finally:
            billing_remove(district)
