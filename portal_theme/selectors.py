"""Reads for the portal and the console."""

from __future__ import annotations

from django.db import connection

from portal_theme.models import Theme


def theme_get_current() -> Theme | None:
    """The current district schema's theme (None in the public schema)."""
    if connection.schema_name == "public":
        return None
    return Theme.objects.first()
