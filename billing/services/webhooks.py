"""Change alerts by webhook (变动推送): every monitoring event of a contract's pull feed
(`billing.selectors.monitoring_feed`), POSTed as signed JSON to the institution's endpoints.

- Fan-out (`webhooks_fan_out`, beat every minute): per enabled endpoint, read the feed after the
  endpoint's cursor, record one `WebhookDelivery` per event (unique per endpoint and event id) and
  move the cursor in the same transaction; the deliveries are queued after commit. A crash before
  the commit reads the same events again next time, so every event is delivered at least once.
- Delivery (`deliveries_send`, one task per endpoint and DELIVERY_BATCH deliveries): claims the
  batch with one statement (FOR UPDATE SKIP LOCKED and a lease on `next_attempt_at`, so two
  workers never send the same delivery), checks the URL again (HTTPS, resolved now, every
  address public: core/upstream/egress.py, so a name re-pointed at an internal address after it
  was saved is refused) and sends the batch one POST after another on one persistent connection
  to the addresses it checked (the TLS context, with its CA file, is made once per process). A
  2xx answer delivers a delivery; anything else schedules its next attempt with exponential
  backoff (1, 2, 4 … minutes, at most 6 hours apart) until three days have passed, then it fails;
  the outcomes are recorded with one statement. A connection that breaks mid-batch fails the
  delivery being sent; the ones after it are released unsent, due again at once.
  `deliveries_due` (beat every minute) queues what is due, so no retry depends on the broker.
- Signing: `X-Credit-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, HMAC-SHA256 over `<t>.<body>` as
  the threshold notices (`notices.sign`); during a rotation's overlap the previous secret signs
  too, so the receiver may accept either. `X-Credit-Event-Id` carries the event's id (the pull
  feed's cursor of the event) for deduplication.
"""

from __future__ import annotations

import http.client
import json
import logging
import secrets
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import DeliveryStatus
from billing.models import Contract, Customer, WebhookDelivery, WebhookEndpoint
from billing.selectors import MonitoringEvent, monitoring_feed
from billing.services.notices import SIGNATURE_HEADER, sign
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.errors import NotFound, ValidationFailed
from core.common.tenancy import on_commit_here
from core.upstream.egress import (
    CheckedConnection,
    EgressRefused,
    destination_resolve,
    tls_context,
)
from tenants.audit import platform_audit_record

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Credit-Event-Id"
RETRY_WINDOW = timedelta(days=3)
MAX_BACKOFF = timedelta(hours=6)
ROTATION_OVERLAP = timedelta(hours=24)
FAN_OUT_BATCH = 500
MAX_ENDPOINTS_PER_CONTRACT = 5
# Deliveries of one endpoint sent by one task on one connection, and the time it may take.
DELIVERY_BATCH = 100
BATCH_SECONDS = 60
ANSWER_BYTES = 4096
DISCONNECTED = "接收方未给出应答就断开了连接"


# --- URLs -----------------------------------------------------------------------------------


def webhook_url_problem(url: str) -> str | None:
    """What is wrong with a receiver's URL, in Chinese, or None: HTTPS, no credentials, and a
    host whose every address is on the public internet (resolved now)."""
    try:
        destination_resolve(url, any_host=True)
    except EgressRefused as refused:
        return _worded(refused)
    return None


def _worded(refused: EgressRefused) -> str:
    # egress words its refusals for upstream's 上报地址; an institution's address is a 回调地址.
    return refused.message.replace("上报地址", "回调地址").replace("该地址", "回调地址")


def _url_clean(url: str) -> str:
    url = url.strip()
    problem = webhook_url_problem(url)
    if problem is not None:
        raise ValidationFailed(problem, field="url", code="BAD_WEBHOOK_URL")
    return url


# --- Endpoints ------------------------------------------------------------------------------


def _new_secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


