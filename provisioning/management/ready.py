"""The operator commands' first check: a database that has not been migrated yet (a fresh
machine, before `dev.py demo`) gets a sentence saying what to run, not a stack trace."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection

FIRST_STEP = (
    "平台数据库尚未初始化：请先运行 python3 dev.py demo（演示环境），"
    "或 python3 dev.py manage migrate_schemas（仅建表），然后再执行本命令"
)


def require_migrated() -> None:
    # Asked of PostgreSQL directly: django-tenants' introspection lists only the current schema.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.tenants_district')")
        if cursor.fetchone()[0] is None:
            raise CommandError(FIRST_STEP)
