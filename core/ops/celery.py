"""Celery signals: task logs carry the task id and district, task run times and failures become
metrics (from task_prerun and task_postrun: the postrun state covers in-process tasks too, which
never send task_failure when their exception propagates), and a worker serves its metrics on
WORKER_METRICS_PORT.

Connected once, when core/config/celery_app.py imports this module. tenant-schemas-celery's own
task_prerun receiver (connected earlier) has switched to the task's schema by the time ours runs.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Mapping
from contextvars import Token
from pathlib import Path
from typing import Any

from celery import Task, states
from celery.signals import (
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
    worker_ready,
)
from django.conf import settings
from prometheus_client import multiprocess, start_http_server
from tenant_schemas_celery.app import get_schema_name_from_task

from core.common.tenancy import current_schema
from core.ops.context import log_context_bind, log_context_reset
from core.ops.metrics import (
    metrics_registry,
    multiprocess_dir,
    task_failure_count,
    task_observe,
)

logger = logging.getLogger(__name__)

# Per running task (by id): when it started and the log-context token to reset afterwards.
_running: dict[str, tuple[float, Token[Mapping[str, object]]]] = {}


def _district(task: Task[Any, Any], kwargs: Any) -> str:
    return str(get_schema_name_from_task(task, kwargs) or current_schema())


@task_prerun.connect(dispatch_uid="credit_ops_task_prerun")
def task_started(*, task_id: str, task: Task[Any, Any], kwargs: Any = None, **_: Any) -> None:
    token = log_context_bind(task_id=task_id, task=task.name, district=_district(task, kwargs))
    _running[task_id] = (time.perf_counter(), token)


@task_postrun.connect(dispatch_uid="credit_ops_task_postrun")
def task_finished(
    *, task_id: str, task: Task[Any, Any], kwargs: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _running.pop(task_id, None)
    if started is None:
        return
    begun, token = started
    # No state: the exception left the tracer (an in-process task propagating to its caller,
    # which logs it); a worker's failure has state FAILURE and Celery logs its traceback.
    state = state or states.FAILURE
    task_observe(task=task.name, state=state, seconds=time.perf_counter() - begun)
    if state == states.FAILURE:
        task_failure_count(task=task.name, district=_district(task, kwargs))
    log_context_reset(token)


@worker_init.connect(dispatch_uid="credit_ops_worker_init")
def worker_starting(**_: Any) -> None:
    """A worker starts with an empty multiprocess folder (files of a previous run would add
    stale samples); the pool's processes are forked after this."""
    folder = multiprocess_dir()
    if folder:
        _empty(Path(folder))


@worker_ready.connect(dispatch_uid="credit_ops_worker_ready")
def worker_serving(**_: Any) -> None:
    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    start_http_server(port, registry=metrics_registry())
    logger.info("worker metrics on port %s", port)


@worker_process_shutdown.connect(dispatch_uid="credit_ops_worker_process_shutdown")
def worker_process_stopped(**_: Any) -> None:
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _empty(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
