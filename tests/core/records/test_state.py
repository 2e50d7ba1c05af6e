from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.common.errors import PermissionDenied, ValidationFailed
from core.publicity.rules import add_months
from core.records.enums import RecordState
from core.records.models import Record
from core.records.services import record_withdraw, records_expire_due
from core.records.state import record_state, state_case
from tests.conftest import make_staff
from tests.core.collection.conftest import district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, decided, one_year_after, penalty
from tests.support.clock import BEIJING, Clock, on_calendar_days

TODAY = date(2026, 11, 27)
EARLIER = datetime(2026, 11, 27, 9, tzinfo=BEIJING)  # that morning


@pytest.fixture
def record(wanzhou: object, settings: Any, tmp_path: Path, clock: Clock) -> Iterator[Record]:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.default_to(TODAY)
    with schema_context("wanzhou"):
        department = Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")
        content = as_csv([penalty(1)])
        batch = batch_create(actor=Actor.cli(), department=department, filename="a.csv",
                             content=io.BytesIO(content), size=len(content))  # fmt: skip
        batch_ingest(batch_id=batch.pk)
        yield Record.objects.get()


def states(on: date) -> tuple[str, str]:
    record = Record.objects.annotate(state=state_case(on)).get()
    return record_state(record, on).value, record.state  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "on", "expected"),
    [
        ({}, date(2026, 11, 27), RecordState.PUBLISHED),
        ({}, date(2027, 11, 20), RecordState.PUBLISHED),  # the last day shown
        ({}, date(2027, 11, 21), RecordState.EXPIRED),
        ({"disputed_since": EARLIER}, date(2026, 11, 27), RecordState.DISPUTED),
        ({"disputed_since": EARLIER}, date(2027, 12, 1), RecordState.EXPIRED),
        ({"repaired_at": EARLIER}, date(2026, 11, 27), RecordState.REPAIRED),
        (
            {"withdrawn_at": EARLIER, "repaired_at": EARLIER},
            date(2026, 11, 27),
            RecordState.WITHDRAWN,
        ),
        ({"published_by_rule": False}, date(2026, 11, 27), RecordState.NOT_PUBLISHED),
    ],
)
def test_python_and_sql_derive_the_same_state(
    record: Record, change: dict[str, Any], on: date, expected: RecordState
) -> None:
    Record.objects.filter(pk=record.pk).update(**change)

    assert states(on) == (expected.value, expected.value)
    assert Record.objects.publishable(on).exists() is (
        expected in (RecordState.PUBLISHED, RecordState.DISPUTED)
    )


def test_withdrawing_ends_publication_and_records_the_reason(record: Record) -> None:
    reviewer = make_staff("wanzhou", "r@wanzhou.test", StaffRole.REVIEWER)
    withdrawn = record_withdraw(
        record=record,
        user=reviewer,
        reason="原处罚决定已被撤销",
        revoked_on=TODAY - timedelta(days=2),
    )

    assert record_state(withdrawn, TODAY) == RecordState.WITHDRAWN
    entry = AuditEntry.objects.get(action="record.withdraw")
    assert entry.details == {
        "reason": "原处罚决定已被撤销",
        "revoked_on": "2026-11-25",
        "within_3_days": True,
    }
    with pytest.raises(ValidationFailed, match="该记录已撤回"):
        record_withdraw(record=withdrawn, user=reviewer, reason="再次", revoked_on=TODAY)


def test_a_withdrawal_needs_a_reason(record: Record) -> None:
    reviewer = make_staff("wanzhou", "r@wanzhou.test", StaffRole.REVIEWER)
    with pytest.raises(ValidationFailed, match="撤回必须说明原因"):
        record_withdraw(record=record, user=reviewer, reason=" ", revoked_on=TODAY)


def test_only_reviewers_and_admins_withdraw(record: Record) -> None:
    clerk = make_staff("wanzhou", "c@wanzhou.test", StaffRole.DATA_CLERK)
    with pytest.raises(PermissionDenied, match="此操作需要以下角色之一：审核员、区县管理员"):
        record_withdraw(record=record, user=clerk, reason="x", revoked_on=TODAY)


def test_the_daily_expiry_marks_only_records_past_their_end(record: Record) -> None:
    assert records_expire_due(today=date(2027, 11, 20), actor=Actor.system("daily")) == 0
    assert records_expire_due(today=date(2027, 11, 21), actor=Actor.system("daily")) == 1
    assert Record.objects.get().expired_at is not None
    assert records_expire_due(today=date(2027, 11, 22), actor=Actor.system("daily")) == 0


def test_the_daily_beat_job_expires_records_in_every_district(
    record: Record,
) -> None:
    from core.records.tasks import records_expire_due_everywhere_task

    Record.objects.filter(pk=record.pk).update(publicity_end=date(2026, 11, 1))

    with schema_context("public"):
        schemas = records_expire_due_everywhere_task.delay().get()

    assert schemas == ["kaizhou", "wanzhou"]
    with schema_context("wanzhou"):
        assert Record.objects.get().expired_at is not None


@on_calendar_days
def test_a_record_is_public_through_its_last_day_and_expires_the_next_morning(
    today: date,
    district: Department,  # noqa: F811
    clock: Clock,
) -> None:
    from core.records.tasks import records_expire_due_everywhere_task

    upload(district, as_csv([penalty(1, **decided(days_ago=0))]))
    record = Record.objects.get()
    end = one_year_after(today)  # an ordinary penalty is published for a year (29 Feb → 28 Feb)
    assert (record.publicity_start, record.repair_from, record.publicity_end) == (
        today, add_months(today, 3), end)  # fmt: skip
    assert record.supplied_on == today

    # The daily job runs at half past midnight Beijing time: 16:30 UTC the day before.
    for day, expired in ((end, False), (end + timedelta(days=1), True)):
        clock.move_to(datetime.combine(day, time(0, 30), tzinfo=BEIJING))
        with schema_context("public"):
            records_expire_due_everywhere_task.delay().get()
        with schema_context("wanzhou"):
            assert (Record.objects.get().expired_at is not None) is expired
            assert Record.objects.publishable(timezone.localdate()).exists() is not expired
