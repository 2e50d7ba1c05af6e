"""Reads of the district audit log for the district admin and the auditor."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from core.audit.models import AuditEntry

# Groups of actions, by their prefix, as the console filters them.
AREAS = {
    "record": "信用记录",
    "batch": "数据上传",
    "submission": "信用征集",
    "objection": "异议",
    "repair": "信用修复",
    "report": "信用报告",
    "consent": "查询授权",
    "scorecard": "评分模型",
    "exchange": "信息共享",
    "retention": "到期删除",
    "login": "登录锁定",
}


def audit_entries(
    *, area: str = "", subject_id: int | None = None, on_or_after: date | None = None,
    before: date | None = None,
) -> QuerySet[AuditEntry]:  # fmt: skip
    """Newest first; every filter optional (indexed: occurred_at, action, subject_id)."""
    entries = AuditEntry.objects.all()
    if area in AREAS:
        entries = entries.filter(action__startswith=f"{area}.")
    if subject_id is not None:
        entries = entries.filter(subject_id=subject_id)
    zone = timezone.get_current_timezone()
    if on_or_after is not None:
        entries = entries.filter(occurred_at__gte=datetime.combine(on_or_after, time.min, zone))
    if before is not None:
        entries = entries.filter(
            occurred_at__lt=datetime.combine(before + timedelta(days=1), time.min, zone)
        )
    return entries.order_by("-occurred_at", "-id")
