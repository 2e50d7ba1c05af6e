"""The connection's current schema, in one typed place (django-tenants adds these attributes to
the connection at run time; type checkers cannot see them)."""

from __future__ import annotations

from django.db import connection

PUBLIC_SCHEMA = "public"


def current_schema() -> str:
    """The schema the default connection is using now ("public" outside any district)."""
    return str(connection.schema_name)  # type: ignore[attr-defined]


def use_public_schema() -> None:
    """Switch the default connection back to the public schema."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]