def webhook_create(
    *,
    actor: Actor,
    customer: Customer,
    contract_id: int,
    url: str,
    description: str = "",
    daily_digest: bool = False,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for one of the customer's contracts; returns it and its secret (shown
    once). It receives the events that happen from now on."""
    contract = Contract.objects.filter(pk=contract_id, customer=customer).first()
    if contract is None:
        raise NotFound("没有该合同", field="contract")
    clean = _url_clean(url)
    if len(description.strip()) > 200:
        raise ValidationFailed("说明不能超过200个字符", field="description")
    if WebhookEndpoint.objects.filter(contract=contract).count() >= MAX_ENDPOINTS_PER_CONTRACT:
        raise ValidationFailed(
            f"每份合同至多设置{MAX_ENDPOINTS_PER_CONTRACT}个推送地址", field="url"
        )
    secret = _new_secret()
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            contract=contract, url=clean, description=description.strip(),
            daily_digest=daily_digest, secret=secret, cursor=f"{now.isoformat()}|0",
            created_by=actor.label, created_at=now,
        )  # fmt: skip
        platform_audit_record(actor=actor, action="billing.webhook_create",
                              district_schema=contract.district.schema_name,
                              details={"customer": customer.pk, "contract": contract.number,
                                       "url": clean})  # fmt: skip
    return endpoint, secret


def _webhook_audit(actor: Actor, action: str, endpoint: WebhookEndpoint, **more: Any) -> None:
    contract = endpoint.contract
    platform_audit_record(actor=actor, action=action,
                          district_schema=contract.district.schema_name,
                          details={"customer": contract.customer_id, "contract": contract.number,
                                   "url": endpoint.url, **more})  # fmt: skip


def webhook_rotate(
    *, actor: Actor, endpoint: WebhookEndpoint, overlap: timedelta = ROTATION_OVERLAP
) -> str:
    """A new secret (returned, shown once); the current one keeps signing beside it for
    `overlap`, so the receiver can switch without missing an event."""
    secret = _new_secret()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_valid_until = timezone.now() + overlap
        locked.secret = secret
        locked.save(update_fields=["secret", "previous_secret", "previous_valid_until"])
        _webhook_audit(actor, "billing.webhook_rotate", endpoint,
               overlap_hours=int(overlap.total_seconds() // 3600))  # fmt: skip
    return secret


def webhook_enable(*, actor: Actor, endpoint: WebhookEndpoint, enabled: bool) -> None:
    """Stop (or resume) sending. Events of the pause are sent on resuming: the cursor waits."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=enabled)
        _webhook_audit(
            actor, "billing.webhook_enable" if enabled else "billing.webhook_disable", endpoint
        )
    endpoint.enabled = enabled


def webhook_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> None:
    """Send one delivery again now (whatever its status), with a new three-day window."""
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, next_attempt_at=now, retry_until=now + RETRY_WINDOW,
            failed_at=None,
        )  # fmt: skip
        _webhook_audit(
            actor, "billing.webhook_redeliver", delivery.endpoint, event_id=delivery.event_id
        )
        on_commit_here(lambda: _enqueue([delivery.pk]))


# --- Fan-out --------------------------------------------------------------------------------


def event_payload(event: MonitoringEvent, contract: Contract) -> dict[str, Any]:
    """The body of a delivery: the event exactly as the pull feed's `events` show it (same
    fields, same names), with its id and the contract."""
    return {
        "id": event.cursor,
        "type": f"monitoring.{event.change}",
        "contract": contract.number,
        "district": contract.district.name,
        "event": {
            "cursor": event.cursor,
            "at": event.at.isoformat(),
            "change": event.change.upper(),
            "subjectCode": event.subject_code,
            "subjectName": event.subject_name,
            "recordKind": event.record_kind,
            "title": event.title,
            "docNumber": event.doc_number,
            "authority": event.authority,
            "decisionDate": event.decision_date.isoformat(),
        },
    }


def webhooks_fan_out(*, batch: int = FAN_OUT_BATCH) -> int:
    """Turn new feed events into deliveries for every enabled endpoint; returns how many."""
    endpoints = WebhookEndpoint.objects.select_related("contract__district").filter(enabled=True)
    created = 0
    for endpoint in endpoints:
        try:
            created += endpoint_fan_out(endpoint, batch=batch)
        except Exception:  # one district's trouble (schema gone, …) does not stop the others
            logger.exception("webhook fan-out failed for endpoint %s", endpoint.pk)
    return created


