"""Reads of the district audit log for the district admin and the auditor."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.audit.models import AuditEntry
from core.audit.wording import CATEGORIES


def audit_entries(
    *, area: str = "", subject_ids: list[int] | None = None, on_or_after: date | None = None,
    before: date | None = None,
) -> QuerySet[AuditEntry]:  # fmt: skip
    """Newest first; every filter optional (indexed: occurred_at, action, subject_id). `area` is a
    category of core.audit.wording.CATEGORIES; `subject_ids` the subjects' (an empty list: none)."""
    entries = AuditEntry.objects.all()
    if area in CATEGORIES:
        prefixes = Q()
        for prefix in CATEGORIES[area][1]:
            prefixes |= Q(action__startswith=prefix)
        entries = entries.filter(prefixes)
    if subject_ids is not None:
        entries = entries.filter(subject_id__in=subject_ids)
    zone = timezone.get_current_timezone()
    if on_or_after is not None:
        entries = entries.filter(occurred_at__gte=datetime.combine(on_or_after, time.min, zone))
    if before is not None:
        entries = entries.filter(
            occurred_at__lt=datetime.combine(before + timedelta(days=1), time.min, zone)
        )
    return entries.order_by("-occurred_at", "-id")
