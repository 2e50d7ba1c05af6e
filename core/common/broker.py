"""Queueing a task when the broker may be down.

A task queued after a commit (an upload's ingest, a rescore) must not turn a committed write into an
error page when Redis cannot be reached: Celery has already retried the publish (about half a
second), so the failure is logged and the caller's committed state says what is still to do; a
sweep queues it again once the broker is back (docs/operations.md, "When a dependency fails")."""

from __future__ import annotations

import logging
from typing import Any

from kombu.exceptions import OperationalError

logger = logging.getLogger("core.broker")


def delay_or_defer(task: Any, *args: Any, deferred: str) -> bool:
    """`task.delay(*args)`; False (logged at WARNING with `deferred`, what catches up) when the
    broker is unreachable."""
    try:
        task.delay(*args)
    except OperationalError as error:
        logger.warning(
            "broker unreachable, %s not queued (%s): %s",
            task.name,
            type(error).__name__,
            deferred,
            extra={"task": task.name},
        )
        return False
    return True
