"""The connection's current schema, in one typed place (django-tenants adds these attributes to
the connection at run time; type checkers cannot see them)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

PUBLIC_SCHEMA = "public"


def current_schema() -> str:
    """The schema the default connection is using now ("public" outside any district)."""
    return str(connection.schema_name)  # type: ignore[attr-defined]


def use_public_schema() -> None:
    """Switch the default connection back to the public schema."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]


def on_commit_here(callback: Callable[[], object]) -> None:
    """`transaction.on_commit`, run in the schema current now. A callback can run after its caller
    moved to another schema (at the end of an outer transaction that spans districts); a task it
    queues or a cache key it writes must still belong to the caller's district."""
    from django_tenants.utils import schema_context

    schema = current_schema()

    def run() -> None:
        with schema_context(schema):
            callback()

    transaction.on_commit(run)
