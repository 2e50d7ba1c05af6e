"""Readiness checks: can this process reach the database, the Celery broker and file storage?

Each check is timed and reports `ok` or `fail`; a failure names only the exception class in the
answer (connection errors carry host names, broker URLs carry passwords) and logs the message at
WARNING for the operator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from kombu import Connection

from core.storage.api import storage_check, storage_kind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    backend: str
    seconds: float
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "status": "ok" if self.ok else "fail",
            "backend": self.backend,
            "seconds": round(self.seconds, 4),
        }
        if self.error:
            answer["error"] = self.error
        return answer


@dataclass(frozen=True)
class Check:
    name: str
    backend: Callable[[], str]  # what it reaches, named without host or credentials
    probe: Callable[[], None]  # raises when it cannot


def _database_probe() -> None:
    """One round trip on this process's own connection (the one requests use)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_backend() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"  # no broker configured: tasks run in the web process
    return urlsplit(settings.CELERY_BROKER_URL).scheme


def _broker_probe() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    timeout = settings.READINESS_TIMEOUT
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def _storage_probe() -> None:
    storage_check(timeout=settings.READINESS_TIMEOUT)


CHECKS = (
    Check("database", lambda: str(connection.vendor), _database_probe),
    Check("broker", _broker_backend, _broker_probe),
    Check("storage", storage_kind, _storage_probe),
)


def readiness_run() -> list[CheckResult]:
    """Run every check in turn; never raises."""
    results = []
    for check in CHECKS:
        started = time.perf_counter()
        error = ""
        try:
            check.probe()
        except Exception as failure:
            error = type(failure).__name__
            logger.warning("readiness check %s failed: %s: %s", check.name, error, failure)
        seconds = time.perf_counter() - started
        results.append(CheckResult(check.name, not error, check.backend(), seconds, error))
    return results
