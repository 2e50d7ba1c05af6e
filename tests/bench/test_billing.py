"""Metering's cost: a metered report purchase against the same report issued without metering (the
same subject lookup by code, consent rules, render and store; no key, contract, price, lock or
ledger), in the same run, interleaved call by call (goal, issue 7: metering costs ≤ 15 % of throughput). Also
the metered score query against the bare score read, where there is no PDF to hide the cost.

Run: python3 dev.py bench -k billing      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import ProductCode
from billing.services.purchases import report_purchase, score_purchase, subject_by_code
from core.common.actors import Actor
from core.reports.enums import QueryProduct, RequesterKind
from core.reports.services import (
    Requester,
    query_authorise,
    query_log_issued,
    report_prepare,
    report_store,
)
from core.scoring.selectors import score_current
from core.subjects.models import Subject
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.billing.cleanup import billing_remove
from tests.billing.conftest import SITE, priced, sell
from tests.core.collection.files import uscc
from tests.e2e.conftest import committed_districts

RUNS = 200
BENCH = OnboardingRequest(slug="benchbill", name="巫溪县", platform_name="信用巫溪", region_code="500238",
                          domain="benchbill.localhost", admin_email="admin@benchbill.test")  # fmt: skip


def _interleaved(
    a: Callable[[int], object], b: Callable[[int], object]
) -> tuple[list[float], list[float]]:
    times_a: list[float] = []
    times_b: list[float] = []
    for n in range(RUNS):
        for work, times in ((a, times_a), (b, times_b)):
            started = time.perf_counter()
            work(n)
            times.append(time.perf_counter() - started)
    return times_a, times_b


def _figures(name: str, times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    figures = {"per_s": len(times) / sum(times), "p50": statistics.median(times) * 1000, "p99": p99}
    print(f"{name:28} {figures['per_s']:8.1f}/s  p50 {figures['p50']:7.2f} ms  p99 {p99:7.2f} ms")
    return figures


@pytest.mark.bench
def test_metering_overhead(django_db_setup: None, django_db_blocker: Any, tmp_path: Path) -> None:
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", BENCH):
        district = District.objects.get(schema_name="benchbill")
        with schema_context("benchbill"):
            company = Subject.objects.create(kind="legal", name="巫溪县某某建设有限公司", uscc=uscc(1),
                                             name_as_of=timezone.localdate())  # fmt: skip
        priced(district)
        priced(district, ProductCode.SCORE_QUERY, unit_price="1.00")
        _, _, key, _ = sell(district, cap_units=10 * RUNS, rate_per_minute=6000)
        bank = Requester(
            kind=RequesterKind.INSTITUTION, name=key.customer.name, code=key.customer.uscc
        )
        actor = Actor.system("bench")
        try:
            with schema_context("benchbill"):

                def plain_report(n: int) -> None:
                    grant = query_authorise(subject=subject_by_code(company.uscc or ""), requester=bank, purpose="贷款审查",
                                            product=QueryProduct.CREDIT_REPORT, consent_id=None, handled_by="bench")  # fmt: skip
                    prepared = report_prepare(grant, site=SITE, restricted=False)
                    with transaction.atomic():
                        report_store(prepared, actor=actor)

                def metered_report(n: int) -> None:
                    report_purchase(key=key, district=district, product="basic_report", subject_code=company.uscc or "",
                                    purpose="贷款审查", consent_id=None, idempotency_key=f"bench-report-{n:06d}", site=SITE)  # fmt: skip

                def plain_score(n: int) -> None:
                    subject = Subject.objects.filter(uscc__in=[company.uscc]).get()
                    grant = query_authorise(subject=subject, requester=bank, purpose="授信审查",
                                            product=QueryProduct.CREDIT_SCORE, consent_id=None, handled_by="bench")  # fmt: skip
                    score_current(subject.pk)
                    with transaction.atomic():
                        query_log_issued(grant, reference="bench", actor=actor)

                def metered_score(n: int) -> None:
                    score_purchase(key=key, district=district, subject_codes=[company.uscc or ""],
                                   purpose="授信审查", idempotency_key=f"bench-score-{n:06d}")  # fmt: skip

                plain_report(-1)  # warm caches (fonts, plans)
                metered_report(-1)
                reports = _interleaved(plain_report, metered_report)
                scores = _interleaved(plain_score, metered_score)
            plain, metered = (
                _figures("report, not metered", reports[0]),
                _figures("report, metered", reports[1]),
            )
            bare, billed = (
                _figures("score, not metered", scores[0]),
                _figures("score, metered", scores[1]),
            )
            cost = 1 - metered["per_s"] / plain["per_s"]
            print(
                f"metering costs {cost:.1%} of report throughput, {1 - billed['per_s'] / bare['per_s']:.1%} of score throughput"
            )
            assert cost <= 0.15
        finally:
            billing_remove(district)
