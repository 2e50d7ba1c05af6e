"""The project's database backend (core/common/dbbackend/base.py): django-tenants' with the search
path set only when it changes and a reused connection checked without a round trip."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tests.conftest import client_for, gql


def _set_paths(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]


@pytest.mark.django_db
def test_the_search_path_is_set_only_when_it_changes() -> None:
    with CaptureQueriesContext(connection) as queries:
        with schema_context("wanzhou"):
            _one_query()
        with schema_context("public"):
            pass  # named, never used: the server's path is still 万州's
        with schema_context("wanzhou"):
            _one_query()
        with schema_context("kaizhou"):
            _one_query()
        with schema_context("wanzhou"):
            _one_query()

    assert _set_paths(queries) == [
        'SET search_path = "wanzhou","public"',
        'SET search_path = "kaizhou","public"',
        'SET search_path = "wanzhou","public"',
    ]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_sets_the_path_again() -> None:
    from django.db import transaction

    with schema_context("wanzhou"):
        _one_query()
        try:
            with transaction.atomic():
                with schema_context("kaizhou"):
                    _one_query()
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")
            path = cursor.fetchone()[0]

    # Whatever the rollback took back, the next query runs in 万州 again.
    assert path == "wanzhou, public"


@pytest.mark.django_db
def test_a_path_set_inside_a_rolled_back_savepoint_is_not_trusted_afterwards(
    wanzhou: Any, kaizhou: Any
) -> None:
    from django.db import transaction

    tenants: Any = connection  # django-tenants' wrapper (Django's stubs know the base class)
    tenants.set_tenant(wanzhou)
    _one_query()  # the server's path: 万州's
    try:
        with transaction.atomic():
            tenants.set_tenant(kaizhou)
            _one_query()
            tenants.set_schema_to_public()  # rolling back SETs public inside the savepoint
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    tenants.set_schema_to_public()  # the next request, on the same connection

    assert _path(tenants) == "public"


@pytest.mark.django_db
def test_requests_to_one_district_set_its_path_once(wanzhou_client: Any) -> None:
    query = "{ catalogCategories { edges { node { name } } } }"
    gql(wanzhou_client, query)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert "errors" not in gql(client_for("wanzhou.localhost"), query + " ")

    assert _set_paths(queries) == []


def _one_query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.fixture
def second() -> Iterator[Any]:
    """A second connection to the test database, outside the test's transaction."""
    other = connection.copy()
    other.ensure_connection()
    yield other
    other.close()


@pytest.mark.django_db
def test_a_rolled_back_transaction_never_leaves_another_district_path(
    second: Any, wanzhou: Any, kaizhou: Any
) -> None:
    """ADR 0009's worry: SET is transactional, so a rolled-back SET must be set again."""
    second.set_tenant(wanzhou)
    assert _path(second) == "wanzhou, public"  # set, and kept: autocommit
    second.set_autocommit(False)
    second.set_tenant(kaizhou)
    assert _path(second) == "kaizhou, public"
    second.rollback()  # the server's path is 万州's again
    second.set_autocommit(True)

    second.set_tenant(kaizhou)
    assert _path(second) == "kaizhou, public"


def _path(wrapper: Any) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return str(cursor.fetchone()[0])


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_an_idle_connection_is_checked_without_a_statement(second: Any) -> None:
    with second.connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")
    pid = second.connection.get_backend_pid()

    assert second.is_usable()
    assert _last_statement(pid) == "SELECT 'the last statement'"


@pytest.mark.django_db
def test_a_connection_the_server_closed_is_not_usable(second: Any) -> None:
    pid = second.connection.get_backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while _last_statement_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.01)

    assert not second.is_usable()


def _last_statement_exists(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None
