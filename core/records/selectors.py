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


def public_subject(key: str) -> QuerySet[Subject]:
    """The public's subject by a normalised 统一社会信用代码: organisations only."""
    return Subject.objects.filter(uscc=key).exclude(kind="natural")


def public_subject_records(today: date, *, items_in_sql: bool = False) -> QuerySet[Record]:
    """What the public sees of a subject's records, with their state on `today`: what is published
    and socially public; items disclosed only on authorisation or to government leave the platform
    through consented reports only."""
    return public_records(today, items_in_sql=items_in_sql).annotate(state=state_case(today))


def subject_with_records(*, code: str, today: date, staff: bool) -> SubjectWithRecords | None:
    """A subject by 统一社会信用代码 (staff: also by ID number) with its records, newest first.
    The public sees organisations only, and only their publishable records. Two queries, plain rows.
    The public's answer is also built in SQL by graphql_api/records/compiled.py, from the same
    two querysets."""
    key = normalise(code)
    subjects = public_subject(key)
    if staff:
        subjects = Subject.objects.filter(uscc=key) | Subject.objects.filter(
            id_hash__in=lookup_hashes(key)
        )
    found = subjects.values_list("id", "kind", "name", "uscc", "id_masked").first()
    if found is None:
        return None
    records = (
        Record.objects.annotate(state=state_case(today)) if staff else public_subject_records(today)
    )
    rows = (
        records.filter(subject_id=found[0])
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
