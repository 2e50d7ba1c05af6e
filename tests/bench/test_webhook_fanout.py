"""变动推送 at volume: 10,000 monitoring events (1,000 monitored organisations in 万州, ten
records each, all withdrawn after the subscriptions began) fanned out to one enabled endpoint and
POSTed to a real local HTTPS receiver (tests/support/webhook_receiver.py, a thread of this
process, speaking HTTP/1.1 with persistent connections as receivers in production do:
`KeepAliveReceiver`). Run as production runs without a broker (no CELERY_BROKER_URL: Celery
eager): the fan-out task in-process, each fan-out batch's deliveries queued after its commit as
tasks of DELIVERY_BATCH deliveries (one endpoint, one connection each), each
`webhook_deliveries_send_task` run in-process, one after another. Goal (issue 24): every event at
the receiver, signature valid, no duplicate event id, within 60 s. Runs in the test's transaction
(rolled back): the after-commit callbacks are captured and run as the outer commit would run them.

Run: python3 dev.py bench -k webhook      Figures: docs/benchmarks.md
BENCH_WEBHOOK_EVENTS changes the number of events (a multiple of 10); BENCH_WEBHOOK_HTTP10=1 uses
the plain receiver (HTTP/1.0: a new connection for every POST); BENCH_PROFILE=1 prints a cProfile
of the fan-out and of the deliveries."""

from __future__ import annotations

import cProfile
import hashlib
import hmac
import os
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import DeliveryStatus, ProductCode
from billing.models import MonitoringSubscription, WebhookDelivery
from billing.services.webhooks import DELIVERY_BATCH, FAN_OUT_BATCH, webhook_create
from billing.tasks import webhooks_fan_out_task
from core.catalog.models import CatalogItem, Department
from core.common.actors import Actor
from tests.billing.conftest import Sale, priced, sale  # noqa: F401  (fixture)
from tests.billing.test_webhooks import KeepAliveReceiver
from tests.core.collection.conftest import district  # noqa: F401  (fixture)
from tests.core.collection.files import uscc
from tests.support.upstream_server import Received
from tests.support.webhook_receiver import WebhookReceiver

EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "10000"))
PER_SUBJECT = 10
SUBJECTS = EVENTS // PER_SUBJECT
GOAL_SECONDS = 60.0
BANK = Actor.system("bench")


@pytest.fixture
def receiver(settings: Any) -> Iterator[WebhookReceiver]:
    plain = os.environ.get("BENCH_WEBHOOK_HTTP10") == "1"
    server = (WebhookReceiver() if plain else KeepAliveReceiver()).start()
    server.allow(settings)
    yield server
    server.stop()


def _connections(receiver: WebhookReceiver) -> str:
    if isinstance(receiver, KeepAliveReceiver):
        return f"{len(set(receiver.connections)):,} (HTTP/1.1 keep-alive)"
    return f"{len(receiver.requests):,} (HTTP/1.0, one per POST)"


def _signed_with(secret: str, request: Received) -> bool:
    t, *found = request.headers["X-Credit-Signature"].split(",")
    message = f"{t.removeprefix('t=')}.".encode() + request.raw
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v.removeprefix("v1=")) for v in found)


def _monitored_withdrawals(sale: Sale, department: Department) -> list[str]:  # noqa: F811
    """SUBJECTS organisations in 万州 with PER_SUBJECT penalties each (recorded yesterday),
    monitored by the sale's contract from now; the codes."""
    codes = [uscc(500000 + n) for n in range(SUBJECTS)]
    now = timezone.now()
    item = CatalogItem.objects.get(code="N03-02").pk
    with schema_context("wanzhou"), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subjects_subject (kind, name, name_as_of, uscc, id_masked, id_cipher, "
            "created_at, updated_at) "
            "SELECT 'legal', '重庆市万州区推送基准' || n || '有限公司', %s, code, '', '', %s, %s "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS c(code, n)",
            [now.date(), now - timedelta(days=1), now - timedelta(days=1), codes],
        )
        cursor.execute(
            """
            INSERT INTO records_record (kind, catalog_item_id, subject_id, department_id,
                doc_number, authority_name, authority_code, decision_date, title, severity, sector,
                fine_wan, fields, content_hash, regime_code, published_by_rule, publicity_start,
                repair_from, publicity_end, supplied_on, supply_deadline, timely, file_sha256,
                created_by, created_at, updated_at, withdrawal_reason)
            SELECT 'penalty', %s, s.id, %s, '万州推送基准〔2026〕' || s.id || '-' || k || '号',
                   '重庆市万州区市场监督管理局', %s, %s, '警告：推送基准', 'ordinary', '', 0,
                   '{}'::jsonb, md5(s.id || '-' || k), '2023', true, %s, %s, %s, %s, %s, true, '',
                   'bench', %s, %s, ''
            FROM subjects_subject s CROSS JOIN generate_series(1, %s) k
            WHERE s.uscc = ANY(%s::text[])
            """,
            [item, department.pk, department.code, now.date() - timedelta(days=30),
             now.date() - timedelta(days=30), now.date() + timedelta(days=335),
             now.date() + timedelta(days=1065), now.date(), now.date(),
             now - timedelta(days=1), now - timedelta(days=1), PER_SUBJECT, codes],
        )  # fmt: skip
        cursor.execute(
            "SELECT uscc, name FROM subjects_subject WHERE uscc = ANY(%s::text[])", [codes]
        )
        names = dict(cursor.fetchall())
    with schema_context("public"):
        MonitoringSubscription.objects.bulk_create(
            MonitoringSubscription(contract=sale.contract, customer=sale.customer,
                                   district=sale.district, subject_code=code,
                                   subject_name=names[code], created_at=now,
                                   charged_through=now.date().replace(day=1))
            for code in codes
        )  # fmt: skip
    return codes


