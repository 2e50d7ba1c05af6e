"""Celery tasks for retention (thin: they call services)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.retention.services import records_retention_delete


@shared_task(name="retention.records_retention_delete_task")
def records_retention_delete_task() -> dict[str, int]:
    """In one district's schema: delete negative information about people kept past its
    retention (征信业管理条例 Art. 16). Idempotent; returns the records deleted by kind."""
    run = records_retention_delete(
        today=timezone.localdate(), actor=Actor.system("daily-retention")
    )
    return run.by_kind()


@shared_task(name="retention.records_retention_delete_everywhere_task")
def records_retention_delete_everywhere_task() -> list[str]:
    """From beat, in public: queue the daily retention deletion in every live district's schema
    (archived and suspended ones too: the duty to delete does not pause)."""
    from tenants.selectors import live_district_schemas

    schemas = live_district_schemas()
    for schema in schemas:
        with schema_context(schema):
            records_retention_delete_task.delay()
    return schemas
