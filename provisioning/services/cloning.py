"""Copy the template schema into a new schema by replaying its catalogue.

django-tenants' PL/pgSQL clone function is general but its cost grows with the number of schemas in
the database (about 0.2 s with five schemas, about 2 s with sixty, measured in docs/benchmarks.md).
Districts are many, so this module reads only the template's own catalogue entries and replays:

1. tables (columns, defaults, identity, generated columns, storage, comments) via CREATE TABLE LIKE;
2. the template's rows (migrations, content types, permissions: reference data only);
3. primary-key, unique, check and exclusion constraints, under their original names;
4. indexes that back no constraint, under their original names;
5. foreign keys, triggers and views;
6. identity counters of the copied rows' tables set past them.

Names are kept because later migrations refer to constraints and indexes by name. Objects this
does not replay (functions or types in the template schema, materialised views, sequences that
belong to no identity column) make `clone_plan` return None, and the caller falls back to
django-tenants' clone function, so a clone is never silently incomplete. A test compares every
column, constraint, index and trigger of a clone with the template.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django_tenants.clone import CloneSchema

from provisioning.services.template import migration_fingerprint


@dataclass(frozen=True)
class ClonePlan:
    tables: tuple[str, ...]
    tables_with_rows: tuple[str, ...]
    constraints: tuple[tuple[str, str, str], ...]  # table, name, definition (no foreign keys)
    indexes: tuple[str, ...]  # CREATE INDEX statements, relation names unqualified
    foreign_keys: tuple[tuple[str, str, str], ...]
    identities: tuple[tuple[str, str], ...]  # table, column
    triggers: tuple[str, ...]
    views: tuple[tuple[str, str], ...]  # name, definition


_plans: dict[tuple[str, str], ClonePlan | None] = {}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows(cursor: CursorWrapper, sql: str, params: list[str]) -> list[tuple[object, ...]]:
    cursor.execute(sql, params)
    return list(cursor.fetchall())


def _unsupported(cursor: CursorWrapper, template: str) -> list[str]:
    """Objects in the template schema that this replay does not reproduce."""
    found = []
    checks = {
        "functions": "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s",
        "types": "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = %s AND t.typtype IN ('e', 'd', 'r', 'm') OR (n.nspname = %s AND t.typtype = 'c' "
        "AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c'))",
        "materialised views": "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'm'",
        "free sequences": "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.objid = c.oid AND d.deptype = 'i')",
        "serial defaults": "SELECT a.attname FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
        "AND a.attnum = ad.adnum WHERE n.nspname = %s AND pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%%'",
    }
    for kind, sql in checks.items():
        params = [template, template] if kind == "types" else [template]
        names = [str(r[0]) for r in _rows(cursor, sql, params)]
        if names:
            found.append(f"{kind}: {', '.join(sorted(names))}")
    return found


def clone_plan(template: str) -> ClonePlan | None:
    """What to replay for `template` (cached per migration set), or None when it holds objects
    this module does not reproduce."""
    key = (template, migration_fingerprint())
    if key in _plans:
        return _plans[key]
    # One cursor throughout: django-tenants sets the search path again for every new cursor.
    with transaction.atomic(), connection.cursor() as cursor:
        if _unsupported(cursor, template):
            plan = None
        else:
            # Definitions printed while only the template is on the search path name its own
            # relations without a schema, and everything else (public functions, tables) with one.
            cursor.execute(f"SET LOCAL search_path TO {_q(template)}")
            plan = _read_plan(cursor, template)
            cursor.execute("SET LOCAL search_path TO DEFAULT")
            connection.search_path_changed()  # type: ignore[attr-defined]  # core/common/dbbackend
    _plans[key] = plan
    return plan


def _read_plan(cursor: CursorWrapper, template: str) -> ClonePlan:
    tables = [
        str(r[0])
        for r in _rows(
            cursor,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
            [template],
        )
    ]
    with_rows = []
    for table in tables:
        if _rows(cursor, f"SELECT EXISTS (SELECT 1 FROM {_q(template)}.{_q(table)})", []) == [
            (True,)
        ]:
            with_rows.append(table)
    constraints = _rows(
        cursor,
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), k.contype FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND k.contype IN ('p', 'u', 'c', 'x', 'f') AND k.conislocal "
        "ORDER BY array_position(ARRAY['p', 'u', 'x', 'c', 'f'], k.contype::text), c.relname, k.conname",
        [template],
    )
    indexes = _rows(
        cursor,
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
        "AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) "
        "ORDER BY i.indexrelid::regclass::text",
        [template],
    )
    identities = _rows(
        cursor,
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND a.attidentity <> '' "
        "AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        [template],
    )
    triggers = _rows(
        cursor,
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal "
        "ORDER BY c.relname, t.tgname",
        [template],
    )
    views = _rows(
        cursor,
        "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'v' ORDER BY c.oid",
        [template],
    )
    return ClonePlan(
        tables=tuple(tables),
        tables_with_rows=tuple(with_rows),
        constraints=tuple((str(t), str(n), str(d)) for t, n, d, kind in constraints if kind != "f"),
        indexes=tuple(str(r[0]) for r in indexes),
        foreign_keys=tuple(
            (str(t), str(n), str(d)) for t, n, d, kind in constraints if kind == "f"
        ),
        identities=tuple((str(t), str(c)) for t, c in identities),
        triggers=tuple(str(r[0]) for r in triggers),
        views=tuple((str(n), str(d)) for n, d in views),
    )


def _retarget(definition: str, template: str, new: str) -> str:
    """Point a printed definition at the new schema (pg_get_indexdef always names the schema)."""
    return definition.replace(f"{_q(template)}.", f"{_q(new)}.").replace(
        f"{template}.", f"{_q(new)}."
    )


def clone_statements(plan: ClonePlan, template: str, new: str) -> list[str]:
    """The replay, a statement each: Citus passes some DDL on to the worker as written, and a
    node refuses several statements in one (the round trips cost about 20 ms a clone)."""
    t, n = _q(template), _q(new)
    like = "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS"
    statements = [f"CREATE SCHEMA {n}", f"SET LOCAL search_path TO {n}, public"]
    statements += [f"CREATE TABLE {n}.{_q(x)} (LIKE {t}.{_q(x)} {like})" for x in plan.tables]
    statements += [
        f"INSERT INTO {n}.{_q(x)} OVERRIDING SYSTEM VALUE SELECT * FROM {t}.{_q(x)}"
        for x in plan.tables_with_rows
    ]
    for x, name, d in (*plan.constraints,):
        statements.append(
            f"ALTER TABLE {n}.{_q(x)} ADD CONSTRAINT {_q(name)} {_retarget(d, template, new)}"
        )
    statements += [_retarget(d, template, new) for d in plan.indexes]
    for x, name, d in plan.foreign_keys:
        statements.append(
            f"ALTER TABLE {n}.{_q(x)} ADD CONSTRAINT {_q(name)} {_retarget(d, template, new)}"
        )
    statements += [_retarget(d, template, new) for d in plan.triggers]
    statements += [
        f"CREATE VIEW {n}.{_q(name)} AS {_retarget(d, template, new).rstrip(';')}"
        for name, d in plan.views
    ]
    statements.append("SET LOCAL search_path TO DEFAULT")
    return statements


def identity_advance(cursor: CursorWrapper, schema: str, table: str, column: str) -> None:
    """Set `schema.table.column`'s identity counter past the rows the table holds. The highest id
    is read first and set as a number: on Citus a statement that reads a district's table runs
    on the district's worker, whose copy of the sequence holds another range (ADR 0022)."""
    cursor.execute(f"SELECT max({_q(column)}) FROM {_q(schema)}.{_q(table)}")
    (highest,) = cursor.fetchone()
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
        [f"{_q(schema)}.{_q(table)}", column, highest or 1, highest is not None],
    )


def _advance_identities(cursor: CursorWrapper, plan: ClonePlan, new: str) -> None:
    """Identity counters past the copied rows (a table created empty starts at 1 already)."""
    for table, column in plan.identities:
        if table in plan.tables_with_rows:
            identity_advance(cursor, new, table, column)


def clone_schema(template: str, new: str) -> bool:
    """Create `new` as a copy of `template` inside the caller's transaction. Returns True when the
    fast replay was used, False when it fell back to django-tenants' clone function."""
    plan = clone_plan(template)
    # Both set the search path in SQL (the replay, and django-tenants' clone function).
    if plan is None:
        CloneSchema().clone_schema(template, new, "DATA")
        connection.search_path_changed()  # type: ignore[attr-defined]  # core/common/dbbackend
        return False
    with connection.cursor() as cursor:
        for statement in clone_statements(plan, template, new):
            cursor.execute(statement)
        _advance_identities(cursor, plan, new)
    connection.search_path_changed()  # type: ignore[attr-defined]
    return True
