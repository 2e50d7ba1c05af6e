"""System checks for the deployment's assumptions."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import connection
from django.db.utils import OperationalError


@register(Tags.database, deploy=True)
def database_ctype_is_utf8(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Chinese name search needs a UTF-8 LC_CTYPE (STACK.md)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            row = cursor.fetchone()
    except OperationalError:
        return []
    ctype = str(row[0]) if row else ""
    if "utf" in ctype.lower():
        return []
    return [
        Warning(
            f"The database's LC_CTYPE is {ctype!r}, not UTF-8: Chinese text search will not work.",
            hint="Create the database with LC_CTYPE 'C.UTF-8' (TEMPLATE template0).",
            id="common.W001",
        )
    ]
