"""The Celery app. Tasks sent inside a district's schema run in that schema (tenant-schemas-celery)."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import bootsteps
from tenant_schemas_celery.app import CeleryApp

# Task logs carry the task id and district; task metrics; the worker's metrics port.
import core.ops.celery  # noqa: F401  (connects its signal receivers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.config.settings")
logger = logging.getLogger("core.celery")


class QueueStrandedUploads(bootsteps.StartStopStep):
    """Each time the worker's consumer connects to the broker (at start, and again after the broker
    was lost and came back), queue the uploads whose task may be lost meanwhile."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, parent: Any) -> None:
        from django.db import DatabaseError, connections
        from kombu.exceptions import OperationalError

        from core.collection.tasks import batches_requeue_everywhere

        try:
            queued = batches_requeue_everywhere()
        except (DatabaseError, OperationalError) as error:
            logger.warning("stranded uploads not checked (%s); beat checks again", error)
            return
        finally:
            # The pool forks children from this process: they must not share its connection.
            connections.close_all()
        if queued:
            logger.warning("uploads queued again after connecting to the broker: %s", queued)


def create_app(**overrides: Any) -> CeleryApp:
    """Build the app from the CELERY_* settings; `overrides` replace individual settings (tests).
    An app built with overrides never becomes Celery's current app (that stays the module's)."""
    celery = CeleryApp("credit", set_as_current=not overrides)
    celery.config_from_object("django.conf:settings", namespace="CELERY")
    celery.steps["consumer"].add(QueueStrandedUploads)
    if overrides:
        celery.conf.update(overrides)
    celery.autodiscover_tasks()
    return celery


app = create_app()
