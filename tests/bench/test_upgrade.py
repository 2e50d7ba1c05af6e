"""Issue 9: upgrading many districts. 200 districts (UPGRADE_DISTRICTS) onboarded from spare schemas,
then the last release's migrations taken back out of every district schema and applied again, the
way `infra/migrate.sh` applies a release: `manage.py migrate_schemas` with django-tenants' standard
executor (one schema after another) and with its multiprocessing executor (a pool of processes,
`TENANT_MULTIPROCESSING_MAX_PROCESSES`: 2 by default, and 4 for comparison).

The release: the upstream-reporting release, two migrations in every district schema
(`catalog.0004_department_is_upstream` adds a column to the departments; `upstream.0001_initial`
creates the four upstream tables with their indexes and foreign keys). Before each timed run it is
taken back out of every tenant schema with Django's own reverse SQL (`sqlmigrate --backwards`) and
the two rows of django_migrations, so each schema finds exactly that release pending, as after a
deployment; the public schema is left alone, as a real upgrade finds it (it has nothing pending).
(`migrate_schemas catalog 0003_item_source --tenant` does the same but renders the migration
state for 1.3-1.6 s a schema: three rollbacks of 200 districts would take a quarter of an hour.)
Also timed: the same command with nothing to apply (a release without district migrations), the
fixed cost of walking every schema, and `manage.py district template`, the last step of
infra/migrate.sh.

Every timing is a `manage.py` process as an operator starts it (about 2 s of it is Django's start).
Each run is checked: every tenant schema (the districts, the template, the two baseline districts)
reports the release's migrations applied and has the upstream tables and the new column.
Cleanup: the districts' schemas dropped and their rows deleted, the spare pool refilled as it was.

Run: python3 dev.py bench -k upgrade      Figures: docs/operations.md, docs/benchmarks.md
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from provisioning.services.spares import spare_pool_fill
from provisioning.services.template import expected_migrations, template_schema_name
from tenants.enums import DistrictStatus
from tenants.models import District, SpareSchema
from tests.infra.files import ROOT
from tests.infra.test_gunicorn import database_url

COUNT = int(os.environ.get("UPGRADE_DISTRICTS", "200"))
PREFIX = "upg_"
ACTOR = Actor.system("bench")
RELEASE = [("catalog", "0004_department_is_upstream"), ("upstream", "0001_initial")]


def _request(i: int) -> OnboardingRequest:
    # Region codes 52xxyy (贵州省's prefix, not used by the other tests' districts), none ending 00.
    return OnboardingRequest(
        slug=f"{PREFIX}{i:03d}",
        name=f"升级{i}区",
        platform_name=f"信用升级{i}",
        region_code=f"52{i // 50 + 1:02d}{i % 50 + 1:02d}",
        domain=f"upg-{i}.localhost",
        admin_email=f"admin{i}@upgrade.test",
    )


def _drop(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def many_districts(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[str]]:
    with django_db_blocker.unblock():
        use_public_schema()
        spares_before = SpareSchema.objects.count()
        try:
            started = time.perf_counter()
            spare_pool_fill(size=COUNT)
            cloned = time.perf_counter() - started
            with override_settings(DISTRICT_SPARE_SCHEMAS=0):  # no refill between onboardings
                started = time.perf_counter()
                for i in range(COUNT):
                    assert district_onboard(request=_request(i), actor=ACTOR).from_spare
                onboarded = time.perf_counter() - started
            print(f"\n{COUNT} spare schemas cloned in {cloned:.1f} s, "
                  f"{COUNT} districts onboarded from them in {onboarded:.1f} s")  # fmt: skip
            yield _tenant_schemas()
        finally:
            use_public_schema()
            for district in District.objects.filter(schema_name__startswith=PREFIX):
                _drop(district.schema_name)
                district.domains.all().delete()
                district.delete()
            for spare in SpareSchema.objects.all():
                _drop(spare.schema_name)
                spare.delete()
            spare_pool_fill(size=spares_before)


def _tenant_schemas() -> list[str]:
    """What migrate_schemas migrates: every tenant row but public and the purged (provisioning/migration.py)."""
    return sorted(
        District.objects.exclude(schema_name="public")
        .exclude(status=DistrictStatus.PURGED)
        .values_list("schema_name", flat=True)
    )


def _release_state(schemas: list[str]) -> tuple[int, int]:
    """(schemas with the release applied, schemas without it): recorded in the schema's
    django_migrations, and there in its tables (the upstream tables, the departments' column)."""
    applied = 0
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                f"""SELECT count(*) FROM "{schema}".django_migrations
                    WHERE (app, name) IN (('catalog', %s), ('upstream', %s))""",
                [RELEASE[0][1], RELEASE[1][1]],
            )
            recorded = int(cursor.fetchone()[0])
            cursor.execute(
                """SELECT to_regclass(quote_ident(%s) || '.upstream_upstreamendpoint') IS NOT NULL
                          AND EXISTS (SELECT 1 FROM information_schema.columns
                                      WHERE table_schema = %s AND table_name = 'catalog_department'
                                        AND column_name = 'is_upstream')""",
                [schema, schema],
            )
            built = bool(cursor.fetchone()[0])
            assert (recorded, built) in ((2, True), (0, False)), (schema, recorded, built)
            applied += built
    return applied, len(schemas) - applied


