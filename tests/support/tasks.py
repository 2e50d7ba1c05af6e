"""A task used only by the Celery tests: it reports the schema it ran in."""

from __future__ import annotations

from celery import shared_task

from core.common.tenancy import current_schema as schema_now


@shared_task(name="tests.support.current_schema")
def current_schema() -> str:
    return schema_now()
