"""Celery tasks for collection (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from core.collection.services import batch_ingest


@shared_task(name="collection.batch_ingest_task", acks_late=True)
def batch_ingest_task(batch_id: int) -> dict[str, int]:
    """Ingest one uploaded file in the district's schema; idempotent for a finished batch."""
    batch = batch_ingest(batch_id=batch_id)
    return {
        "stored": batch.stored,
        "updated": batch.updated,
        "duplicate": batch.duplicate,
        "rejected": batch.rejected,
    }
