"""What keeps districts movable (docs/scaling.md): a district's schema is self-contained, so it can
be moved to another PostgreSQL cluster or become a Citus distributed schema. No foreign key leaves
a district's schema, and no public table points into one."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from core.common.placement import Placement, placement_of


def _crossings() -> list[str]:
    found = []
    for model in apps.get_models():
        home = placement_of(model)
        for field in model._meta.get_fields():
            related = field.related_model
            if not (field.is_relation and field.concrete and isinstance(related, type)):
                continue
            target = placement_of(related)
            if home == Placement.DISTRICT and target == Placement.PUBLIC:
                found.append(f"{model.__name__}.{field.name} → public {related.__name__}")
            if home == Placement.PUBLIC and target == Placement.DISTRICT:
                found.append(f"{model.__name__}.{field.name} → district {related.__name__}")
    return found


def test_no_model_relation_crosses_between_a_district_and_the_public_schema() -> None:
    assert _crossings() == []


@pytest.mark.django_db
def test_no_foreign_key_in_the_database_leaves_a_district_schema(wanzhou: object) -> None:
    """Checked on the real constraints too (raw SQL migrations, triggers' tables, third-party apps)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.confrelid "
            "WHERE c.contype = 'f' AND c.connamespace = 'wanzhou'::regnamespace "
            "AND t.relnamespace <> c.connamespace"
        )
        leaving = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = 'wanzhou'::regnamespace"
        )
        inside = cursor.fetchone()[0]

    assert inside > 20  # the check looks at a real district schema
    assert leaving == []
