"""Celery tasks for records (thin: they call services)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.actors import Actor
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