def endpoint_fan_out(endpoint: WebhookEndpoint, *, batch: int = FAN_OUT_BATCH) -> int:
    created = 0
    contract = endpoint.contract
    while True:
        with schema_context(contract.district.schema_name):
            events, cursor = monitoring_feed(
                contract_id=contract.pk, after=endpoint.cursor, limit=batch
            )
        if cursor == endpoint.cursor:
            return created
        with schema_context("public"), transaction.atomic():
            locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
            if locked.cursor != endpoint.cursor:  # another fan-out got here first
                return created
            now = timezone.now()
            WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(endpoint=locked, event_id=e.cursor, change=e.change,
                                 payload=event_payload(e, contract), created_at=now,
                                 next_attempt_at=now, retry_until=now + RETRY_WINDOW)
                 for e in events],
                ignore_conflicts=True,
            )  # fmt: skip
            locked.cursor = cursor
            locked.save(update_fields=["cursor"])
            ids = list(
                WebhookDelivery.objects.filter(
                    endpoint=locked, event_id__in=[e.cursor for e in events],
                    status=DeliveryStatus.PENDING,
                ).values_list("pk", flat=True)
            )  # fmt: skip
            batches = delivery_batches((locked.pk, pk) for pk in sorted(ids))
            on_commit_here(lambda batches=batches: _queue(batches))  # type: ignore[misc]
        endpoint.cursor = cursor
        created += len(events)


def _enqueue(ids: list[int]) -> None:
    """Queue the deliveries `ids` (after a commit): one task per endpoint and DELIVERY_BATCH."""
    if not ids:
        return
    pairs = (
        WebhookDelivery.objects.filter(pk__in=ids)
        .order_by("endpoint_id", "pk")
        .values_list("endpoint_id", "pk")
    )
    _queue(delivery_batches(pairs))


def _queue(batches: list[tuple[int, list[int]]]) -> None:
    from billing.tasks import webhook_deliveries_send_task

    for endpoint_id, ids in batches:
        # Not queued now (broker down): `deliveries_due` picks them up on its next run.
        delay_or_defer(webhook_deliveries_send_task, endpoint_id, ids,
                       deferred=f"{len(ids)} deliveries to endpoint {endpoint_id} wait for the sweep")  # fmt: skip


def delivery_batches(
    pairs: Iterable[tuple[int, int]], *, size: int = DELIVERY_BATCH
) -> list[tuple[int, list[int]]]:
    """(endpoint id, delivery id) pairs as batches of at most `size` deliveries of one endpoint,
    in the pairs' order."""
    grouped: dict[int, list[int]] = {}
    for endpoint_id, pk in pairs:
        grouped.setdefault(endpoint_id, []).append(pk)
    return [
        (endpoint_id, ids[at : at + size])
        for endpoint_id, ids in grouped.items()
        for at in range(0, len(ids), size)
    ]


def deliveries_due(*, limit: int = 1000) -> list[tuple[int, list[int]]]:
    """Pending deliveries of enabled endpoints whose next attempt is due, in batches per
    endpoint (see `delivery_batches`)."""
    pairs = (
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now(),
            endpoint__enabled=True,
        ).order_by("next_attempt_at", "pk").values_list("endpoint_id", "pk")[:limit]
    )  # fmt: skip
    return delivery_batches(pairs)


# --- Delivery -------------------------------------------------------------------------------


def webhook_signature(endpoint: WebhookEndpoint, body: bytes, timestamp: int) -> str:
    """`t=<t>,v1=<current>` and, during a rotation's overlap, `,v1=<previous>`."""
    header = sign(endpoint.secret, body, timestamp)
    until = endpoint.previous_valid_until
    if endpoint.previous_secret and until is not None and timezone.now() < until:
        header += "," + sign(endpoint.previous_secret, body, timestamp).split(",", 1)[1]
    return header


@dataclass(frozen=True)
class Outcome:
    status: str
    response_code: int | None
    error: str


@dataclass(frozen=True)
class _Claimed:
    """A delivery taken for this attempt (its `attempts` already counts it)."""

    pk: int
    event_id: str
    payload: dict[str, Any]
    attempts: int
    retry_until: datetime


def delivery_attempt(delivery_id: int) -> Outcome | None:
    """One attempt at a pending, due delivery (None: not due, taken by another worker, or its
    endpoint is disabled). A batch of one: see `deliveries_send`."""
    endpoint_id = (
        WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
    )
    if endpoint_id is None:
        return None
    return deliveries_send(endpoint_id=endpoint_id, delivery_ids=[delivery_id]).get(delivery_id)


