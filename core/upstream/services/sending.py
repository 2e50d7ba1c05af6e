"""Sending a batch: the same bytes under the same batch id until upstream answers, its per-item
answer recorded on the items; failures retried with exponential backoff, or the batch fails until
an admin re-sends it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.identifiers import mask_resident_id
from core.records.drafts import is_sealed
from core.upstream.enums import ItemResult, OutboxBatchStatus
from core.upstream.models import OutboxBatch, OutboxItem
from core.upstream.selectors import batches_due
from core.upstream.services.periods import envelope
from core.upstream.transport import UpstreamFailure, post_batch

# Automatic retries: 1, 2, 4 … minutes after each failure, at most 6 hours apart, 10 in a row.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
MAX_FAILURES_IN_ROW = 10
# How long a sender may hold a batch before another may take it over (a stopped worker).
SEND_LEASE = timedelta(minutes=5)


def batch_body(batch: OutboxBatch) -> bytes:
    """The batch as sent, every time: envelope, batch id and the items' stored payloads."""
    head = envelope(start=batch.period_start, end=batch.period_end)
    items = list(batch.items.order_by("id").values_list("payload", flat=True))
    document = {**head, "batch_id": str(batch.batch_id),
                "created_at": timezone.localtime(batch.created_at).isoformat(), "items": items}  # fmt: skip
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def retry_delay(failures_in_row: int) -> timedelta:
    """Exponential backoff: 1, 2, 4 … minutes, capped at 6 hours."""
    delay: timedelta = RETRY_BASE * 2 ** max(failures_in_row - 1, 0)
    return min(delay, RETRY_CAP)


def _claim(batch_pk: int, now: datetime) -> OutboxBatch | None:
    """Take the batch for one attempt (count it, hold a lease), if it is due and enabled."""
    with transaction.atomic():
        batch = (
            OutboxBatch.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=batch_pk)
            .first()
        )
        if batch is None or batch.status in (OutboxBatchStatus.DONE, OutboxBatchStatus.FAILED):
            return None
        if batch.status == OutboxBatchStatus.SENDING and (batch.next_attempt_at or now) > now:
            return None  # another sender holds it
        if not batch.endpoint.enabled:
            return None  # waits until the endpoint is enabled again
        batch.status, batch.attempts = OutboxBatchStatus.SENDING, batch.attempts + 1
        batch.last_attempt_at, batch.next_attempt_at = now, now + SEND_LEASE
        batch.save(update_fields=["status", "attempts", "last_attempt_at", "next_attempt_at"])
        return batch


def outbox_batch_send(*, batch_pk: int, actor: Actor) -> OutboxBatch:
    """One attempt to deliver a batch (idempotent: a done, failed or busy batch is left alone).
    Upstream's answer is recorded per item; a failure is recorded with its reason and retried
    later with exponential backoff, or the batch fails (a refused token, a 4xx, or ten failures
    in a row) until an admin re-sends it."""
    now = timezone.now()
    batch = _claim(batch_pk, now)
    if batch is None:
        return OutboxBatch.objects.get(pk=batch_pk)
    endpoint = batch.endpoint
    item_ids = set(batch.items.values_list("record_id", flat=True))
    try:
        answers = post_batch(
            url=endpoint.url,
            token=endpoint.token,
            batch_id=str(batch.batch_id),
            body=batch_body(batch),
            item_ids=item_ids,
        )
    except UpstreamFailure as failure:
        return _failed(batch, failure, actor)
    with transaction.atomic():
        items = list(batch.items.select_for_update())
        for item in items:
            answer = answers[item.record_id]
            item.result = ItemResult.ACCEPTED if answer.accepted else ItemResult.REJECTED
            item.reason = answer.reason
            # Done: never sent again, so people's numbers need not stay here in clear (the
            # payload's hash still proves what was sent; the records keep them sealed).
            item.payload = _masked(item.payload)
        OutboxItem.objects.bulk_update(items, ["result", "reason", "payload"], batch_size=1000)
        batch.accepted = sum(1 for a in answers.values() if a.accepted)
        batch.rejected = len(answers) - batch.accepted
        batch.status, batch.last_error, batch.failures_in_row = OutboxBatchStatus.DONE, "", 0
        batch.next_attempt_at, batch.finished_at = None, timezone.now()
        batch.save(update_fields=["accepted", "rejected", "status", "last_error",
                                  "failures_in_row", "next_attempt_at", "finished_at"])  # fmt: skip
        audit_record(
            actor=actor,
            action="upstream.batch.done",
            details={"batch": str(batch.batch_id), "endpoint": endpoint.name,
                     "attempts": batch.attempts, "accepted": batch.accepted,
                     "rejected": batch.rejected},
        )  # fmt: skip
    return batch


def _masked(payload: dict[str, Any]) -> dict[str, Any]:
    fields = {
        code: mask_resident_id(value) if value and is_sealed(code) else value
        for code, value in payload.get("fields", {}).items()
    }
    return payload | {"fields": fields}


def _failed(batch: OutboxBatch, failure: UpstreamFailure, actor: Actor) -> OutboxBatch:
    with transaction.atomic():
        batch.failures_in_row += 1
        batch.last_error = failure.message[:500]
        if failure.permanent or batch.failures_in_row >= MAX_FAILURES_IN_ROW:
            batch.status, batch.next_attempt_at = OutboxBatchStatus.FAILED, None
        else:
            # Counted from the attempt's start (set by _claim), so the schedule is exact.
            started = batch.last_attempt_at or timezone.now()
            batch.status = OutboxBatchStatus.RETRYING
            batch.next_attempt_at = started + retry_delay(batch.failures_in_row)
        batch.save(update_fields=["failures_in_row", "last_error", "status", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="upstream.batch.attempt_failed",
            details={"batch": str(batch.batch_id), "attempt": batch.attempts,
                     "error": batch.last_error, "gave_up": batch.status == OutboxBatchStatus.FAILED},
        )  # fmt: skip
    return batch


def outbox_batches_send_due(*, actor: Actor) -> list[OutboxBatch]:
    """Attempt every batch whose next attempt is due (from beat). Returns them as left."""
    due = list(batches_due(now=timezone.now()).values_list("pk", flat=True))
    return [outbox_batch_send(batch_pk=pk, actor=actor) for pk in due]
