"""The task queue `python3 dev.py demo` starts for itself (core/config/local_services.py): a private
Redis and a Celery worker of the production app, for real. A district's task goes through it and
runs in the district's schema; stopping it, or Ctrl-C to the demo's runner, leaves no process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.config.celery_app import create_app
from core.config.local_services import ROOT, TaskQueue, port_open, task_queue_start, wait_for
from tests.infra.test_gunicorn import database_url

TASK = "tests.support.write_current_schema"


def _environment() -> dict[str, str]:
    """The demo's environment, on the test database, with no Redis configured."""
    unset = ("CELERY_BROKER_URL", "REDIS_URL", "CELERY_RESULT_BACKEND")
    return {k: v for k, v in os.environ.items() if k not in unset} | {
        "DATABASE_URL": database_url()
    }


def _processes() -> dict[int, tuple[int, int]]:
    """Every process on the machine: pid → (parent pid, process group)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        found[int(stat.parent.name)] = (int(fields[1]), int(fields[2]))
    return found


def _family(*roots: int) -> set[int]:
    """`roots`, their descendants, and every process in a group one of them leads."""
    processes = _processes()
    family = set(roots)
    while grown := {p for p, (parent, _) in processes.items() if parent in family} - family:
        family |= grown
    return family | {p for p, (_, group) in processes.items() if group in family}


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_processes())


@pytest.fixture
def queue(django_db_setup: None, tmp_path: Path) -> Iterator[TaskQueue]:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc to find the processes left")
    started = task_queue_start(
        _environment(), log=tmp_path / "worker.log", include=["tests.support.tasks"]
    )
    yield started
    started.stop()  # again, if the test did not get to it (stopping twice is harmless)


def test_a_districts_task_goes_through_the_demos_worker_which_then_stops_with_its_redis(
    queue: TaskQueue, tmp_path: Path, django_db_blocker: Any
) -> None:
    assert queue.redis is not None
    assert queue.redis.process is not None
    broker = queue.environment["CELERY_BROKER_URL"]
    port = int(broker.rsplit(":", 1)[1].split("/")[0])
    try:
        sender = create_app(broker_url=broker, task_always_eager=False)
        written = tmp_path / "schema.txt"
        with django_db_blocker.unblock(), schema_context("wanzhou"):
            sender.send_task(TASK, args=[str(written)])
        sender.close()
        wait_for(lambda: written.exists() and written.read_text(encoding="utf-8"), "the task", 60)
        started = _family(queue.worker.pid, queue.redis.process.pid)
        # The worker's main process and its pool's child, in the worker's group.
        pool = {p for p, (_, group) in _processes().items() if group == queue.worker.pid}
    finally:
        queue.stop()

    assert written.read_text(encoding="utf-8") == "wanzhou"
    assert queue.environment == {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "REDIS_URL": f"redis://127.0.0.1:{port}/1",
    }
    assert len(pool) >= 2
    assert _alive(started) == set()
    assert not port_open(port)
    assert queue.redis.workdir is not None
    assert not queue.redis.workdir.exists()


def test_ctrl_c_to_the_demos_runner_stops_the_server_the_worker_and_redis(
    django_db_setup: None, tmp_path: Path
) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc to find the processes left")
    # A stand-in for the web server: says which broker it was given, then serves until stopped.
    server = "import os, time; print('broker', os.environ['CELERY_BROKER_URL'], flush=True); time.sleep(600)"  # noqa: E501
    runner = subprocess.Popen(
        [sys.executable, "-m", "core.config.local_services", "--", sys.executable, "-c", server],
        cwd=ROOT, env=_environment() | {"CREDIT_DATA_DIR": str(tmp_path)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert runner.stdout is not None
    lines: list[str] = []
    try:
        while not (lines and lines[-1].startswith("broker ")):
            line = runner.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        started = _family(runner.pid) - {runner.pid}
        runner.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends the runner
        rest, _ = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()

    assert runner.returncode == 0, "".join(lines) + rest
    assert lines[-1].startswith("broker redis://127.0.0.1:")
    assert "stopping the Celery worker and Redis" in rest
    assert len(started) >= 4  # the server, Redis, the worker and its pool
    assert _alive(started) == set()
    assert (tmp_path / "worker.log").exists()
