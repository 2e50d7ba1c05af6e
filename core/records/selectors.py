"""Reads for records. Every list annotates the derived state (core/records/state.py)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from core.common.errors import NotFound
from core.records.models import Record
from core.records.state import state_case


def record_list_for_subject(*, subject_id: int, today: date) -> QuerySet[Record]:
    return (
        Record.objects.filter(subject_id=subject_id)
        .select_related("department", "catalog_item")
        .annotate(state=state_case(today))
        .order_by("-decision_date", "-id")
    )


def record_get(*, record_id: int, today: date) -> Record:
    record = (
        Record.objects.select_related("subject", "department", "catalog_item")
        .annotate(state=state_case(today))
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound("没有这条记录", code="NOT_FOUND")
    return record
