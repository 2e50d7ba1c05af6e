"""With the broker unreachable, work queued after a commit is deferred, never an error: the commit
stands, a WARNING says what catches up (each has a sweep on the beat), and the caller goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from core.config.celery_app import app
from tests.support.servers import free_port


@pytest.fixture
def dead_broker() -> Iterator[None]:
    """The project's app pointed at a port nobody listens on, with connections of its own (the
    app's usual ones are put back afterwards, untouched)."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    pools = app._pool, app.amqp._producer_pool
    app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(saved)
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool, app.amqp._producer_pool = pools


def _upstream() -> None:
    from core.upstream.services.building import _enqueue

    _enqueue(41)


def _notice() -> None:
    from billing.services.notices import _enqueue

    _enqueue(42)


def _spares() -> None:
    from provisioning.services.onboarding import _refill_spares

    _refill_spares()


@pytest.mark.parametrize(
    ("enqueue", "task", "deferred"),
    [
        (_upstream, "upstream.outbox_batch_send_task", "outbox batch 41 waits for the sweep"),
        (_notice, "billing.notice_send_task", "notice 42 waits for the retry sweep"),
        (_spares, "tenants.spare_pool_fill_task", "the spare pool waits for the beat's refill"),
    ],
)
def test_queued_work_is_deferred_when_the_broker_is_down(
    dead_broker: None,
    caplog: pytest.LogCaptureFixture,
    settings: object,
    enqueue: Callable[[], None],
    task: str,
    deferred: str,
) -> None:
    with caplog.at_level(logging.WARNING):
        enqueue()

    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage().startswith(f"broker unreachable, {task} not queued (")
    assert warning.getMessage().endswith(f"): {deferred}")
