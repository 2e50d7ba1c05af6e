"""Reads for objections and repair: the queues staff work from, and a record's history of both."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from core.common.identifiers import normalise
from core.records.doc_numbers import doc_number_key
from core.records.models import Record
from core.records.public import public_records
from core.remedies.enums import ObjectionStatus, RepairStatus
from core.remedies.models import Objection, RepairApplication
from core.subjects.protection import lookup_hashes


def objections_open(*, today: date, overdue_only: bool = False) -> QuerySet[Objection]:
    """Open objections, earliest deadline first; `overdue_only`: past their 20 days."""
    rows = Objection.objects.select_related("record", "subject").filter(status=ObjectionStatus.OPEN)
    if overdue_only:
        rows = rows.filter(due_on__lt=today)
    return rows.order_by("due_on", "id")


def objections_answered(limit: int = 50) -> list[Objection]:
    return list(
        Objection.objects.select_related("record", "subject")
        .exclude(status=ObjectionStatus.OPEN)
        .order_by("-answered_at")[:limit]
    )


def repairs_pending() -> QuerySet[RepairApplication]:
    return (
        RepairApplication.objects.select_related("record", "subject")
        .filter(status=RepairStatus.SUBMITTED)
        .order_by("submitted_at", "id")
    )


def repairs_decided(limit: int = 50) -> list[RepairApplication]:
    return list(
        RepairApplication.objects.select_related("record", "subject")
        .exclude(status=RepairStatus.SUBMITTED)
        .order_by("-decided_at")[:limit]
    )


def remedies_for_record(record_id: int) -> tuple[list[Objection], list[RepairApplication]]:
    return (
        list(Objection.objects.filter(record_id=record_id).order_by("-received_at")),
        list(RepairApplication.objects.filter(record_id=record_id).order_by("-submitted_at")),
    )


def record_find_public(*, code: str, doc_number: str, today: date) -> Record | None:
    """A record the public names by its subject's 统一社会信用代码 and its document number, if the
    portal shows it today (organisations' socially public records only: a person's records, or
    restricted ones, cannot be probed from the portal; people come to the window)."""
    number, key = normalise(code), doc_number_key(doc_number)
    if not number or not key:
        return None
    rows = public_records(today).select_related("subject").filter(subject__uscc=number)
    # The subject's few public records are compared in Python: one normalising function for both
    # sides, whatever brackets and spaces the stored number and the typed one carry.
    return next(
        (r for r in rows.order_by("id").iterator() if doc_number_key(r.doc_number) == key), None
    )


def _applicant_is(code: str) -> Q:
    """The receipt's subject: an organisation by 统一社会信用代码, a person by ID number."""
    number = normalise(code)
    return Q(subject__uscc=number) | Q(subject__id_hash__in=lookup_hashes(number))


def objection_by_receipt(*, number: str, code: str) -> Objection | None:
    """An objection by its receipt number, if `code` is its subject's code or ID number (None
    otherwise, the same as for a number that does not exist)."""
    if not normalise(code):
        return None
    return Objection.objects.filter(_applicant_is(code), number=number.strip().upper()).first()


def repair_by_receipt(*, number: str, code: str) -> RepairApplication | None:
    """A repair application by receipt number and its subject's code or ID number, as above."""
    if not normalise(code):
        return None
    return RepairApplication.objects.filter(
        _applicant_is(code), number=number.strip().upper()
    ).first()
