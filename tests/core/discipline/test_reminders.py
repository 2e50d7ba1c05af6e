"""The morning reminder (issue 23): each department's assigned staff get one e-mail listing its
checks whose feedback is due within a working day or overdue; beat runs it in every active
district."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import StaffAssignment
from core.discipline.enums import FeedbackOutcome
from core.discipline.models import Check, CheckRow
from core.discipline.services import check_run, feedback_record
from core.discipline.tasks import feedback_reminders_everywhere_task
from tests.conftest import make_staff
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    CLERK,
    RED,
    Setting,
    subsidy,  # noqa: F401  (fixture)
)
from tests.support.clock import Clock

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PLATFORM = "信用万州"  # the district theme's platform name


def _staff(setting: Setting) -> None:
    """Two finance staff (one no longer active), one market clerk, one unassigned reviewer."""
    for email, role, department, active in (
        ("finance-b@wanzhou.test", StaffRole.DATA_CLERK, setting.finance, True),
        ("finance-a@wanzhou.test", StaffRole.DATA_CLERK, setting.finance, True),
        ("left@wanzhou.test", StaffRole.DATA_CLERK, setting.finance, False),
        ("market@wanzhou.test", StaffRole.DATA_CLERK, setting.market, True),
        ("reviewer@wanzhou.test", StaffRole.REVIEWER, None, True),
    ):
        user = make_staff("wanzhou", email, role)
        with schema_context("wanzhou"):
            if not active:
                user.is_active = False
                user.save(update_fields=["is_active"])
            if department is not None:
                StaffAssignment.objects.create(user=user, department=department)


def _run() -> list[str]:
    with schema_context("public"):
        schemas: list[str] = feedback_reminders_everywhere_task.delay().get()
    return schemas


def test_staff_hear_of_feedback_due_tomorrow_and_overdue(subsidy: Setting, clock: Clock) -> None:  # noqa: F811
    _staff(subsidy)
    with schema_context("wanzhou"):
        first = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[BLACK, RED, CLEAN])  # fmt: skip  # due Friday 4 December
        check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                  entries=[CLEAN])  # fmt: skip  # nothing found: nothing to feed back

    clock.move_to(date(2026, 12, 2))  # Wednesday: due in two working days, not yet
    assert "wanzhou" in _run()
    assert mail.outbox == []

    clock.move_to(date(2026, 12, 1))
    with schema_context("wanzhou"):
        second = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                           entries=[RED])  # fmt: skip  # due Tuesday 8 December
        assert second.feedback_due == date(2026, 12, 8)
        row = CheckRow.objects.get(credit_check=first, position=2)
        feedback_record(actor=CLERK, department=subsidy.finance, row=row, applied=True,
                        outcome=FeedbackOutcome.PRIORITY)  # fmt: skip

    clock.move_to(date(2026, 12, 7))  # Monday: the first overdue, the second due tomorrow
    _run()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sorted(sent.to) == ["finance-a@wanzhou.test", "finance-b@wanzhou.test"]
    assert sent.subject == f"【{PLATFORM}】重庆市万州区财政局有2次信用核查待反馈（1次已逾期）"
    lines = [line for line in sent.body.splitlines() if line[:2] in ("1.", "2.")]
    assert lines == [
        f"1. 核查编号：{first.number}；事项：中小企业发展专项资金补助；核查时间：2026-11-27 10:00；"
        "待反馈主体：1个；反馈截止日：2026-12-04（已逾期）",
        f"2. 核查编号：{second.number}；事项：中小企业发展专项资金补助；核查时间：2026-12-01 "
        f"{second.checked_at.astimezone(SHANGHAI):%H:%M}；待反馈主体：1个；反馈截止日：2026-12-08（下一个工作日到期）",
    ]
    with schema_context("wanzhou"):
        assert Check.objects.count() == 3