def _manage(log: Path, *args: str, settings: str = "core.config.settings") -> float:
    """Run manage.py as an operator would (against the test database); wall seconds."""
    environment = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": settings}
    started = time.perf_counter()
    with open(log, "wb") as out:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                                stdout=out, stderr=subprocess.STDOUT, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    assert result.returncode == 0, log.read_text(errors="replace")[-3000:]
    return seconds


def _reverse_sql() -> str:
    """Django's own SQL for taking the release back out (`sqlmigrate --backwards`, generated in a
    tenant schema: in public the router makes district migrations no-ops), newest first."""
    script = []
    with schema_context(template_schema_name()):
        for app, name in reversed(RELEASE):
            out = io.StringIO()
            call_command("sqlmigrate", app, name, backwards=True, stdout=out)
            script.append(out.getvalue().replace("BEGIN;", "").replace("COMMIT;", ""))
    sql = "\n".join(script)
    assert "DROP TABLE" in sql, sql
    assert "DROP COLUMN" in sql, sql
    return sql


def _take_release_out(schemas: list[str], sql: str) -> float:
    """In every schema, one transaction: the reverse SQL and the release's rows of
    django_migrations. What `migrate_schemas catalog 0003_item_source --tenant` does, without its
    1.3-1.6 s of migration-state rendering per schema."""
    started = time.perf_counter()
    for schema in schemas:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL search_path TO "{schema}"')
            cursor.execute(sql)
            cursor.execute(
                f"""DELETE FROM "{schema}".django_migrations
                    WHERE (app, name) IN (('catalog', %s), ('upstream', %s))""",
                [RELEASE[0][1], RELEASE[1][1]],
            )
    use_public_schema()
    return time.perf_counter() - started


@pytest.mark.bench
def test_migrating_many_districts(many_districts: list[str], tmp_path: Path) -> None:
    schemas = many_districts
    assert len(schemas) >= COUNT + 1  # the districts, the template, the baseline districts
    assert _release_state(schemas) == (len(schemas), 0)
    print(f"tenant schemas migrate_schemas walks: {len(schemas)} "
          f"({COUNT} new districts, the template, {len(schemas) - COUNT - 1} others); "
          f"{len(expected_migrations())} migrations on disk")  # fmt: skip

    reverse = _reverse_sql()
    figures: dict[str, float] = {}
    runs = [
        ("standard", ["--executor=standard"], "core.config.settings"),
        ("multiprocessing, 2 processes", ["--executor=multiprocessing"], "core.config.settings"),
        (
            "multiprocessing, 4 processes",
            ["--executor=multiprocessing"],
            "tests.bench.settings_migrate",
        ),
    ]
    os.environ["BENCH_MIGRATE_PROCESSES"] = "4"
    try:
        for name, executor, settings in runs:
            taken_out = _take_release_out(schemas, reverse)
            assert _release_state(schemas) == (0, len(schemas))
            print(f"release taken out of {len(schemas)} schemas in {taken_out:.1f} s")
            log = tmp_path / f"apply-{len(figures)}.log"
            figures[f"apply the release, {name}"] = _manage(
                log, "migrate_schemas", *executor, settings=settings
            )
            assert _release_state(schemas) == (len(schemas), 0)
        for name, executor, settings in runs[:2]:
            log = tmp_path / f"nothing-{len(figures)}.log"
            figures[f"nothing to apply, {name}"] = _manage(
                log, "migrate_schemas", *executor, settings=settings
            )
            assert _release_state(schemas) == (len(schemas), 0)
        log = tmp_path / "template.log"
        figures["district template (template check, spare pool)"] = _manage(
            log, "district", "template"
        )
    finally:
        os.environ.pop("BENCH_MIGRATE_PROCESSES", None)

    print(f"\n| step ({len(schemas)} tenant schemas) | wall time | per schema |")
    print("|---|---|---|")
    for name, seconds in figures.items():
        print(f"| {name} | {seconds:.1f} s | {seconds / len(schemas) * 1000:.0f} ms |")
    standard = figures["apply the release, standard"]
    parallel = figures["apply the release, multiprocessing, 2 processes"]
    print(f"multiprocessing (2) vs standard: {standard / parallel:.2f}x")
    assert parallel < standard
