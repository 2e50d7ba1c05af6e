from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery, current_app
from celery.contrib.testing.worker import start_worker
from django_tenants.utils import schema_context

from core.config.celery_app import app, create_app
from tests.core.test_cache import redis_server  # noqa: F401  (session fixture)
from tests.support.servers import RunningServer
from tests.support.tasks import current_schema

TASK = "tests.support.current_schema"


@pytest.mark.django_db
def test_without_a_broker_tasks_run_in_process_in_the_senders_schema() -> None:
    assert app.conf.task_always_eager is True

    with schema_context("wanzhou"):
        assert current_schema.delay().get(timeout=5) == "wanzhou"
    with schema_context("kaizhou"):
        assert current_schema.delay().get(timeout=5) == "kaizhou"
    assert current_schema.delay().get(timeout=5) == "public"


@pytest.fixture
def redis_app(redis_server: RunningServer, django_db_blocker: Any) -> Iterator[Celery]:  # noqa: F811
    worker_app = create_app(
        broker_url=redis_server.url, result_backend=redis_server.url, task_always_eager=False
    )
    worker_app.loader.import_default_modules()
    with (
        django_db_blocker.unblock(),
        start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        yield worker_app
    # start_worker makes its app Celery's current and default app; give that back to the project's.
    app.set_current()
    app.set_default()
    assert current_app._get_current_object() is app  # type: ignore[attr-defined]  # a Proxy


def test_a_worker_over_redis_runs_each_task_in_the_schema_it_was_sent_from(
    redis_app: Celery,
) -> None:
    task = redis_app.tasks[TASK]
    with schema_context("wanzhou"):
        wanzhou = task.delay()
    with schema_context("kaizhou"):
        kaizhou = task.delay()
    public = task.delay()

    assert wanzhou.get(timeout=20) == "wanzhou"
    assert kaizhou.get(timeout=20) == "kaizhou"
    assert public.get(timeout=20) == "public"
