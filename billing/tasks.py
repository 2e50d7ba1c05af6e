"""Celery tasks for billing (thin: they call services). Billing lives in the public schema."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import ThresholdNotice
from billing.services.invoicing import periods_close_due
from billing.services.monitoring import monitoring_renew_due
from billing.services.notices import notice_send
from billing.services.webhooks import (
    deliveries_due,
    deliveries_send,
    delivery_attempt,
    webhook_digests_send,
    webhooks_fan_out,
)
from core.common.actors import Actor
from core.common.broker import delay_or_defer

log = logging.getLogger(__name__)


@shared_task(name="billing.notice_send_task", bind=True, max_retries=6)
def notice_send_task(self: object, notice_id: int) -> None:
    """Send one threshold notice; a failed webhook is retried with backoff (1, 2, 4 … minutes).
    Run in-process (no broker), a failure is logged and left to `notices_retry_task`."""
    with schema_context("public"):
        try:
            notice_send(notice_id)
        except Exception as error:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                log.warning("threshold notice %s not delivered: %s", notice_id, error)
                return
            retries = self.request.retries  # type: ignore[attr-defined]
            raise self.retry(exc=error, countdown=60 * 2**retries) from error  # type: ignore[attr-defined]


@shared_task(name="billing.notices_retry_task")
def notices_retry_task() -> int:
    """Resend notices whose e-mail or webhook has not gone out (last three days)."""
    with schema_context("public"):
        since = timezone.now() - timedelta(days=3)
        pending = (
            ThresholdNotice.objects.filter(created_at__gte=since)
            .exclude(email_sent_at__isnull=False, webhook_sent_at__isnull=False)
            .exclude(email_sent_at__isnull=False, contract__customer__webhook_url="")
        )
        ids = list(pending.values_list("pk", flat=True))
    for pk in ids:
        notice_send_task.delay(pk)
    return len(ids)


@shared_task(name="billing.periods_close_due_task")
def periods_close_due_task() -> list[str]:
    """Daily: invoice last month once its grace period has passed (idempotent)."""
    with schema_context("public"):
        return [i.number for i in periods_close_due(actor=Actor.system("period-close"))]


@shared_task(name="billing.monitoring_renew_task")
def monitoring_renew_task() -> dict[str, int]:
    """Daily: charge this month's monitoring subscriptions not yet charged (idempotent)."""
    with schema_context("public"):
        return monitoring_renew_due(
            actor=Actor.system("monitoring-renewal"), today=timezone.localdate()
        )


@shared_task(name="billing.webhooks_fan_out_task")
def webhooks_fan_out_task() -> int:
    """Every minute: new monitoring events become deliveries to the enabled webhook endpoints."""
    with schema_context("public"):
        return webhooks_fan_out()


@shared_task(name="billing.webhook_deliveries_send_task")
def webhook_deliveries_send_task(endpoint_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """One attempt at each of a batch of one endpoint's deliveries, on one connection; a failed
    attempt is rescheduled on its row (backoff) and picked up again by `webhooks_retry_task`.
    Returns how many ended in each status."""
    with schema_context("public"):
        outcomes = deliveries_send(endpoint_id=endpoint_id, delivery_ids=delivery_ids)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


@shared_task(name="billing.webhook_deliver_task")
def webhook_deliver_task(delivery_id: int) -> str:
    """One attempt at one delivery (queued one by one before the batches; kept for messages
    still in the broker)."""
    with schema_context("public"):
        outcome = delivery_attempt(delivery_id)
    return "" if outcome is None else outcome.status


@shared_task(name="billing.webhooks_retry_task")
def webhooks_retry_task() -> int:
    """Every minute: queue the deliveries whose next attempt is due, in batches per endpoint."""
    with schema_context("public"):
        batches = deliveries_due()
    for endpoint_id, ids in batches:
        delay_or_defer(webhook_deliveries_send_task, endpoint_id, ids,
                       deferred=f"{len(ids)} deliveries to endpoint {endpoint_id} wait for the sweep")  # fmt: skip
    return sum(len(ids) for _, ids in batches)


@shared_task(name="billing.webhook_digests_task")
def webhook_digests_task() -> int:
    """Daily: yesterday's events and failed deliveries by e-mail, for endpoints that asked."""
    with schema_context("public"):
        return webhook_digests_send(timezone.localdate() - timedelta(days=1))


@shared_task(name="billing.bulk_job_task")
def bulk_job_task(job_id: int) -> bool:
    """Process a bulk job a few chunks at a time, queueing the next run while rows remain; a rerun
    (or a second worker) resumes at the first pending row and charges nothing twice."""
    from billing.services.bulk_jobs import bulk_job_run

    with schema_context("public"):
        more = bulk_job_run(job_id)
    if more:
        delay_or_defer(bulk_job_task, job_id, deferred=f"bulk job {job_id} waits for a rerun")
    return more


@shared_task(name="billing.bulk_jobs_resume_task")
def bulk_jobs_resume_task() -> int:
    """Every 10 minutes: queue again the bulk jobs no worker is finishing."""
    from billing.services.bulk_jobs import bulk_jobs_stalled

    with schema_context("public"):
        stalled = bulk_jobs_stalled()
    for job_id in stalled:
        delay_or_defer(bulk_job_task, job_id, deferred=f"bulk job {job_id} waits for a rerun")
    return len(stalled)
