"""The pre-migrated template schema that every new district is cloned from.

The template is a tenant row of its own (kind=template, no domain), so `migrate_schemas` keeps it
current along with every district. Onboarding also checks it against the migrations on disk and
migrates it first when it is behind, so a new district is never cloned from a stale schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from core.common.tenancy import use_public_schema
from tenants.enums import DistrictKind
from tenants.models import District


def template_schema_name() -> str:
    return str(settings.TENANT_BASE_SCHEMA)


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(name: str) -> Iterator[None]:
    """A session-level PostgreSQL advisory lock, shared by every process using the database."""
    key = _lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def expected_migrations() -> set[tuple[str, str]]:
    """Every migration on disk. migrate_schemas records all of them in each schema; the router
    decides which ones run operations there."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations)


def applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
        row = cursor.fetchone()
        if row is None or row[0] is None:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return {(str(app), str(name)) for app, name in cursor.fetchall()}


def migration_fingerprint() -> str:
    """Names the migration set on disk; a schema cloned under another fingerprint is stale."""
    names = sorted(f"{app}.{name}" for app, name in expected_migrations())
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def template_missing_migrations() -> set[tuple[str, str]]:
    return expected_migrations() - applied_migrations(template_schema_name())


def template_ensure(*, verbosity: int = 0) -> bool:
    """Make sure the template row and schema exist and carry every migration. Returns True when it
    had to create or migrate the template."""
    name = template_schema_name()
    use_public_schema()
    if schema_exists(name) and not template_missing_migrations():
        return False
    with advisory_lock(f"template:{name}"):
        District.objects.get_or_create(
            schema_name=name, defaults={"kind": DistrictKind.TEMPLATE, "name": "区县模板"}
        )
        if not schema_exists(name):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{name}"')
        elif not template_missing_migrations():
            return False
        call_command(
            "migrate_schemas",
            schema_name=name,
            tenant=True,
            interactive=False,
            verbosity=verbosity,
        )
        use_public_schema()
    return True
