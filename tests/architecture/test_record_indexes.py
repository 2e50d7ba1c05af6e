"""Every index on `records_record` is paid for by every record an upload stores (ADR 0019): each one
names the query that needs it, and that query can use it. An index added without a user here, or a
user whose query no longer reaches its index, fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django_tenants.utils import schema_context

from core.records.models import Record
from core.records.public import public_list
from core.records.selectors import record_list_for_subject

TODAY = date(2026, 12, 7)

# Index → the query it serves (as a queryset, or raw SQL) and who runs it.
USERS: dict[str, tuple[str, Callable[[], QuerySet[Record, Any] | str]]] = {
    "records_record_pkey": (
        "a record by id (every page, every FK)",
        lambda: Record.objects.filter(pk=1),
    ),
    "record_business_key": (
        "the stage's join on kind + document number + authority (core/records/staging.py)",
        lambda: Record.objects.filter(kind="penalty", doc_number="x", authority_code="y"),
    ),
    "record_subject_kind": (
        "a subject's records (console, reports, scoring, exchange)",
        lambda: record_list_for_subject(subject_id=1, today=TODAY),
    ),
    "record_publicity_end": (
        "records_expire_due: publicity ended, not yet marked",
        lambda: Record.objects.filter(publicity_end__lt=TODAY, expired_at__isnull=True),
    ),
    "record_dept_decided": (
        "a department's records: PROTECT when a department is deleted, timeliness by department",
        lambda: Record.objects.filter(department_id=1),
    ),
    "record_public_lists_by_date": (
        "the portal's red and black list pages, newest first",
        lambda: public_list(kind="black_list", today=TODAY),
    ),
    "record_public_lists": (
        "the statistics' list sizes (core/stats/selectors.py list_sizes: an index-only count)",
        lambda: Record.objects.filter(
            Q(kind="red_list") | Q(kind="black_list"),
            withdrawn_at__isnull=True,
            repaired_at__isnull=True,
            published_by_rule=True,
            publicity_end__gte=TODAY,
        ).values("kind", "subject_id", "id"),
    ),
    "batch_id": (
        "a batch's records (its subjects at the end of an ingest, a restarted batch)",
        lambda: Record.objects.filter(batch_id=1),
    ),
}


def _indexes() -> dict[str, str]:
    """Key in USERS → the index's name in the database (Django names a single-column db_index
    itself: that one is known here by its column)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "records_record")
    names = {}
    for name, info in constraints.items():
        if not (info["index"] or info["unique"] or info["primary_key"]):
            continue  # a foreign key or check: no index of its own
        auto = info["columns"] == ["batch_id"] and name not in USERS
        names["batch_id" if auto else name] = name
    return names


def test_every_index_on_records_names_its_user(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        assert set(_indexes()) == set(USERS), "an index on records_record without a named user"


@pytest.mark.parametrize("index", sorted(USERS))
def test_the_named_query_can_use_its_index(wanzhou: object, index: str) -> None:
    with schema_context("wanzhou"), transaction.atomic(), connection.cursor() as cursor:
        name = _indexes()[index]
        # An empty table: forbid the sequential scan so the plan shows what the query can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        if index == "record_public_lists":
            # Both list indexes serve this query; on an empty table the planner takes the other
            # one: without it (rolled back with the test's transaction), this one.
            cursor.execute("DROP INDEX record_public_lists_by_date")
        query = USERS[index][1]()
        if isinstance(query, str):
            cursor.execute("EXPLAIN " + query)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        else:
            plan = query.explain()
    assert re.search(rf"(?:using|index scan on) {re.escape(name)}\b", plan, re.IGNORECASE), plan