def deliveries_send(*, endpoint_id: int, delivery_ids: list[int]) -> dict[int, Outcome]:
    """One attempt at each of `delivery_ids` (one endpoint's) that is pending and due, on one
    connection; the outcomes by delivery id. The ones not due, taken by another worker, or of a
    disabled endpoint are left alone (no outcome).

    Claimed with one statement (FOR UPDATE SKIP LOCKED: a concurrent claimer skips them, and
    the lease on `next_attempt_at` keeps later claimers and the sweep off them until the batch
    is over), the URL checked and resolved once for the batch, sent one after another on one
    persistent connection to the checked addresses, then recorded with one statement. If the
    receiver cannot be reached at the batch's first delivery, every delivery of the batch has
    that failed attempt; if the connection breaks later (or the batch runs out of time), the
    delivery being sent has a failed attempt and the ones not sent yet are released, due now
    and their attempt not counted, for the next run of the sweep."""
    if not delivery_ids:
        return {}
    claimed = _claim(endpoint_id, delivery_ids)
    if not claimed:
        return {}
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    answers, unsent = _send_batch(endpoint, claimed, deadline=time.monotonic() + BATCH_SECONDS)
    now = timezone.now()
    outcomes = {
        delivery.pk: _outcome(delivery, code, error, now) for delivery, code, error in answers
    }
    _record([(d, outcomes[d.pk]) for d, _, _ in answers], now)
    if unsent:
        _release([d.pk for d in unsent], now)
    return outcomes


def _claim(endpoint_id: int, delivery_ids: list[int]) -> list[_Claimed]:
    now = timezone.now()
    lease = now + timedelta(seconds=BATCH_SECONDS + 3 * settings.BILLING_WEBHOOK_TIMEOUT + 30)
    deliveries = WebhookDelivery._meta.db_table
    endpoints = WebhookEndpoint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE public.{deliveries} AS d SET next_attempt_at = %s, attempts = d.attempts + 1 "  # noqa: S608
            f"FROM (SELECT c.id FROM public.{deliveries} AS c "
            f"      JOIN public.{endpoints} AS e ON e.id = c.endpoint_id "
            "      WHERE c.endpoint_id = %s AND c.id = ANY(%s) AND c.status = %s AND e.enabled "
            "        AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= %s) "
            "      ORDER BY c.id FOR UPDATE OF c SKIP LOCKED) AS due "
            "WHERE d.id = due.id "
            "RETURNING d.id, d.event_id, d.payload, d.attempts, d.retry_until",
            [lease, endpoint_id, list(delivery_ids), DeliveryStatus.PENDING, now],
        )
        rows = cursor.fetchall()
    return sorted(
        (
            _Claimed(pk, event_id, json.loads(payload) if isinstance(payload, str) else payload,
                     attempts, retry_until)
            for pk, event_id, payload, attempts, retry_until in rows
        ),
        key=lambda d: d.pk,
    )  # fmt: skip


def _outcome(delivery: _Claimed, code: int | None, error: str, now: datetime) -> Outcome:
    if code is not None and 200 <= code < 300:
        return Outcome(DeliveryStatus.DELIVERED, code, "")
    if code is not None:
        error = f"接收方应答 HTTP {code}"
    backoff = min(timedelta(minutes=2 ** (delivery.attempts - 1)), MAX_BACKOFF)
    if now + backoff > delivery.retry_until:
        return Outcome(DeliveryStatus.FAILED, code, error)
    return Outcome(DeliveryStatus.PENDING, code, error)


def _record(outcomes: list[tuple[_Claimed, Outcome]], now: datetime) -> None:
    """Every outcome of a batch in one statement: delivered (when), failed (when), or pending
    with the next attempt after the backoff."""
    if not outcomes:
        return
    table = WebhookDelivery._meta.db_table
    rows = []
    for delivery, outcome in outcomes:
        delivered = outcome.status == DeliveryStatus.DELIVERED
        failed = outcome.status == DeliveryStatus.FAILED
        backoff = min(timedelta(minutes=2 ** (delivery.attempts - 1)), MAX_BACKOFF)
        rows.append((delivery.pk, outcome.status, outcome.response_code, outcome.error[:300],
                     now if delivered else None, now if failed else None,
                     None if delivered or failed else now + backoff))  # fmt: skip
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE public.{table} AS d SET status = v.status, response_code = v.code, "  # noqa: S608
            "last_error = v.error, delivered_at = COALESCE(v.delivered_at, d.delivered_at), "
            "failed_at = COALESCE(v.failed_at, d.failed_at), next_attempt_at = v.next_at "
            "FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::timestamptz[], "
            "%s::timestamptz[], %s::timestamptz[]) "
            "AS v(id, status, code, error, delivered_at, failed_at, next_at) WHERE d.id = v.id",
            [list(column) for column in columns],
        )


def _release(ids: list[int], now: datetime) -> None:
    """Deliveries claimed but not sent: due again now, their attempt not counted."""
    WebhookDelivery.objects.filter(pk__in=ids).update(
        next_attempt_at=now, attempts=F("attempts") - 1
    )


