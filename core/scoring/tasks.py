"""Celery tasks for scoring (thin: they call services)."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import schema_context

from core.scoring.services import scores_refresh


@shared_task(name="scoring.scores_refresh_task")
def scores_refresh_task(subject_ids: list[int] | None, reason: str) -> int:
    """In one district's schema: rescore these subjects (None: all). Idempotent."""
    return scores_refresh(subject_ids=subject_ids, reason=reason)


@shared_task(name="scoring.scores_refresh_everywhere_task")
def scores_refresh_everywhere_task() -> list[str]:
    """From beat, nightly: recency factors move with the calendar, so every district is rescored
    (only changed scores are written)."""
    from tenants.selectors import live_district_schemas

    schemas = live_district_schemas()
    for schema in schemas:
        with schema_context(schema):
            scores_refresh_task.delay(None, "nightly")
    return schemas
