"""The exchange's cost: one call from a consumer's server to a provider for a subject with 100
shared records (token, HTTP, admission, scope, records, both logs, both signatures) against the
same 100 records read locally by the provider in the same run, interleaved call by call (goal,
issue 8: the exchange costs ≤ 3× the local read).

"Local read" is the provider's own district API answering a signed-in staff member's
`subject(code:)` query for the same subject over HTTP on the same live server (no response cache
for signed-in staff): the same transport, so the ratio is what the exchange adds. The in-process
selector read (no HTTP at all) is printed too.

Run: python3 dev.py bench -k exchange      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import io
import statistics
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.records.selectors import record_list_for_subject
from core.subjects.models import Subject
from exchange.models import Agreement, DistrictPublicKey
from exchange.selectors import agreement_access_by_id
from exchange.services.agreements import ScopeItem, agreement_accept, agreement_propose
from exchange.services.consuming import shared_records_fetch
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.conftest import make_staff
from tests.core.collection.files import as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts, server_port  # noqa: F401  (fixture)
from tests.exchange.conftest import PENALTY_WITHOUT_FINE

RUNS = 200
RECORDS = 100
PROVIDER = OnboardingRequest("pengshui", "彭水县", "信用彭水", "500243", "pengshui.localhost",
                             "admin@pengshui.test", "彭水管理员")  # fmt: skip
CONSUMER = OnboardingRequest("youyang", "酉阳县", "信用酉阳", "500242", "youyang.localhost",
                             "admin@youyang.test", "酉阳管理员")  # fmt: skip
DEPARTMENT = uscc(7654321, head="11500243")
COMPANY = uscc(41, head="91500243")
LOCAL_QUERY = "query ($c: String!) { subject(code: $c) { name records { id kind docNumber " \
    "decisionDate title authorityName state publicityEnd fineWan } } }"  # fmt: skip


def _interleaved(*works: Callable[[int], object]) -> list[list[float]]:
    times: list[list[float]] = [[] for _ in works]
    for n in range(RUNS):
        for work, spent in zip(works, times, strict=True):
            started = time.perf_counter()
            work(n)
            spent.append(time.perf_counter() - started)
    return times


def _figures(name: str, times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    figures = {"p50": statistics.median(times) * 1000,
               "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000}  # fmt: skip
    print(f"{name:44} p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms")
    return figures


@pytest.mark.bench
def test_exchange_cost(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int,  # noqa: F811
    settings: Any,
) -> None:  # fmt: skip
    settings.EXCHANGE_PROVIDER_URL = "http://{domain}/exchange/graphql/"
    settings.EXCHANGE_CONNECT_ADDRESS = f"127.0.0.1:{server_port}"
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", PROVIDER,
                             CONSUMER) as admins:  # fmt: skip
        provider = District.objects.get(schema_name=PROVIDER.slug)
        consumer = District.objects.get(schema_name=CONSUMER.slug)
        try:
            decided = timezone.localdate() - timedelta(days=10)
            with schema_context(PROVIDER.slug):
                department = Department.objects.create(code=DEPARTMENT, name="彭水县市场监督管理局")
                CatalogSupply.objects.create(item=CatalogItem.objects.get(code="N03-02"),
                                             department=department)  # fmt: skip
                rows = [penalty(n, XDR_MC="彭水县甲建设有限公司", XDR_SHXYM=COMPANY,
                                WSH=f"彭水市监罚〔2026〕{n}号", CFJGDM=DEPARTMENT, SJLYDM=DEPARTMENT,
                                JDRQ=decided.isoformat(),
                                YXQ=(decided + timedelta(days=365)).isoformat())
                        for n in range(1, RECORDS + 1)]  # fmt: skip
                content = as_csv(rows)
                batch = batch_create(actor=Actor.system("bench"), department=department,
                                     filename="处罚.csv", content=io.BytesIO(content),
                                     size=len(content))  # fmt: skip
                assert batch_ingest(batch_id=batch.pk).stored == RECORDS
                subject_id = Subject.objects.get(uscc=COMPANY).pk
                staff = Client(HTTP_HOST=PROVIDER.domain)
                staff.force_login(admins[PROVIDER.slug])
                session = staff.cookies["sessionid"].value
            with schema_context(CONSUMER.slug):
                agreement = agreement_propose(
                    actor=admins[CONSUMER.slug], consumer=consumer, provider=provider,
                    legal_basis="《重庆市社会信用条例》第二十六条", purposes=["administration"],
                    items=[ScopeItem("N03-02", PENALTY_WITHOUT_FINE)],
                    valid_from=timezone.localdate(),
                    valid_until=timezone.localdate() + timedelta(days=30),
                )  # fmt: skip
            with schema_context(PROVIDER.slug):
                agreement_accept(actor=admins[PROVIDER.slug], agreement=agreement)
            # As a lookup gets it (exchange.selectors.agreements_for_lookup): items prefetched.
            agreement = agreement_access_by_id(district=consumer, agreement_id=agreement.pk)
            clerk = make_staff(CONSUMER.slug, "clerk@youyang.test", StaffRole.WINDOW_CLERK)
            local_url = f"http://127.0.0.1:{server_port}/graphql/?" + urllib.parse.urlencode(
                {"query": LOCAL_QUERY, "variables": f'{{"c": "{COMPANY}"}}'}
            )

            def exchange(n: int) -> None:
                with schema_context(CONSUMER.slug):
                    result = shared_records_fetch(actor=clerk, consumer=consumer,
                                                  agreement=agreement, purpose="administration",
                                                  code=COMPANY)  # fmt: skip
                assert len(result.records) == RECORDS, result.refused_reason

            def local_http(n: int) -> None:
                request = urllib.request.Request(
                    local_url, headers={"Host": PROVIDER.domain, "Cookie": f"sessionid={session}"}
                )
                with urllib.request.urlopen(request, timeout=10) as answer:
                    assert answer.read().count(b'"docNumber"') == RECORDS

            def local_selector(n: int) -> None:
                with schema_context(PROVIDER.slug):
                    records = list(
                        record_list_for_subject(subject_id=subject_id, today=timezone.localdate())
                    )
                assert len(records) == RECORDS

            for warm in (exchange, local_http, local_selector):
                warm(-1)
            spent = _interleaved(exchange, local_http, local_selector)
            over, local, selector = (
                _figures("exchange call (consumer end to end)", spent[0]),
                _figures("local read, district API over HTTP", spent[1]),
                _figures("local read, in-process selector", spent[2]),
            )
            ratio = over["p50"] / local["p50"]
            print(f"exchange / local read over HTTP: p50 {ratio:.2f}×, "
                  f"p99 {over['p99'] / local['p99']:.2f}×; "
                  f"exchange / in-process read: p50 {over['p50'] / selector['p50']:.1f}×")  # fmt: skip
            assert ratio <= 3
        finally:
            Agreement.objects.filter(provider=provider).delete()
            DistrictPublicKey.objects.filter(district__in=[provider, consumer]).delete()