class WebhookFailure(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _request(endpoint: WebhookEndpoint, delivery: _Claimed) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "credit-platform-webhooks/1",
        SIGNATURE_HEADER: webhook_signature(endpoint, body, int(time.time())),
        EVENT_ID_HEADER: delivery.event_id,
    }
    return body, headers


def _send_batch(
    endpoint: WebhookEndpoint, claimed: list[_Claimed], *, deadline: float
) -> tuple[list[tuple[_Claimed, int | None, str]], list[_Claimed]]:
    """POST the deliveries in order on one connection to the URL, checked and resolved now;
    (delivery, status code or None, error) for each one attempted, and the ones not sent.
    Redirects are not followed (a 3xx is a failed attempt)."""
    try:
        destination = destination_resolve(endpoint.url, any_host=True)
    except EgressRefused as refused:
        return [(d, None, _worded(refused)) for d in claimed], []
    seconds = settings.BILLING_WEBHOOK_TIMEOUT
    try:
        tls = tls_context(settings.BILLING_WEBHOOK_CA_FILE)
    except OSError as error:  # an unreadable CA file (ssl.SSLError is an OSError)
        return [(d, None, _failure(error, seconds).message) for d in claimed], []
    checked = CheckedConnection(destination, timeout=seconds, tls=tls)
    answers: list[tuple[_Claimed, int | None, str]] = []
    try:
        for index, delivery in enumerate(claimed):
            if index and time.monotonic() > deadline:
                return answers, claimed[index:]
            body, headers = _request(endpoint, delivery)
            try:
                code = _exchange(checked, destination.target, body, headers, seconds)
            except WebhookFailure as failure:
                if index == 0:  # not reached at all: the whole batch has this attempt
                    return [(d, None, failure.message) for d in claimed], []
                answers.append((delivery, None, failure.message))
                return answers, claimed[index + 1 :]
            answers.append((delivery, code, ""))
        return answers, []
    finally:
        checked.close()


def _exchange(
    checked: CheckedConnection, target: str, body: bytes, headers: dict[str, str], seconds: int
) -> int:
    """One POST on the connection (opened again to the checked addresses if it is closed); the
    answer's status code. The answer is read whole (up to ANSWER_BYTES) so the connection can
    carry the next request; a longer one closes it."""
    try:
        checked.request("POST", target, body=body, headers=headers)
        answer = checked.getresponse()
        answer.read(ANSWER_BYTES)
        if not answer.isclosed():
            checked.close()
        return answer.status
    except (http.client.HTTPException, OSError) as error:
        checked.close()
        raise _failure(error, seconds) from error


def _failure(error: Exception, seconds: int) -> WebhookFailure:
    if isinstance(error, ssl.SSLCertVerificationError):
        return WebhookFailure(f"接收方的HTTPS证书未通过校验：{error.verify_message}")
    if isinstance(error, TimeoutError):
        return WebhookFailure(f"接收方在{seconds}秒内没有应答")
    if isinstance(error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
        return WebhookFailure(DISCONNECTED)
    reason = error.strerror if isinstance(error, OSError) and error.strerror else error
    return WebhookFailure(f"无法连接接收方：{reason}")


# --- Daily digest ---------------------------------------------------------------------------


def webhook_digests_send(day: date) -> int:
    """E-mail each endpoint with the digest on the day's events and failed deliveries (Beijing
    time) to the customer's contact; returns how many were sent."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=1)
    sent = 0
    endpoints = WebhookEndpoint.objects.select_related("contract__customer", "contract__district")
    for endpoint in endpoints.filter(daily_digest=True):
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        events = deliveries.filter(created_at__gte=start, created_at__lt=end).count()
        failed = deliveries.filter(failed_at__gte=start, failed_at__lt=end).count()
        contract = endpoint.contract
        send_mail(
            subject=f"【变动推送日报】{contract.district.name} {day:%Y年%m月%d日}",
            message=(
                f"{contract.customer.name}：\n\n"
                f"合同 {contract.number} 的推送地址 {endpoint.url}"
                f"{f'（{endpoint.description}）' if endpoint.description else ''}"
                f" 在 {day:%Y年%m月%d日} 共生成 {events} 条信用变动推送，"
                f"失败 {failed} 条（已重试三天仍未送达）。\n"
                "推送记录和重新推送见机构服务页面“变动推送”。\n"
            ),
            from_email=None,
            recipient_list=[contract.customer.contact_email],
        )
        sent += 1
    return sent
