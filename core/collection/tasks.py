"""Celery tasks for collection (thin: they call services)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django_tenants.utils import schema_context

from core.collection.services import BatchBusy, batch_ingest, batches_requeue

BUSY_RETRY_SECONDS = 30


@shared_task(name="collection.batch_ingest_task", acks_late=True, bind=True, max_retries=20)
def batch_ingest_task(self: Any, batch_id: int) -> dict[str, int]:
    """Ingest one uploaded file in the district's schema; idempotent for a finished batch. A
    second delivery while the first still runs waits (tries again every 30 s)."""
    try:
        batch = batch_ingest(batch_id=batch_id)
    except BatchBusy as busy:
        raise self.retry(countdown=BUSY_RETRY_SECONDS) from busy
    return {
        "stored": batch.stored,
        "updated": batch.updated,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
    }


@shared_task(name="collection.batches_requeue_everywhere_task")
def batches_requeue_everywhere_task() -> dict[str, list[int]]:
    """From beat (and from every worker when it connects to the broker), in public: queue again,
    in each live district, the uploads whose task may have been lost (`batches_requeue`)."""
    return batches_requeue_everywhere()


def batches_requeue_everywhere() -> dict[str, list[int]]:
    from tenants.selectors import live_district_schemas

    queued = {}
    for schema in live_district_schemas():
        with schema_context(schema):
            found = batches_requeue()
        if found:
            queued[schema] = found
    return queued
