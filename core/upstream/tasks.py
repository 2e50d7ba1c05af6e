"""Celery tasks for upstream reporting (thin: they call services)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.upstream.selectors import batches_due
from core.upstream.services import outbox_batch_send, outbox_batches_send_due

ACTOR = "upstream-push"


@shared_task(name="upstream.outbox_batch_send_task")
def outbox_batch_send_task(batch_pk: int) -> str:
    """In one district's schema: one attempt to deliver a batch (idempotent). Returns its status."""
    return outbox_batch_send(batch_pk=batch_pk, actor=Actor.system(ACTOR)).status


@shared_task(name="upstream.outbox_batches_send_due_task")
def outbox_batches_send_due_task() -> int:
    """In one district's schema: attempt every batch that is due. Returns how many."""
    return len(outbox_batches_send_due(actor=Actor.system(ACTOR)))


@shared_task(name="upstream.outbox_batches_send_due_everywhere_task")
def outbox_batches_send_due_everywhere_task() -> list[str]:
    """From beat, in public: queue the due sends in each live district that has any due."""
    from tenants.selectors import live_district_schemas

    queued = []
    now = timezone.now()
    for schema in live_district_schemas():
        with schema_context(schema):
            if batches_due(now=now).exists():
                outbox_batches_send_due_task.delay()
                queued.append(schema)
    return queued
