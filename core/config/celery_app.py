"""The Celery app. Tasks sent inside a district's schema run in that schema (tenant-schemas-celery)."""

from __future__ import annotations

import os
from typing import Any

from tenant_schemas_celery.app import CeleryApp

# Task logs carry the task id and district; task metrics; the worker's metrics port.
import core.ops.celery  # noqa: F401  (connects its signal receivers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.config.settings")


def create_app(**overrides: Any) -> CeleryApp:
    """Build the app from the CELERY_* settings; `overrides` replace individual settings (tests).
    An app built with overrides never becomes Celery's current app (that stays the module's)."""
    celery = CeleryApp("credit", set_as_current=not overrides)
    celery.config_from_object("django.conf:settings", namespace="CELERY")
    if overrides:
        celery.conf.update(overrides)
    celery.autodiscover_tasks()
    return celery


app = create_app()
