"""Tasks used only by tests: one reports the schema it ran in (as its result, or in a file for a
worker with no result backend), one logs and may fail."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task

from core.common.tenancy import current_schema as schema_now


@shared_task(name="tests.support.current_schema")
def current_schema() -> str:
    return schema_now()


@shared_task(name="tests.support.write_current_schema")
def write_current_schema(path: str) -> None:
    Path(path).write_text(schema_now(), encoding="utf-8")


@shared_task(name="tests.support.log_and_fail")
def log_and_fail(fail: bool) -> str:
    """Logs a warning; raises when told to (observability tests)."""
    logging.getLogger("tests.support").warning("working in %s", schema_now())
    if fail:
        raise ValueError("told to fail")
    return schema_now()
