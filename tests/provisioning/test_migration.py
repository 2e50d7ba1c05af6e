"""Upgrading after a district was purged: `migrate_schemas` migrates every live district and the
template, and passes over the purged one (its row stays, its schema is gone) instead of stopping
the whole upgrade on it; a live district whose schema is missing still stops it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from core.common.actors import Actor
from provisioning.services.lifecycle import district_purge, district_request_deletion
from tenants.models import District

ACTOR = Actor.system("tests")


def test_an_upgrade_passes_over_a_purged_district(
    wanzhou: District, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    district_request_deletion(district=wanzhou, actor=ACTOR, grace_days=0)
    district_purge(district=wanzhou, actor=ACTOR)

    call_command("migrate_schemas", "--tenant", "--executor=standard", verbosity=0)

    assert District.objects.get(schema_name="wanzhou").status == "purged"


def test_a_live_district_without_its_schema_still_stops_the_upgrade(kaizhou: District) -> None:
    with connection.cursor() as cursor:
        cursor.execute('DROP SCHEMA "kaizhou" CASCADE')

    with pytest.raises(Exception, match="kaizhou|schema"):
        call_command("migrate_schemas", "--tenant", "--executor=standard", verbosity=0)
