"""Building batches: what changed in a period and was not yet reported to an endpoint, written
once with its payloads (at most 5,000 items to a batch) and queued for sending; re-sending a
failed one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.errors import Conflict, NotFound, ValidationFailed
from core.common.tenancy import current_schema, on_commit_here
from core.upstream.enums import Action, OutboxBatchStatus
from core.upstream.models import OutboxBatch, OutboxItem, UpstreamEndpoint
from core.upstream.permissions import UPSTREAM_MANAGE
from core.upstream.selectors import (
    Reported,
    ReportItem,
    payload_hash,
    report_items,
    reported_to,
    unfinished_batch,
)
from core.upstream.services.periods import check_period

MAX_ITEMS_PER_BATCH = 5000
BUILD_CHUNK = 2000


def _due(item: ReportItem, digest: str, before: Reported | None) -> bool:
    """Whether `item` must be sent, given what the endpoint was last sent about the record:
    an addition unless that exact payload was sent already (accepted or rejected: a rejected row
    is sent again once it changes); a withdrawal or repair only when upstream holds the record as
    published and was not already sent that action."""
    if item.action == Action.ADD:
        return before is None or (before.action, before.payload_hash) != (Action.ADD, digest)
    if before is None or before.action == item.action:
        return False
    return before.published_upstream


def outbox_batches_build(
    *, actor: User, endpoint_id: int, start: date, end: date
) -> list[OutboxBatch]:
    """Write the batches that report a period to an endpoint (district admins): every 双公示
    record whose state changed in the period and that the endpoint has not been sent in that
    state, at most 5,000 to a batch. Refused while an earlier batch of the endpoint is unanswered
    (so what upstream holds is always known). Sending starts after commit. Returns the batches
    (none when there is nothing new)."""
    require(actor, UPSTREAM_MANAGE)
    today = timezone.localdate()
    check_period(start=start, end=end, today=today)
    with transaction.atomic():
        endpoint = UpstreamEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound("没有这个上级平台", field="endpoint", code="NOT_FOUND")
        if not endpoint.enabled:
            raise ValidationFailed(
                f"“{endpoint.name}”未启用推送：请先填写访问令牌并启用（上报地址由运营方设置）",
                field="endpoint",
                code="DISABLED",
            )
        waiting = unfinished_batch(endpoint=endpoint)
        if waiting is not None:
            raise Conflict(
                f"上一批次（{waiting.created_at:%Y-%m-%d %H:%M}生成，{waiting.get_status_display()}）"
                "尚未完成上报：请等待其完成，发送失败的请先重新发送",
                code="BATCH_UNFINISHED",
            )
        batches = _write_batches(
            endpoint=endpoint, start=start, end=end, today=today, created_by=actor.email
        )
        audit_record(
            actor=Actor.for_user(actor, schema=current_schema()),
            action="upstream.batch.build",
            details={"endpoint": endpoint.pk, "start": start.isoformat(), "end": end.isoformat(),
                     "batches": [str(b.batch_id) for b in batches],
                     "items": sum(b.item_count for b in batches)},
        )  # fmt: skip
        for batch in batches:
            on_commit_here(lambda pk=batch.pk: _enqueue(pk))  # type: ignore[misc]
    return batches


def _write_batches(
    *, endpoint: UpstreamEndpoint, start: date, end: date, today: date, created_by: str
) -> list[OutboxBatch]:
    """The due items of the period, in batches of at most MAX_ITEMS_PER_BATCH. Candidates are
    read and written a chunk at a time, so a first report of years of records stays small in
    memory."""
    now = timezone.now()
    batches: list[OutboxBatch] = []
    for chunk in _chunks(report_items(start=start, end=end, today=today), BUILD_CHUNK):
        before = reported_to(endpoint=endpoint, record_ids=[c.record_id for c in chunk])
        items = []
        for item in chunk:
            payload = item.payload()
            digest = payload_hash(payload)
            if not _due(item, digest, before.get(item.record_id)):
                continue
            if not batches or batches[-1].item_count >= MAX_ITEMS_PER_BATCH:
                batches.append(OutboxBatch.objects.create(
                    endpoint=endpoint, batch_id=uuid.uuid4(), period_start=start, period_end=end,
                    next_attempt_at=now, created_by=created_by, created_at=now,
                ))  # fmt: skip
            batches[-1].item_count += 1
            items.append(OutboxItem(batch=batches[-1], record_id=item.record_id,
                                    action=item.action, payload=payload, payload_hash=digest))  # fmt: skip
        OutboxItem.objects.bulk_create(items, batch_size=1000)
    for batch in batches:
        batch.save(update_fields=["item_count"])
    return batches


def _chunks(items: Iterator[ReportItem], size: int) -> Iterator[list[ReportItem]]:
    chunk: list[ReportItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _enqueue(batch_pk: int) -> None:
    from core.upstream.tasks import outbox_batch_send_task  # tasks import services: import late

    # A batch not queued now (broker down) is sent by the sweep (outbox_batches_send_due_task).
    delay_or_defer(
        outbox_batch_send_task, batch_pk, deferred=f"outbox batch {batch_pk} waits for the sweep"
    )


@transaction.atomic
def outbox_batch_resend(*, actor: User, batch_pk: int) -> OutboxBatch:
    """Send a failed (or waiting) batch again now, with a fresh set of automatic retries
    (district admins). Same batch id, same bytes: upstream never applies it twice."""
    require(actor, UPSTREAM_MANAGE)
    batch = OutboxBatch.objects.select_for_update().filter(pk=batch_pk).first()
    if batch is None:
        raise NotFound("没有这个上报批次", code="NOT_FOUND")
    if batch.status not in (OutboxBatchStatus.FAILED, OutboxBatchStatus.RETRYING):
        raise Conflict(f"该批次{batch.get_status_display()}，无需重新发送", code="NOT_RESENDABLE")
    batch.status, batch.failures_in_row = OutboxBatchStatus.PENDING, 0
    batch.next_attempt_at = timezone.now()
    batch.save(update_fields=["status", "failures_in_row", "next_attempt_at"])
    audit_record(
        actor=Actor.for_user(actor, schema=current_schema()),
        action="upstream.batch.resend",
        details={"batch": str(batch.batch_id), "attempts": batch.attempts},
    )
    on_commit_here(lambda: _enqueue(batch.pk))
    return batch
