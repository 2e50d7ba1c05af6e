"""Reads for records. Every list annotates the derived state (core/records/state.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from core.common.errors import NotFound
from core.common.identifiers import normalise
from core.records.models import Record
from core.records.public import public_records
from core.records.state import state_case
from core.subjects.models import Subject
from core.subjects.protection import lookup_hashes


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


@dataclass(frozen=True)
class RecordRow:
    id: int
    kind: str
    doc_number: str
    decision_date: date
    title: str
    authority_name: str
    state: str
    publicity_start: date
    publicity_end: date
    repair_from: date
    fine_wan: Decimal | None


@dataclass(frozen=True)
class SubjectWithRecords:
    id: int
    kind: str
    name: str
    code: str  # 统一社会信用代码, or the masked ID number of a person
    records: list[RecordRow]


RECORD_COLUMNS = (
    "id", "kind", "doc_number", "decision_date", "title", "authority_name", "state",
    "publicity_start", "publicity_end", "repair_from", "fine_wan",
)  # fmt: skip


def subject_with_records(*, code: str, today: date, staff: bool) -> SubjectWithRecords | None:
    """A subject by 统一社会信用代码 (staff: also by ID number) with its records, newest first.
    The public sees organisations only, and only their publishable records. Two queries, plain rows."""
    key = normalise(code)
    subjects = Subject.objects.filter(uscc=key)
    if staff:
        subjects = Subject.objects.filter(uscc=key) | Subject.objects.filter(
            id_hash__in=lookup_hashes(key)
        )
    else:
        subjects = subjects.exclude(kind="natural")
    found = subjects.values_list("id", "kind", "name", "uscc", "id_masked").first()
    if found is None:
        return None
    records: QuerySet[Record] = Record.objects.filter(subject_id=found[0])
    if not staff:
        # The public sees what is published and socially public; items disclosed only on
        # authorisation or to government leave the platform through consented reports only.
        records = public_records(today).filter(subject_id=found[0])
    rows = (
        records.annotate(state=state_case(today))
        .order_by("-decision_date", "-id")
        .values_list(*RECORD_COLUMNS)
    )
    return SubjectWithRecords(
        id=found[0],
        kind=found[1],
        name=found[2],
        code=found[3] or found[4],
        records=[RecordRow(*row) for row in rows],
    )
