"""Onboarding versus django-tenants' default schema creation (running every migration into a new
schema), 20 of each in the same run, each committed.

Three figures: onboarding with a spare schema waiting (what an operator sees: the pool is refilled
by a worker after each onboarding), onboarding with the pool empty (cloning the template on the
spot), and the cost of cloning one spare (the work moved off the operator's path).

Run: python3 dev.py bench -k onboarding      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django_tenants.clone import CloneSchema

from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.services.cloning import clone_schema
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from provisioning.services.spares import spare_pool_fill
from provisioning.services.template import expected_migrations
from tenants.enums import DistrictKind
from tenants.models import District, SpareSchema

RUNS = 20
ACTOR = Actor.system("bench")


def _request(kind: str, i: int, region_prefix: str) -> OnboardingRequest:
    return OnboardingRequest(
        slug=f"bench_{kind}_{i}",
        name=f"基准{i}区",
        platform_name=f"信用基准{i}",
        region_code=f"{region_prefix}{i + 1:02d}",
        domain=f"bench-{kind}-{i}.localhost",
        admin_email=f"admin{i}@bench.example",
    )


def _drop(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _empty_pool() -> None:
    for spare in SpareSchema.objects.all():
        _drop(spare.schema_name)
        spare.delete()


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield
        use_public_schema()
        for district in District.objects.filter(schema_name__startswith="bench_"):
            _drop(district.schema_name)
            district.domains.all().delete()
            district.delete()
        _empty_pool()
        spare_pool_fill()


def _timed(runs: int, step: Callable[[int], object]) -> list[float]:
    seconds = []
    for i in range(runs):
        started = time.perf_counter()
        step(i)
        seconds.append(time.perf_counter() - started)
    return seconds


def _summary(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s"


def _migrate_on_create(i: int) -> None:
    district = District(
        schema_name=f"bench_migrate_{i}",
        kind=DistrictKind.DISTRICT,
        name=f"迁移{i}区",
        region_code=f"5003{i + 1:02d}",
    )
    district.auto_create_schema = True  # django-tenants' default: CREATE SCHEMA + migrate on save
    district.save(verbosity=0)  # type: ignore[call-arg]  # TenantMixin.save takes verbosity


def _schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg_%%'")
        return int(cursor.fetchone()[0])


def _clone_in_transaction(name: str, *, replay: bool) -> None:
    with transaction.atomic():
        if replay:
            clone_schema("district_template", name)
        else:
            CloneSchema().clone_schema("district_template", name, "DATA")
        transaction.set_rollback(True)


def test_onboarding_is_fast_and_5x_faster_than_migrating(committed: None) -> None:
    _empty_pool()
    fill_started = time.perf_counter()
    spare_pool_fill(size=RUNS)
    per_spare = (time.perf_counter() - fill_started) / RUNS

    with override_settings(DISTRICT_SPARE_SCHEMAS=0):  # no refill inside the timed calls
        warm = _timed(
            RUNS, lambda i: district_onboard(request=_request("warm", i, "5002"), actor=ACTOR)
        )
        cold = _timed(
            RUNS, lambda i: district_onboard(request=_request("cold", i, "5004"), actor=ACTOR)
        )
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        migrated = _timed(RUNS, _migrate_on_create)

    schemas = _schema_count()
    ours = _timed(5, lambda i: _clone_in_transaction(f"bench_ours_{i}", replay=True))
    theirs = _timed(5, lambda i: _clone_in_transaction(f"bench_theirs_{i}", replay=False))

    ratio = statistics.median(migrated) / statistics.median(warm)
    print(f"\nmigrations on disk: {len(expected_migrations())}")
    print(f"onboarding, spare waiting ({RUNS}):   {_summary(warm)}")
    print(f"onboarding, pool empty ({RUNS}):      {_summary(cold)}")
    print(f"cloning one spare (background):  {per_spare:.3f} s")
    print(f"django-tenants migrate ({RUNS}):      {_summary(migrated)}")
    print(f"speed-up, spare waiting vs migrate (median): {ratio:.1f}x")
    print(
        f"speed-up, pool empty vs migrate (median):    {statistics.median(migrated) / statistics.median(cold):.1f}x"
    )
    print(f"with {schemas} schemas in the database, one clone of the template:")
    print(f"  replaying the catalogue (ours):       {_summary(ours)}")
    print(f"  django-tenants' clone_schema function: {_summary(theirs)}")
    assert statistics.median(warm) <= 0.5
    assert ratio >= 5
