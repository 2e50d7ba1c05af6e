from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from core.common.actors import Actor
from provisioning.services.onboarding import district_onboard
from provisioning.services.spares import spare_pool_fill
from provisioning.services.template import (
    applied_migrations,
    expected_migrations,
    migration_fingerprint,
)
from tenants.models import SpareSchema
from tests.provisioning.test_onboarding import FENGJIE


@pytest.mark.django_db
def test_the_session_keeps_two_current_spares_waiting() -> None:
    spares = list(SpareSchema.objects.all())

    assert len(spares) == 2
    assert {s.fingerprint for s in spares} == {migration_fingerprint()}
    assert all(schema_exists(s.schema_name) for s in spares)
    assert all(applied_migrations(s.schema_name) == expected_migrations() for s in spares)


@pytest.mark.django_db
def test_onboarding_renames_a_waiting_spare() -> None:
    oldest = SpareSchema.objects.order_by("created_at", "id").first()
    assert oldest is not None

    result = district_onboard(request=FENGJIE, actor=Actor.cli())

    assert result.from_spare is True
    assert not schema_exists(oldest.schema_name)
    assert schema_exists("fengjie")
    assert SpareSchema.objects.count() == 1


@pytest.mark.django_db
def test_onboarding_clones_when_no_spare_waits() -> None:
    for spare in SpareSchema.objects.all():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{spare.schema_name}" CASCADE')
        spare.delete()

    result = district_onboard(request=FENGJIE, actor=Actor.cli())

    assert result.from_spare is False
    assert applied_migrations("fengjie") == expected_migrations()


@pytest.mark.django_db
def test_filling_drops_stale_spares_and_tops_up_to_size() -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "spare_stale000000"')
    SpareSchema.objects.create(schema_name="spare_stale000000", fingerprint="0" * 64)

    created = spare_pool_fill(size=3)

    assert created == 1
    assert not schema_exists("spare_stale000000")
    assert SpareSchema.objects.filter(fingerprint=migration_fingerprint()).count() == 3
    assert not SpareSchema.objects.exclude(fingerprint=migration_fingerprint()).exists()


@pytest.mark.django_db
def test_spare_names_are_reserved() -> None:
    from core.common.errors import ValidationFailed
    from provisioning.services.onboarding import OnboardingRequest

    with pytest.raises(ValidationFailed, match="是保留名称"):
        district_onboard(
            request=OnboardingRequest(**{**FENGJIE.__dict__, "slug": "spare_x"}), actor=Actor.cli()
        )
