"""Queueing a batch's ingest once its mapping is confirmed and its transaction committed."""

from __future__ import annotations

from core.common.broker import delay_or_defer
from core.common.tenancy import on_commit_here


def ingest_enqueue_on_commit(batch_id: int) -> None:
    on_commit_here(lambda: ingest_enqueue(batch_id))


def ingest_enqueue(batch_id: int) -> bool:
    from core.collection.tasks import batch_ingest_task  # tasks import services: import late

    # The batch is committed as queued; if the broker is down it stays so until a sweep queues it
    # again (batches_requeue): the upload is never lost and never an error page.
    return delay_or_defer(
        batch_ingest_task,
        batch_id,
        deferred=f"batch {batch_id} stays queued until the broker is back",
    )
