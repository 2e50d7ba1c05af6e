"""Settings for the upgrade benchmark's extra run: the project's, with django-tenants'
multiprocessing executor at BENCH_MIGRATE_PROCESSES processes (the project runs its default, 2)."""

import os

from core.config.settings import *  # noqa: F403

TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("BENCH_MIGRATE_PROCESSES", "2"))
