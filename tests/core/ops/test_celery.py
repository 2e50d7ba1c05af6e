"""Celery tasks: log lines with the task id and district, durations and failures as metrics, and
a worker's own metrics port (a real worker over Redis)."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django_tenants.utils import schema_context

from core.config.celery_app import app
from core.ops.celery import worker_serving, worker_starting
from tests.core.ops.conftest import LogLines, sample, scrape
from tests.core.test_cache import redis_server  # noqa: F401  (session fixture)
from tests.core.test_celery import redis_app  # noqa: F401  (fixture: a worker over Redis)
from tests.support.servers import free_port, wait_for
from tests.support.tasks import log_and_fail

TASK = "tests.support.log_and_fail"


@pytest.mark.django_db
def test_task_log_lines_carry_the_task_id_and_district(json_log: LogLines) -> None:
    with schema_context("wanzhou"):
        result = log_and_fail.delay(False)

    assert result.get(timeout=5) == "wanzhou"
    (line,) = [line for line in json_log() if line["logger"] == "tests.support"]
    assert {key: line[key] for key in ("message", "task_id", "task", "district")} == {
        "message": "working in wanzhou",
        "task_id": result.id,
        "task": TASK,
        "district": "wanzhou",
    }


@pytest.mark.django_db
def test_task_durations_and_failures_are_counted_by_task_and_district() -> None:
    before = scrape()

    with schema_context("kaizhou"):
        log_and_fail.delay(False)
        with pytest.raises(ValueError, match="told to fail"):
            log_and_fail.delay(True)

    after = scrape()
    count = "credit_celery_task_duration_seconds_count"
    for state in ("SUCCESS", "FAILURE"):
        assert sample(after, count, task=TASK, state=state) == (
            sample(before, count, task=TASK, state=state) + 1
        )
    failures = "credit_celery_task_failures_total"
    assert sample(after, failures, task=TASK, district="kaizhou") == (
        sample(before, failures, task=TASK, district="kaizhou") + 1
    )


def test_a_worker_over_redis_logs_and_counts_with_the_senders_district(
    redis_app: Celery,  # noqa: F811
    json_log: LogLines,
) -> None:
    task = redis_app.tasks[TASK]
    failures = {"task": TASK, "district": "kaizhou"}
    before = scrape()
    with schema_context("wanzhou"):
        done = task.delay(False)
    with schema_context("kaizhou"):
        failed = task.delay(True)

    assert done.get(timeout=20) == "wanzhou"
    with pytest.raises(ValueError, match="told to fail"):
        failed.get(timeout=20)
    # The result is stored before the worker logs the failure and runs task_postrun: wait.
    wait_for(lambda: any(line["level"] == "ERROR" for line in json_log()), "the failure's log")
    wait_for(
        lambda: (
            sample(scrape(), "credit_celery_task_failures_total", **failures)
            == sample(before, "credit_celery_task_failures_total", **failures) + 1
        ),
        "the failure count",
        timeout=5,
    )
    lines = json_log()
    worked = {
        line["task_id"]: line["district"] for line in lines if line["logger"] == "tests.support"
    }
    assert worked == {done.id: "wanzhou", failed.id: "kaizhou"}
    (traceback,) = [line for line in lines if line["level"] == "ERROR"]
    assert (traceback["logger"], traceback["task_id"], traceback["district"]) == (
        "celery.app.trace",
        failed.id,
        "kaizhou",
    )
    assert "ValueError: told to fail" in traceback["exc_info"]
    assert app.conf.worker_hijack_root_logger is False


@pytest.fixture
def multiprocess_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "prometheus"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    return folder


def test_a_worker_empties_the_multiprocess_folder_and_serves_it(
    multiprocess_folder: Path, settings: Any
) -> None:
    multiprocess_folder.mkdir()
    (multiprocess_folder / "counter_4242.db").write_bytes(b"stale samples of an earlier run")
    settings.WORKER_METRICS_PORT = port = free_port()

    worker_starting()
    worker_serving()

    assert list(multiprocess_folder.iterdir()) == []
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
