"""Celery tasks for 联合奖惩: the morning reminder of feedback due (thin wrappers around the send
below, which reads core.discipline.selectors)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tenants.utils import schema_context

from core.catalog.models import Department, StaffAssignment
from core.common.workdays import add_working_days
from core.content.selectors import theme_get_current
from core.discipline.models import Check
from core.discipline.selectors import feedback_awaiting


def _state(due: date, today: date) -> str:
    if due < today:
        return "已逾期"
    return "今日到期" if due == today else "下一个工作日到期"


def feedback_reminders_send(*, today: date) -> int:
    """E-mail each department's assigned staff the list of its checks whose feedback is due within
    one working day or overdue (checks that found something not yet fed back for every subject).
    Returns the number of e-mails sent."""
    horizon = add_working_days(today, 1)
    pending: dict[int, Check] = {}
    waiting: dict[int, int] = defaultdict(int)
    for item in feedback_awaiting():
        if item.due is None or item.due > horizon:
            continue
        pending[item.row.credit_check_id] = item.row.credit_check
        waiting[item.row.credit_check_id] += 1
    by_department: dict[int, list[Check]] = defaultdict(list)
    for check in pending.values():
        by_department[check.department_id].append(check)
    theme = theme_get_current()
    platform = theme.platform_name if theme else "公共信用信息平台"
    sent = 0
    for department_id, checks in sorted(by_department.items()):
        recipients = sorted(
            StaffAssignment.objects.filter(department_id=department_id, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if not recipients:
            continue
        department = Department.objects.get(pk=department_id)
        checks.sort(key=lambda c: (c.feedback_due or today, c.number))
        lines = [
            f"{n}. 核查编号：{c.number}；事项：{c.matter.name}；"
            f"核查时间：{timezone.localtime(c.checked_at):%Y-%m-%d %H:%M}；"
            f"待反馈主体：{waiting[c.pk]}个；反馈截止日：{c.feedback_due:%Y-%m-%d}"
            f"（{_state(c.feedback_due or today, today)}）"
            for n, c in enumerate(checks, start=1)
        ]
        overdue = sum(1 for c in checks if c.feedback_due and c.feedback_due < today)
        send_mail(
            subject=f"【{platform}】{department.name}有{len(checks)}次信用核查待反馈"
            + (f"（{overdue}次已逾期）" if overdue else ""),
            message=(
                f"{department.name}：\n\n"
                "以下信用核查发现了失信或守信信息，反馈截止日在下一个工作日之前或已逾期。"
                "请登录管理后台“联合奖惩”，逐一反馈是否采取措施及办理结果：\n\n"
                + "\n".join(lines)
                + f"\n\n截止日后反馈的，将记为逾期反馈。\n\n{platform}"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
        sent += 1
    return sent


@shared_task(name="discipline.feedback_reminders_task")
def feedback_reminders_task() -> int:
    """In one district's schema: the morning reminders of feedback due."""
    return feedback_reminders_send(today=timezone.localdate())


@shared_task(name="discipline.feedback_reminders_everywhere_task")
def feedback_reminders_everywhere_task() -> list[str]:
    """From beat, in public: queue the reminders in every active district's own schema."""
    from tenants.enums import DistrictStatus
    from tenants.selectors import district_list

    schemas = sorted(d.schema_name for d in district_list(status=DistrictStatus.ACTIVE))
    for schema in schemas:
        with schema_context(schema):
            feedback_reminders_task.delay()
    return schemas
