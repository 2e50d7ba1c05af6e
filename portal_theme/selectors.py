"""Reads for the portal and the console."""

from __future__ import annotations

from core.common.tenancy import current_schema
from portal_theme.models import Theme


def theme_get_current() -> Theme | None:
    """The current district schema's theme (None in the public schema)."""
    if current_schema() == "public":
        return None
    return Theme.objects.first()
