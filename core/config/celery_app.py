"""The Celery app. Tasks sent inside a district's schema run in that schema (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.config.settings")

app = CeleryApp("credit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
