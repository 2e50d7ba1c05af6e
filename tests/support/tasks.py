"""Tasks used only by tests: one reports the schema it ran in, one logs and may fail."""

from __future__ import annotations

import logging

from celery import shared_task

from core.common.tenancy import current_schema as schema_now


@shared_task(name="tests.support.current_schema")
def current_schema() -> str:
    return schema_now()


@shared_task(name="tests.support.log_and_fail")
def log_and_fail(fail: bool) -> str:
    """Logs a warning; raises when told to (observability tests)."""
    logging.getLogger("tests.support").warning("working in %s", schema_now())
    if fail:
        raise ValueError("told to fail")
    return schema_now()
