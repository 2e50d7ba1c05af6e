"""`migrate_schemas` walks every District row. A purged district keeps its row (its slug and the
record of what happened stay) but its schema is gone, and django-tenants would stop the whole
upgrade on it. The executors here are django-tenants' own, minus purged districts; a live
district whose schema is missing still fails loudly. Chosen by settings.GET_EXECUTOR_FUNCTION."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django_tenants.migration_executors import get_executor
from django_tenants.migration_executors.base import MigrationExecutor

from tenants.enums import DistrictStatus


def executor_for(codename: str | None = None) -> type[MigrationExecutor]:
    base: Any = get_executor(codename)

    def run_migrations(self: Any, tenants: Iterable[str] | None = None) -> Any:
        return base.run_migrations(self, tenants=_without_purged(list(tenants or [])))

    return type(f"Live{base.__name__}", (base,), {"run_migrations": run_migrations})


def _without_purged(schemas: list[str]) -> list[str]:
    from django_tenants.utils import get_public_schema_name

    from tenants.models import District

    if all(s == get_public_schema_name() for s in schemas):
        return schemas  # the public schema first: the district table may not exist yet
    purged = set(
        District.objects.filter(status=DistrictStatus.PURGED).values_list("schema_name", flat=True)
    )
    return [s for s in schemas if s not in purged]
