"""The exchange log is append-only and hash-chained; the check finds the first broken link."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from exchange.district.models import ExchangeLogEntry
from exchange.enums import LogOutcome, LogSide
from exchange.selectors import exchange_log_verify
from exchange.services.logs import LogDraft, exchange_log_append
from tenants.models import District
from tests.support.servers import append_only_off


def _three() -> list[ExchangeLogEntry]:
    return [
        exchange_log_append(draft=LogDraft(
            side=LogSide.PROVIDER, request_id=f"r{n}", outcome=LogOutcome.SERVED, agreement_id=1,
            counterpart="kaizhou", purpose="administration", staff="clerk@kaizhou.test",
            subject_code="91500101MA00000001", record_ids=[n, n + 1], response_hash="a" * 64,
        ))
        for n in range(3)
    ]  # fmt: skip


def _bypass(sql: str, params: list[int]) -> None:
    """Change the table behind the trigger's back, as someone with database access could."""
    with append_only_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_entries_chain(wanzhou: District) -> None:
    with schema_context("wanzhou"):
        first, second, third = _three()
        check = exchange_log_verify()

    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == "0" * 64
    assert (second.prev_hash, third.prev_hash) == (first.entry_hash, second.entry_hash)
    assert (check.intact, check.entries) == (True, 3)


def test_updates_and_deletes_are_refused(wanzhou: District) -> None:
    with schema_context("wanzhou"):
        _three()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ExchangeLogEntry.objects.filter(seq=2).update(outcome="refused")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ExchangeLogEntry.objects.filter(seq=3).delete()


@pytest.mark.parametrize(
    ("sql", "broken_at", "problem"),
    [
        ("UPDATE exchange_district_exchangelogentry SET record_ids = '[9]' WHERE seq = %s", 2,
         "第2条日志的内容与其摘要不符（已被改动）"),
        ("DELETE FROM exchange_district_exchangelogentry WHERE seq = %s", 3,
         "第2条至第2条日志缺失"),
    ],
)  # fmt: skip
def test_tampering_is_found_at_the_first_broken_link(
    wanzhou: District, sql: str, broken_at: int, problem: str
) -> None:
    with schema_context("wanzhou"):
        _three()
        _bypass(sql, [2])
        check = exchange_log_verify()

    assert (check.intact, check.broken_at, check.problem, check.entries) == (
        False,
        broken_at,
        problem,
        1,
    )
