"""Change alerts by webhook (变动推送): every monitoring event of a contract's pull feed
(`billing.selectors.monitoring_feed`), POSTed as signed JSON to the institution's endpoints.

- Fan-out (`webhooks_fan_out`, beat every minute): per enabled endpoint, read the feed after the
  endpoint's cursor, record one `WebhookDelivery` per event (unique per endpoint and event id) and
  move the cursor in the same transaction; the deliveries are queued after commit. A crash before
  the commit reads the same events again next time, so every event is delivered at least once.
- Delivery (`delivery_attempt`): claims the delivery (a short lease on `next_attempt_at`), checks
  the URL again (HTTPS, resolved now, every address public: core/upstream/egress.py, so a name
  re-pointed at an internal address after it was saved is refused) and connects to the addresses
  it checked. A 2xx answer delivers it; anything else schedules the next attempt with exponential
  backoff (1, 2, 4 … minutes, at most 6 hours apart) until three days have passed, then it fails.
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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
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
from core.upstream.egress import CheckedConnection, EgressRefused, destination_resolve
from tenants.audit import platform_audit_record

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Credit-Event-Id"
RETRY_WINDOW = timedelta(days=3)
MAX_BACKOFF = timedelta(hours=6)
ROTATION_OVERLAP = timedelta(hours=24)
FAN_OUT_BATCH = 500
MAX_ENDPOINTS_PER_CONTRACT = 5


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
            on_commit_here(lambda ids=ids: _enqueue(ids))  # type: ignore[misc]
        endpoint.cursor = cursor
        created += len(events)


def _enqueue(ids: list[int]) -> None:
    from billing.tasks import webhook_deliver_task

    for pk in ids:
        # Not queued now (broker down): `deliveries_due` picks it up on its next run.
        delay_or_defer(webhook_deliver_task, pk, deferred=f"delivery {pk} waits for the sweep")


def deliveries_due(*, limit: int = 1000) -> list[int]:
    """Pending deliveries of enabled endpoints whose next attempt is due."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now(),
            endpoint__enabled=True,
        ).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )  # fmt: skip


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


def delivery_attempt(delivery_id: int) -> Outcome | None:
    """One attempt at a pending, due delivery (None: not due, taken by another worker, or its
    endpoint is disabled)."""
    now = timezone.now()
    lease = now + timedelta(seconds=3 * settings.BILLING_WEBHOOK_TIMEOUT + 30)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                       endpoint__enabled=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=lease, attempts=F("attempts") + 1)
    )  # fmt: skip
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "credit-platform-webhooks/1",
        SIGNATURE_HEADER: webhook_signature(endpoint, body, int(time.time())),
        EVENT_ID_HEADER: delivery.event_id,
    }
    code: int | None = None
    error = ""
    try:
        code = _post(endpoint.url, body, headers)
    except WebhookFailure as failure:
        error = failure.message
    now = timezone.now()
    if code is not None and 200 <= code < 300:
        outcome = Outcome(DeliveryStatus.DELIVERED, code, "")
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=outcome.status, response_code=code, last_error="", delivered_at=now,
            next_attempt_at=None,
        )  # fmt: skip
        return outcome
    if code is not None:
        error = f"接收方应答 HTTP {code}"
    backoff = min(timedelta(minutes=2 ** (delivery.attempts - 1)), MAX_BACKOFF)
    if now + backoff > delivery.retry_until:
        outcome = Outcome(DeliveryStatus.FAILED, code, error)
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=outcome.status, response_code=code, last_error=error[:300], failed_at=now,
            next_attempt_at=None,
        )  # fmt: skip
        return outcome
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        response_code=code, last_error=error[:300], next_attempt_at=now + backoff
    )
    return Outcome(DeliveryStatus.PENDING, code, error)


class WebhookFailure(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to the URL, checked and resolved now; the answer's status code. Redirects are not
    followed (a 3xx is a failed attempt)."""
    try:
        destination = destination_resolve(url, any_host=True)
    except EgressRefused as refused:
        raise WebhookFailure(_worded(refused)) from refused
    seconds = settings.BILLING_WEBHOOK_TIMEOUT
    try:
        connection = CheckedConnection(
            destination, timeout=seconds, ca_file=settings.BILLING_WEBHOOK_CA_FILE
        )
        try:
            connection.request("POST", destination.target, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read(4096)
            return answer.status
        finally:
            connection.close()
    except ssl.SSLCertVerificationError as error:
        raise WebhookFailure(f"接收方的HTTPS证书未通过校验：{error.verify_message}") from error
    except TimeoutError as error:
        raise WebhookFailure(f"接收方在{seconds}秒内没有应答") from error
    except (http.client.HTTPException, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise WebhookFailure(f"无法连接接收方：{reason}") from error


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
