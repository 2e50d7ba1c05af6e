"""A clone must be the template again under another name: same columns, constraints, indexes,
triggers and reference rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from provisioning.services.cloning import clone_plan, clone_schema

CATALOGUE_QUERIES = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
               a.attgenerated, replace(coalesce(pg_get_expr(d.adbin, d.adrelid), ''), %(schema)s || '.', '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = %(schema)s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v')
        ORDER BY 1, 2""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, replace(pg_get_constraintdef(k.oid), %(schema)s || '.', ''),
               k.condeferrable, k.condeferred
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(schema)s ORDER BY 1, 2""",
    "indexes": """
        SELECT ci.relname, replace(pg_get_indexdef(i.indexrelid), %(schema)s || '.', '')
        FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = ci.relnamespace WHERE n.nspname = %(schema)s ORDER BY 1""",
    "triggers": """
        SELECT c.relname, t.tgname, replace(pg_get_triggerdef(t.oid), %(schema)s || '.', '')
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(schema)s AND NOT t.tgisinternal ORDER BY 1, 2""",
}


def describe(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        result = {}
        for name, sql in CATALOGUE_QUERIES.items():
            cursor.execute(sql, {"schema": schema})
            result[name] = list(cursor.fetchall())
        return result


def rows(schema: str, table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
        return list(cursor.fetchall())


@pytest.mark.django_db
def test_a_clone_is_structurally_identical_to_the_template() -> None:
    assert clone_schema("district_template", "clone_probe") is True

    template, clone = describe("district_template"), describe("clone_probe")

    assert len(template["columns"]) > 50  # a sanity floor: the template really has tables
    assert len(template["constraints"]) > 20
    for part in CATALOGUE_QUERIES:
        assert clone[part] == template[part], part


@pytest.mark.django_db
def test_a_clone_carries_the_reference_rows_and_continues_their_ids() -> None:
    clone_schema("district_template", "clone_probe")

    for table in ("django_migrations", "django_content_type", "auth_permission"):
        assert rows("clone_probe", table) == rows("district_template", table), table
    with connection.cursor() as cursor:
        cursor.execute('SELECT max(id) FROM "clone_probe".django_content_type')
        highest = cursor.fetchone()[0]
        cursor.execute(
            'INSERT INTO "clone_probe".django_content_type (app_label, model) VALUES (%s, %s) RETURNING id',
            ["probe", "probe"],
        )
        assert cursor.fetchone()[0] == highest + 1


@pytest.mark.django_db
def test_the_plan_refuses_objects_it_cannot_replay() -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "odd_template"')
        cursor.execute('CREATE TABLE "odd_template".t (id serial PRIMARY KEY)')

    assert clone_plan("odd_template") is None
    assert clone_schema("odd_template", "odd_clone") is False  # fell back to django-tenants' clone
    assert rows("odd_clone", "t") == []
