"""An operator command on a database that was never migrated (a fresh machine, before
`dev.py demo`) prints the Chinese sentence saying what to run, and exits non-zero: no stack trace
and no Django "CommandError:" prefix (provisioning/management/ready.py, core/common/commands.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg2  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from psycopg2 import sql

from provisioning.management.ready import FIRST_STEP
from tests.infra.files import ROOT


def _connect(name: str) -> psycopg2.extensions.connection:
    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname=name,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"],
        port=db["PORT"] or 5432,
    )
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    return connection


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A freshly created, empty PostgreSQL database on the test server; dropped afterwards."""
    name = f"credit_unmigrated_{uuid.uuid4().hex[:12]}"
    admin = _connect("postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        db = settings.DATABASES["default"]
        host = quote(str(db["HOST"]), safe="") if str(db["HOST"]).startswith("/") else db["HOST"]
        password = f":{quote(str(db['PASSWORD']), safe='')}" if db["PASSWORD"] else ""
        yield f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@pytest.mark.parametrize(
    "command",
    [
        ("district", "list"),
        ("district_archive", "export", "wanzhou", "/nonexistent/wanzhou.tar.gz"),
    ],
    ids=["district-list", "district-archive-export"],
)
def test_an_operator_command_on_an_unmigrated_database_says_what_to_run(
    empty_database_url: str, command: tuple[str, ...]
) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database_url}
    ran = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode != 0, output
    assert "平台数据库尚未初始化" in output, output
    assert FIRST_STEP in ran.stderr, output
    assert "Traceback" not in output, output
    assert "CommandError" not in output, output