def _withdraw_all(codes: list[str]) -> None:
    """Every record of the monitored subjects withdrawn, one microsecond apart, after the
    subscriptions and the endpoint began."""
    after = timezone.now() + timedelta(seconds=1)
    with schema_context("wanzhou"), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE records_record r SET withdrawn_at = w.at, updated_at = w.at,
                   withdrawal_reason = '复议撤销', revoked_on = %s
            FROM (SELECT r2.id, %s + (row_number() OVER (ORDER BY r2.id)) * interval '1 microsecond' AS at
                  FROM records_record r2 JOIN subjects_subject s ON s.id = r2.subject_id
                  WHERE s.uscc = ANY(%s::text[])) w
            WHERE r.id = w.id
            """,
            [after.date(), after, codes],
        )  # fmt: skip
        assert cursor.rowcount == EVENTS


def test_10000_events_fanned_out_and_delivered(
    sale: Sale,  # noqa: F811
    district: Department,  # noqa: F811
    receiver: WebhookReceiver,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[Any]]],
) -> None:
    # given: 1,000 monitored organisations in 万州, one endpoint at the receiver, 10,000 withdrawals
    started = time.perf_counter()
    priced(sale.district, ProductCode.MONITORING, unit_price="5.00")
    codes = _monitored_withdrawals(sale, district)
    with schema_context("public"):
        endpoint, secret = webhook_create(actor=BANK, customer=sale.customer,
                                          contract_id=sale.contract.pk, url=receiver.url)  # fmt: skip
    _withdraw_all(codes)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wanzhou.records_record")
        cursor.execute("ANALYZE wanzhou.subjects_subject")
    print(f"\nset-up: {SUBJECTS:,} subjects, {EVENTS:,} withdrawals in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    # when: the fan-out task, then the deliveries its batches queued after their commits
    fan_profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    send_profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    with django_capture_on_commit_callbacks(execute=True) as queued:
        started = time.perf_counter()
        if fan_profile is not None:
            fan_profile.enable()
        created = webhooks_fan_out_task()
        if fan_profile is not None:
            fan_profile.disable()
        fanned = time.perf_counter()
        if send_profile is not None:
            send_profile.enable()
    # (leaving the block runs the captured callbacks: each batch's `_enqueue`, eager tasks)
    if send_profile is not None:
        send_profile.disable()
    done = time.perf_counter()

    # then: every event at the receiver once, signed with the endpoint's secret
    fan_out, delivery, total = fanned - started, done - fanned, done - started
    ids = [r.headers["X-Credit-Event-Id"] for r in receiver.requests]
    valid = sum(_signed_with(secret, r) for r in receiver.requests)
    with schema_context("public"):
        delivered = WebhookDelivery.objects.filter(
            endpoint=endpoint, status=DeliveryStatus.DELIVERED, attempts=1
        ).count()
    print(f"fan-out: {created:,} deliveries in {fan_out:.2f} s ({created / fan_out:,.0f} rows/s), "
          f"{len(queued)} batches of ≤ {FAN_OUT_BATCH}")  # fmt: skip
    print(f"delivery: {len(receiver.requests):,} POSTs in {delivery:.2f} s "
          f"({len(receiver.requests) / delivery:,.0f} rows/s, {delivery / EVENTS * 1000:.2f} ms each), "
          f"tasks of ≤ {DELIVERY_BATCH}, connections: {_connections(receiver)}")  # fmt: skip
    print(f"end to end: {total:.2f} s ({EVENTS / total:,.0f} events/s); signatures valid {valid:,}, "
          f"distinct event ids {len(set(ids)):,}, delivered rows {delivered:,}")  # fmt: skip
    for name, profile in (("fan-out", fan_profile), ("delivery", send_profile)):
        if profile is not None:
            print(f"--- profile: {name}")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)
    assert created == EVENTS
    assert len(ids) == EVENTS
    assert len(set(ids)) == EVENTS
    assert valid == EVENTS
    assert delivered == EVENTS
    assert total <= GOAL_SECONDS
