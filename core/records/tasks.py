"""Celery tasks for records (thin: they call services)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.records.retention import records_retention_delete
from core.records.services import records_expire_due


@shared_task(name="records.records_expire_due_task")
def records_expire_due_task() -> int:
    """In one district's schema: mark records whose publicity ended (idempotent)."""
    return records_expire_due(today=timezone.localdate(), actor=Actor.system("daily-expiry"))


@shared_task(name="records.records_expire_due_everywhere_task")
def records_expire_due_everywhere_task() -> list[str]:
    """From beat, in public: queue the daily expiry in every live district's own schema."""
    from tenants.selectors import live_district_schemas

    schemas = live_district_schemas()
    for schema in schemas:
        with schema_context(schema):
            records_expire_due_task.delay()
    return schemas


@shared_task(name="records.records_retention_delete_task")
def records_retention_delete_task() -> dict[str, int]:
    """In one district's schema: delete negative information about people kept past its
    retention (征信业管理条例 Art. 16). Idempotent; returns the records deleted by kind."""
    run = records_retention_delete(
        today=timezone.localdate(), actor=Actor.system("daily-retention")
    )
    return run.by_kind()


@shared_task(name="records.records_retention_delete_everywhere_task")
def records_retention_delete_everywhere_task() -> list[str]:
    """From beat, in public: queue the daily retention deletion in every live district's schema
    (archived and suspended ones too: the duty to delete does not pause)."""
    from tenants.selectors import live_district_schemas

    schemas = live_district_schemas()
    for schema in schemas:
        with schema_context(schema):
            records_retention_delete_task.delay()
    return schemas
