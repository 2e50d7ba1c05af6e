"""Threshold notices at 80 / 90 / 100 % of a monthly cap or of a wallet, each sent once per basis
(the month for caps, the last top-up for wallets), by e-mail and by a signed webhook.

The webhook body is JSON; the header `X-Credit-Signature: t=<unix time>,v1=<hex>` carries
HMAC-SHA256 over `<t>.<body>` with the customer's webhook secret (Stripe's scheme), so the
receiver can check both origin and freshness."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from billing.enums import NOTICE_THRESHOLDS, BillingMode, NoticeMeasure
from billing.models import Contract, ThresholdNotice, WalletTopUp
from core.common.broker import delay_or_defer
from core.common.tenancy import on_commit_here

if TYPE_CHECKING:
    from billing.selectors import MonthUsage

SIGNATURE_HEADER = "X-Credit-Signature"


def _crossed(before: Decimal, after: Decimal, limit: Decimal) -> list[int]:
    if limit <= 0:
        return []
    return [t for t in NOTICE_THRESHOLDS if before * 100 < limit * t <= after * 100]


def notices_raise(
    *, contract: Contract, before: MonthUsage, after: MonthUsage, today: date
) -> list[int]:
    """Create the notices this charge crossed into (under the contract lock) and send them after
    commit. Returns the new notices' ids."""
    found: list[tuple[str, str, int, str]] = []
    month = f"{today:%Y-%m}"
    if contract.monthly_cap_units:
        cap = Decimal(contract.monthly_cap_units)
        for t in _crossed(Decimal(before.units), Decimal(after.units), cap):
            found.append(
                (NoticeMeasure.CAP_UNITS, month, t, f"{after.units}/{contract.monthly_cap_units}次")
            )
    if contract.monthly_cap_yuan:
        for t in _crossed(before.amount_yuan, after.amount_yuan, contract.monthly_cap_yuan):
            found.append(
                (
                    NoticeMeasure.CAP_YUAN,
                    month,
                    t,
                    f"{after.amount_yuan}/{contract.monthly_cap_yuan}元",
                )
            )
    top_up = (
        WalletTopUp.objects.filter(contract=contract).order_by("-at", "-id").first()
        if contract.mode == BillingMode.PREPAID
        else None
    )
    if top_up is not None:
        spent_after = top_up.balance_after_yuan - contract.wallet_balance_yuan
        spent_before = spent_after - (after.amount_yuan - before.amount_yuan)
        for t in _crossed(spent_before, spent_after, top_up.balance_after_yuan):
            found.append((NoticeMeasure.WALLET, f"topup:{top_up.pk}", t,
                          f"余额{contract.wallet_balance_yuan}/{top_up.balance_after_yuan}元"))  # fmt: skip
    created = []
    for measure, basis, threshold, used in found:
        notice, new = ThresholdNotice.objects.get_or_create(
            contract=contract, measure=measure, basis=basis, threshold=threshold,
            defaults={"used": used},
        )  # fmt: skip
        if new:
            created.append(notice.pk)
    for pk in created:
        on_commit_here(lambda pk=pk: _enqueue(pk))  # type: ignore[misc]
    return created


def _enqueue(notice_id: int) -> None:
    from billing.tasks import notice_send_task

    # A notice not queued now (broker down) is sent by the retry sweep (notices_retry_task).
    delay_or_defer(
        notice_send_task, notice_id, deferred=f"notice {notice_id} waits for the retry sweep"
    )


def notice_payload(notice: ThresholdNotice) -> dict[str, Any]:
    contract = notice.contract
    return {
        "type": "usage.threshold",
        "contract": contract.number,
        "district": contract.district.name,
        "measure": notice.measure,
        "threshold": notice.threshold,
        "used": notice.used,
        "at": timezone.localtime(notice.created_at).isoformat(),
    }


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def notice_send(notice_id: int) -> None:
    """Send one notice by e-mail (once) and webhook (once it succeeds). Raises on a webhook failure
    so the task retries with backoff; what was already sent is not sent again."""
    notice = ThresholdNotice.objects.select_related("contract__customer", "contract__district").get(
        pk=notice_id
    )
    customer = notice.contract.customer
    measure = NoticeMeasure(notice.measure).label
    if notice.email_sent_at is None:
        send_mail(
            subject=f"【用量提醒】{notice.contract.district.name} {measure}已达{notice.threshold}%",
            message=(
                f"{customer.name}：\n\n贵机构合同 {notice.contract.number}（{notice.contract.district.name}）"
                f"的{measure}已使用{notice.threshold}%（{notice.used}）。"
                + (
                    "\n已达上限，此后的调用将被拒绝，直至下一账期或调整合同。"
                    if notice.threshold >= 100
                    else ""
                )
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[customer.contact_email],
        )
        ThresholdNotice.objects.filter(pk=notice.pk).update(email_sent_at=timezone.now())
    if customer.webhook_url and notice.webhook_sent_at is None:
        body = json.dumps(notice_payload(notice), ensure_ascii=False).encode()
        request = urllib.request.Request(
            customer.webhook_url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     SIGNATURE_HEADER: sign(customer.webhook_secret, body, int(time.time()))},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(
                request, timeout=settings.BILLING_WEBHOOK_TIMEOUT
            ) as answer:
                status = f"HTTP {answer.status}"
        except urllib.error.HTTPError as error:
            ThresholdNotice.objects.filter(pk=notice.pk).update(webhook_status=f"HTTP {error.code}")
            raise
        except (urllib.error.URLError, TimeoutError) as error:
            ThresholdNotice.objects.filter(pk=notice.pk).update(webhook_status=str(error)[:100])
            raise
        ThresholdNotice.objects.filter(pk=notice.pk).update(
            webhook_sent_at=timezone.now(), webhook_status=status
        )
