"""变动推送: monitoring events POSTed to the institution's webhook endpoints, signed, once per
event id (the pull feed's), retried with backoff for three days, refused for addresses that are
not public HTTPS (at creation and at send time), with secret rotation and the institution's
delivery log. A real HTTPS receiver on loopback; the clock moves with `clock`."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import DeliveryStatus
from billing.models import WebhookDelivery, WebhookEndpoint
from billing.services.webhooks import (
    RETRY_WINDOW,
    deliveries_due,
    deliveries_send,
    webhook_create,
    webhook_digests_send,
    webhook_redeliver,
    webhook_rotate,
)
from billing.tasks import webhooks_fan_out_task, webhooks_retry_task
from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.records.models import Record
from core.records.services import record_withdraw
from tenants.models import PlatformAuditEntry
from tests.billing.conftest import Sale
from tests.billing.test_api import call
from tests.billing.test_institution_pages import member
from tests.billing.test_monitoring import at, subscribe, watching  # noqa: F401  (fixture)
from tests.conftest import OPERATOR_HOST, client_for, make_staff
from tests.core.collection.files import uscc
from tests.support.certificates import local_ca
from tests.support.clock import Clock
from tests.support.dns import FakeDns
from tests.support.servers import port_open, wait_for
from tests.support.upstream_server import Received
from tests.support.webhook_receiver import WebhookReceiver, _handler

BANK = Actor.system("tests")
FEED = """
query Feed($after: String!) {
  monitoring(after: $after) {
    events { cursor at change subjectCode subjectName recordKind title docNumber authority
             decisionDate }
    cursor
  }
}
"""


@dataclass
class KeepAliveReceiver(WebhookReceiver):
    """The receiver speaking HTTP/1.1 as receivers in production do (persistent connections;
    the plain one answers HTTP/1.0 and closes each connection), noting each POST's connection
    (the sender's port). `drop`: the POSTs (1 = the first) read, then answered by closing the
    connection without an answer."""

    connections: list[int] = field(default_factory=list)
    drop: set[int] = field(default_factory=set)

    def start(self) -> KeepAliveReceiver:
        receiver = self

        class Handler(_handler(self)):  # type: ignore[misc]
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                with receiver._lock:
                    receiver.connections.append(self.client_address[1])
                    dropped = len(receiver.connections) in receiver.drop
                if not dropped:
                    super().do_POST()
                    return
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.requests.append(Received(dict(self.headers.items()), raw))
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(local_ca().cert_file, local_ca().key_file)
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        wait_for(lambda: port_open(self.port), "webhook receiver")
        return self


@pytest.fixture
def receiver(settings: Any) -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    server.allow(settings)
    yield server
    server.stop()


@pytest.fixture
def keep_alive(settings: Any) -> Iterator[KeepAliveReceiver]:
    server = KeepAliveReceiver().start()
    server.allow(settings)
    yield server
    server.stop()


def endpoint_for(sale: Sale, url: str, **extra: Any) -> tuple[WebhookEndpoint, str]:
    with schema_context("public"):
        return webhook_create(actor=BANK, customer=sale.customer, contract_id=sale.contract.pk,
                              url=url, **extra)  # fmt: skip


def withdraw_penalty_2(sale: Sale, clock: Clock) -> None:
    """Company 2 monitored at 10:00; its penalty withdrawn in 万州 at 12:00."""
    subscribe(sale, "watch-0000001", [uscc(2)])
    clock.move_to(at(12))
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    record_withdraw(record=Record.objects.get(doc_number="万州市监罚〔2026〕2号"), user=reviewer,
                    reason="复议撤销", revoked_on=date(2026, 11, 26))  # fmt: skip


def run_tasks() -> None:
    webhooks_fan_out_task()
    webhooks_retry_task()


def signatures(request: Received) -> tuple[str, list[str]]:
    t, *rest = request.headers["X-Credit-Signature"].split(",")
    assert all(part.startswith("v1=") for part in rest)
    return t.removeprefix("t="), [part.removeprefix("v1=") for part in rest]


def signed_with(secret: str, request: Received) -> bool:
    t, found = signatures(request)
    expected = hmac.new(secret.encode(), f"{t}.".encode() + request.raw, hashlib.sha256)
    return any(hmac.compare_digest(expected.hexdigest(), v) for v in found)


def signed_in(user: User) -> Client:
    """An institution login's client (its session in the public schema, where logins live)."""
    client = client_for(OPERATOR_HOST)
    with schema_context("public"):
        client.force_login(user)
    return client


def delivery_of(endpoint: WebhookEndpoint) -> WebhookDelivery:
    with schema_context("public"):
        return WebhookDelivery.objects.get(endpoint=endpoint)


def test_a_withdrawal_is_posted_once_signed_with_the_feeds_event(
    watching: Sale,  # noqa: F811
    district: Department,
    clock: Clock,
    receiver: WebhookReceiver,
) -> None:
    # given
    endpoint, secret = endpoint_for(watching, receiver.url)
    withdraw_penalty_2(watching, clock)

    # when: fan-out and delivery, then again (nothing new)
    run_tasks()
    run_tasks()

    # then: one POST, signed, carrying the feed's event and id
    feed = call(watching, FEED, {"after": ""}).json()["data"]["monitoring"]
    [event] = feed["events"]
    assert event["change"] == "WITHDRAWN"
    [request] = receiver.requests
    assert signed_with(secret, request)
    assert len(signatures(request)[1]) == 1
    assert request.headers["X-Credit-Event-Id"] == event["cursor"]
    assert request.body == {"id": event["cursor"], "type": "monitoring.withdrawn",
                            "contract": watching.contract.number, "district": "万州区",
                            "event": event}  # fmt: skip
    delivery = delivery_of(endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 204)


def test_a_failed_attempt_is_retried_with_backoff_then_delivered(
    watching: Sale,  # noqa: F811
    district: Department,
    clock: Clock,
    receiver: WebhookReceiver,
) -> None:
    endpoint, _ = endpoint_for(watching, receiver.url)
    withdraw_penalty_2(watching, clock)
    receiver.answers = [500]

    run_tasks()
    first = delivery_of(endpoint)
    webhooks_retry_task()  # not due yet: a minute's backoff

    assert (first.status, first.attempts, first.response_code) == ("pending", 1, 500)
    assert first.last_error == "接收方应答 HTTP 500"
    assert len(receiver.requests) == 1

    clock.shift(timedelta(minutes=2))
    webhooks_retry_task()

    second = delivery_of(endpoint)
    assert (second.status, second.attempts, second.response_code) == ("delivered", 2, 204)
    assert [r.raw for r in receiver.requests] == [receiver.requests[0].raw] * 2
    assert {r.headers["X-Credit-Event-Id"] for r in receiver.requests} == {first.event_id}


def test_a_delivery_fails_after_three_days_and_the_digest_says_so(
    watching: Sale,  # noqa: F811
    district: Department,
    clock: Clock,
    receiver: WebhookReceiver,
) -> None:
    endpoint, _ = endpoint_for(watching, receiver.url, daily_digest=True)
    withdraw_penalty_2(watching, clock)
    receiver.answers = [503] * 100

    run_tasks()
    clock.shift(timedelta(days=2, hours=23))
    webhooks_retry_task()
    assert delivery_of(endpoint).status == "pending"

    clock.shift(timedelta(hours=1, minutes=1))
    webhooks_retry_task()

    delivery = delivery_of(endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 3, 503)
    assert delivery.failed_at is not None
    client = signed_in(member(watching.customer, "analyst@bank.test"))
    assert "<td>1条</td>" in client.get("/institution/webhooks/").content.decode()
    with schema_context("public"):
        assert webhook_digests_send(timezone.localdate()) == 1
    [digest] = mail.outbox
    assert digest.to == ["risk@bank.test"]
    assert "变动推送日报" in digest.subject
    assert "共生成 0 条信用变动推送，失败 1 条" in str(digest.body)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.bank.test/credit", "回调地址须使用 HTTPS（https:// 开头）"),
        ("https://127.0.0.1/credit", "回调地址解析到内网或本机地址（127.0.0.1），不允许"),
        ("https://10.20.30.40:8443/credit", "回调地址解析到内网或本机地址（10.20.30.40），不允许"),
        ("https://loopback.bank.test/credit", "回调地址解析到内网或本机地址（127.0.0.1），不允许"),
        ("https://169.254.169.254/latest", "回调地址解析到内网或本机地址（169.254.169.254），不允许"),
    ],
)  # fmt: skip
def test_addresses_that_are_not_public_https_are_refused(
    sale: Sale, monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    dns = FakeDns()
    dns.answer("loopback.bank.test", "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)

    with pytest.raises(ValidationFailed) as refused:
        endpoint_for(sale, url)

    assert (refused.value.message, refused.value.field) == (message, "url")
    with schema_context("public"):
        assert not WebhookEndpoint.objects.exists()


def test_a_name_rebound_to_loopback_after_creation_is_refused_at_send_time(
    watching: Sale,  # noqa: F811
    district: Department,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    receiver: WebhookReceiver,
) -> None:
    # given: public at creation, loopback from the next lookup on; the receiver listens there
    # but loopback is not a test network here
    dns = FakeDns()
    dns.answer("hooks.bank.test", "203.0.114.7", then=["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    endpoint, _ = endpoint_for(watching, f"https://hooks.bank.test:{receiver.port}/credit")
    settings.UPSTREAM_TEST_NETWORKS = []
    withdraw_penalty_2(watching, clock)

    run_tasks()

    delivery = delivery_of(endpoint)
    assert (delivery.status, delivery.response_code) == ("pending", None)
    assert delivery.last_error == "回调地址解析到内网或本机地址（127.0.0.1），不允许"
    assert receiver.requests == []


def test_rotation_signs_with_both_secrets_during_the_overlap_then_the_new_one(
    watching: Sale,  # noqa: F811
    district: Department,
    clock: Clock,
    receiver: WebhookReceiver,
) -> None:
    endpoint, old = endpoint_for(watching, receiver.url)
    withdraw_penalty_2(watching, clock)
    with schema_context("public"):
        new = webhook_rotate(actor=BANK, endpoint=endpoint, overlap=timedelta(hours=24))

    run_tasks()
    clock.shift(timedelta(hours=25))
    with schema_context("public"):
        webhook_redeliver(actor=BANK, delivery=delivery_of(endpoint))
    webhooks_retry_task()

    during, after = receiver.requests
    assert signed_with(new, during)
    assert signed_with(old, during)
    assert len(signatures(during)[1]) == 2
    assert signed_with(new, after)
    assert not signed_with(old, after)
    assert len(signatures(after)[1]) == 1
    assert old != new


def test_the_institution_sets_up_an_endpoint_reads_its_log_and_redelivers(
    watching: Sale,  # noqa: F811
    district: Department,
    clock: Clock,
    receiver: WebhookReceiver,
) -> None:
    client = signed_in(member(watching.customer, "analyst@bank.test"))
    form = {"contract": watching.contract.pk, "description": "风控系统", "daily_digest": "on"}

    refused = client.post("/institution/webhooks/", {**form, "url": "http://bank.test/hook"})
    created = client.post("/institution/webhooks/", {**form, "url": receiver.url})

    assert "回调地址须使用 HTTPS（https:// 开头）" in refused.content.decode()
    with schema_context("public"):
        endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.daily_digest) == (receiver.url, True)
    assert f'<code data-testid="secret">{endpoint.secret}</code>' in created.content.decode()
    listing = client.get("/institution/webhooks/").content.decode()
    assert receiver.url in listing
    assert endpoint.secret not in listing

    # an event is delivered and shows in the log
    withdraw_penalty_2(watching, clock)
    run_tasks()
    delivery = delivery_of(endpoint)
    page = client.get(f"/institution/webhooks/{endpoint.pk}/").content.decode()
    assert delivery.event_id in page
    assert "已送达" in page
    assert "行政处罚 · 撤销" in page

    # redelivered by hand: the same event again
    answer = client.post(f"/institution/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    webhooks_retry_task()

    assert answer.status_code == 302
    assert [r.headers["X-Credit-Event-Id"] for r in receiver.requests] == [delivery.event_id] * 2
    assert delivery_of(endpoint).attempts == 2
    assert "已安排重新推送事件" in client.get(answer["Location"]).content.decode()

    # disabled: nothing more is sent
    client.post(f"/institution/webhooks/{endpoint.pk}/toggle/")
    with schema_context("public"):
        endpoint.refresh_from_db()
        actions = list(
            PlatformAuditEntry.objects.filter(action__startswith="billing.webhook_")
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert endpoint.enabled is False
    assert actions == ["billing.webhook_create", "billing.webhook_redeliver",
                       "billing.webhook_disable"]  # fmt: skip


def test_another_customers_endpoint_is_not_found(sale: Sale, receiver: WebhookReceiver) -> None:
    endpoint, _ = endpoint_for(sale, receiver.url)
    with schema_context("public"):
        from billing.services.catalogue import customer_create

        other = customer_create(actor=BANK, name="重庆某保险股份有限公司",
                                uscc=uscc(901, head="91500000"), contact_email="ops@ins.test")  # fmt: skip
    client = signed_in(member(other, "ops-user@ins.test"))

    assert client.get(f"/institution/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/institution/webhooks/{endpoint.pk}/rotate/").status_code == 404


# --- Batches: one endpoint's deliveries on one connection -----------------------------------


def pending_deliveries(endpoint: WebhookEndpoint, count: int) -> list[int]:
    """`count` pending deliveries to the endpoint, due now (events e1, e2, …); their ids."""
    now = timezone.now()
    with schema_context("public"):
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(endpoint=endpoint, event_id=f"e{n}", change="withdrawn",
                            payload={"id": f"e{n}", "n": n, "名称": "撤销"}, created_at=now,
                            next_attempt_at=now, retry_until=now + RETRY_WINDOW)
            for n in range(1, count + 1)
        )  # fmt: skip
        return list(
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def states(endpoint: WebhookEndpoint) -> dict[str, tuple[str, int, int | None, str]]:
    """event id → (status, attempts, response code, last error)."""
    with schema_context("public"):
        return {
            d.event_id: (d.status, d.attempts, d.response_code, d.last_error)
            for d in WebhookDelivery.objects.filter(endpoint=endpoint)
        }


def test_a_batch_arrives_once_each_on_one_connection_signed(
    sale: Sale, keep_alive: KeepAliveReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: five deliveries due, the receiver's name resolved by the test's DNS
    dns = FakeDns()
    dns.answer("localhost", "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    endpoint, secret = endpoint_for(sale, keep_alive.url)
    pending_deliveries(endpoint, 5)
    dns.asked.clear()

    # when: the sweep queues them (one batch) and the task sends them
    queued = webhooks_retry_task()

    # then: five POSTs in order on one connection, after one lookup; each signed, its own id
    assert queued == 5
    assert [r.headers["X-Credit-Event-Id"] for r in keep_alive.requests] == [
        f"e{n}" for n in range(1, 6)
    ]
    assert len(set(keep_alive.connections)) == 1
    assert dns.asked == ["localhost"]
    assert all(signed_with(secret, r) for r in keep_alive.requests)
    assert [len(signatures(r)[1]) for r in keep_alive.requests] == [1] * 5
    with schema_context("public"):  # the body as the row's payload reads, compact UTF-8 JSON
        payload = WebhookDelivery.objects.get(endpoint=endpoint, event_id="e2").payload
    assert (
        keep_alive.requests[1].raw
        == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    )
    assert keep_alive.requests[1].body == {"id": "e2", "n": 2, "名称": "撤销"}
    assert set(states(endpoint).values()) == {("delivered", 1, 204, "")}

    # and: nothing due any more, so running again sends nothing
    assert webhooks_retry_task() == 0
    assert len(keep_alive.requests) == 5


def test_a_failed_delivery_in_a_batch_is_the_only_one_retried(
    sale: Sale, clock: Clock, keep_alive: KeepAliveReceiver
) -> None:
    endpoint, _ = endpoint_for(sale, keep_alive.url)
    pending_deliveries(endpoint, 4)
    keep_alive.answers = [204, 500, 204]

    webhooks_retry_task()

    assert states(endpoint) == {
        "e1": ("delivered", 1, 204, ""),
        "e2": ("pending", 1, 500, "接收方应答 HTTP 500"),
        "e3": ("delivered", 1, 204, ""),
        "e4": ("delivered", 1, 204, ""),
    }
    assert len(set(keep_alive.connections)) == 1
    assert webhooks_retry_task() == 0  # e2's backoff: a minute

    clock.shift(timedelta(minutes=2))
    assert webhooks_retry_task() == 1

    assert [r.headers["X-Credit-Event-Id"] for r in keep_alive.requests] == [
        "e1",
        "e2",
        "e3",
        "e4",
        "e2",
    ]
    assert states(endpoint)["e2"] == ("delivered", 2, 204, "")


def test_a_connection_broken_mid_batch_leaves_the_rest_for_the_retry(
    sale: Sale, clock: Clock, keep_alive: KeepAliveReceiver
) -> None:
    # given: the receiver reads the third POST and closes the connection without an answer
    endpoint, _ = endpoint_for(sale, keep_alive.url)
    pending_deliveries(endpoint, 5)
    keep_alive.drop = {3}

    webhooks_retry_task()

    # then: two delivered, the third failed (it may have arrived: sent again later, same id),
    # the last two not sent, not counted, due again
    assert states(endpoint) == {
        "e1": ("delivered", 1, 204, ""),
        "e2": ("delivered", 1, 204, ""),
        "e3": ("pending", 1, None, "接收方未给出应答就断开了连接"),
        "e4": ("pending", 0, None, ""),
        "e5": ("pending", 0, None, ""),
    }
    assert [r.headers["X-Credit-Event-Id"] for r in keep_alive.requests] == ["e1", "e2", "e3"]

    # when: the next sweeps, now and after the third's backoff
    assert webhooks_retry_task() == 2
    clock.shift(timedelta(minutes=2))
    assert webhooks_retry_task() == 1

    # then: every event arrived, the third twice (at least once), nothing delivered twice more
    assert [r.headers["X-Credit-Event-Id"] for r in keep_alive.requests] == [
        "e1",
        "e2",
        "e3",
        "e4",
        "e5",
        "e3",
    ]
    assert states(endpoint) == {
        "e1": ("delivered", 1, 204, ""),
        "e2": ("delivered", 1, 204, ""),
        "e3": ("delivered", 2, 204, ""),
        "e4": ("delivered", 1, 204, ""),
        "e5": ("delivered", 1, 204, ""),
    }


def test_an_unreachable_receiver_fails_the_whole_batch_once(sale: Sale, settings: Any) -> None:
    # given: nothing listens on the receiver's port
    closed = KeepAliveReceiver()
    closed.allow(settings)
    endpoint, _ = endpoint_for(sale, closed.url)
    pending_deliveries(endpoint, 3)

    webhooks_retry_task()

    found = states(endpoint)
    assert {(status, attempts) for status, attempts, _, _ in found.values()} == {("pending", 1)}
    assert all(error.startswith("无法连接接收方") for *_, error in found.values())


def test_two_claimers_never_take_the_same_delivery(
    sale: Sale, keep_alive: KeepAliveReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: four deliveries due; while the first worker sends its batch, a second worker and the
    # sweep try to take the same deliveries
    endpoint, _ = endpoint_for(sale, keep_alive.url)
    ids = pending_deliveries(endpoint, 4)
    from billing.services import webhooks

    exchange = webhooks._exchange
    meanwhile: list[Any] = []

    def exchange_while_others_claim(*args: Any) -> int:
        if not meanwhile:
            with schema_context("public"):
                meanwhile.append(deliveries_send(endpoint_id=endpoint.pk, delivery_ids=ids))
                meanwhile.append(deliveries_due())
        return exchange(*args)

    monkeypatch.setattr(webhooks, "_exchange", exchange_while_others_claim)

    with schema_context("public"):
        first = deliveries_send(endpoint_id=endpoint.pk, delivery_ids=ids)

    # then: the first worker sent all four, the second none, the sweep saw none due
    assert meanwhile == [{}, []]
    assert sorted(first) == ids
    assert {o.status for o in first.values()} == {DeliveryStatus.DELIVERED}
    assert [r.headers["X-Credit-Event-Id"] for r in keep_alive.requests] == ["e1", "e2", "e3", "e4"]
    assert set(states(endpoint).values()) == {("delivered", 1, 204, "")}


def test_a_disabled_endpoints_batch_is_not_sent(sale: Sale, keep_alive: KeepAliveReceiver) -> None:
    endpoint, _ = endpoint_for(sale, keep_alive.url)
    ids = pending_deliveries(endpoint, 2)
    with schema_context("public"):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
        sent = deliveries_send(endpoint_id=endpoint.pk, delivery_ids=ids)

    assert sent == {}
    assert keep_alive.requests == []
    assert set(states(endpoint).values()) == {("pending", 0, None, "")}


def test_the_tls_context_is_made_once_for_many_connections(
    sale: Sale, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the plain receiver, which closes the connection after each answer
    from core.upstream import egress

    made: list[Any] = []
    create = ssl.create_default_context

    def counted(**options: Any) -> ssl.SSLContext:
        made.append(options)
        return create(**options)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    egress._tls_context.cache_clear()
    endpoint, _ = endpoint_for(sale, receiver.url)
    pending_deliveries(endpoint, 3)

    webhooks_retry_task()

    # then: three connections (opened again to the checked address), one context, CA loaded once
    assert set(states(endpoint).values()) == {("delivered", 1, 204, "")}
    assert len(receiver.requests) == 3
    assert made == [{"cafile": receiver_ca()}]


def receiver_ca() -> str:
    return str(local_ca().ca_file)
