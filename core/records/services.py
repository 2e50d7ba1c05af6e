"""Writes for records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from core.audit.models import AuditEntry
from core.audit.services import audit_record
from core.catalog.models import CatalogItem
from core.collection.validation import RecordDraft
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.records.models import Record, RecordRevision
from core.subjects.services import SubjectClaim, subjects_resolve


class Outcome(StrEnum):
    STORED = "stored"
    UPDATED = "updated"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Provenance:
    actor: Actor
    department_id: int
    batch_id: int | None = None
    file_sha256: str = ""


@dataclass(frozen=True)
class StoreResult:
    outcome: Outcome
    record_id: int


COPIED = (
    "catalog_item_id", "subject_id", "department_id", "authority_name", "decision_date", "title",
    "severity", "sector", "fine_wan", "fields", "content_hash", "regime_code", "published_by_rule",
    "publicity_start", "repair_from", "publicity_end", "supplied_on", "supply_deadline", "timely",
)  # fmt: skip


def records_store(
    *, drafts: Sequence[tuple[int | None, RecordDraft]], provenance: Provenance
) -> list[StoreResult]:
    """Store validated drafts (with their source row numbers) in one transaction: new business keys
    are inserted, changed ones updated (the previous fields kept as a revision), identical ones
    reported as duplicates. Every insert and update is audited."""
    if not drafts:
        return []
    with transaction.atomic():
        items = dict(CatalogItem.objects.values_list("code", "id"))
        claims = [_claim(d) for _, d in drafts]
        subjects = subjects_resolve(claims)
        subject_ids = [subjects[c.key] for c in claims]
        existing = {
            (r.kind, r.doc_number, r.authority_code): r
            for r in Record.objects.filter(doc_number__in={d.doc_number for _, d in drafts}).only(
                "id", "kind", "doc_number", "authority_code", "content_hash", "fields"
            )
        }
        now = timezone.now()
        new: list[tuple[int, Record]] = []
        changed: list[Record] = []
        revisions: list[RecordRevision] = []
        results: list[StoreResult | None] = [None] * len(drafts)
        for index, (row, draft) in enumerate(drafts):
            if draft.catalog_item_code not in items:
                raise ValidationFailed(
                    f"目录中没有信息项{draft.catalog_item_code}", code="NO_CATALOG_ITEM"
                )
            values = {
                "catalog_item_id": items[draft.catalog_item_code],
                "subject_id": subject_ids[index],
                "department_id": provenance.department_id,
                "content_hash": draft.content_hash,
                **{
                    f: getattr(draft, f)
                    for f in COPIED
                    if f not in ("catalog_item_id", "subject_id", "department_id", "content_hash")
                },
            }
            current = existing.get(draft.business_key)
            if current is None:
                record = Record(
                    kind=draft.kind,
                    doc_number=draft.doc_number,
                    authority_code=draft.authority_code,
                    batch_id=provenance.batch_id,
                    source_row=row,
                    file_sha256=provenance.file_sha256,
                    created_by=provenance.actor.label,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
                new.append((index, record))
                existing[draft.business_key] = record
            elif current.content_hash == draft.content_hash:
                results[index] = StoreResult(Outcome.DUPLICATE, current.pk)
            else:
                revisions.append(
                    RecordRevision(
                        record_id=current.pk,
                        fields=current.fields,
                        content_hash=current.content_hash,
                        replaced_at=now,
                        replaced_by=provenance.actor.label,
                        batch_id=provenance.batch_id,
                    )
                )
                for name, value in values.items():
                    setattr(current, name, value)
                current.batch_id, current.source_row, current.updated_at = (
                    provenance.batch_id,
                    row,
                    now,
                )
                current.file_sha256 = provenance.file_sha256
                changed.append(current)
                results[index] = StoreResult(Outcome.UPDATED, current.pk)
        Record.objects.bulk_create([r for _, r in new])
        for index, record in new:
            results[index] = StoreResult(Outcome.STORED, record.pk)
        Record.objects.bulk_update(
            changed, [*COPIED, "batch_id", "source_row", "updated_at", "file_sha256"]
        )
        RecordRevision.objects.bulk_create(revisions)
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    occurred_at=now,
                    actor_kind=provenance.actor.kind.value,
                    actor_label=provenance.actor.label,
                    actor_user_id=provenance.actor.user_id,
                    action=f"record.{'store' if result.outcome == Outcome.STORED else 'update'}",
                    record_id=result.record_id,
                    subject_id=subject_ids[i],
                    details={"batch": provenance.batch_id, "row": drafts[i][0]},
                )
                for i, result in enumerate(results)
                if result is not None and result.outcome != Outcome.DUPLICATE
            ]
        )
    return [r for r in results if r is not None]


def _claim(draft: RecordDraft) -> SubjectClaim:
    return SubjectClaim(
        kind=draft.subject_kind,
        name=draft.subject_name,
        uscc=draft.uscc,
        id_number=draft.id_number,
        aliases=draft.aliases,
        seen_on=draft.decision_date,
    )


@transaction.atomic
def record_withdraw(*, record: Record, actor: Actor, reason: str, revoked_on: date) -> Record:
    """Withdraw a published penalty that was changed or revoked (行政处罚法 Art. 48): publication
    ends at once, the reason is kept, and whether it happened within 3 days is on the record."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("撤回必须说明原因", field="reason")
    if record.withdrawn_at is not None:
        raise ValidationFailed("该记录已撤回", code="ALREADY_WITHDRAWN")
    now = timezone.now()
    if revoked_on > timezone.localdate(now):
        raise ValidationFailed("撤销或变更决定日期不能晚于今天", field="revoked_on")
    record.withdrawn_at, record.withdrawal_reason, record.revoked_on = now, reason, revoked_on
    record.save(update_fields=["withdrawn_at", "withdrawal_reason", "revoked_on"])
    late_days = (timezone.localdate(now) - revoked_on).days
    audit_record(
        actor=actor,
        action="record.withdraw",
        record_id=record.pk,
        subject_id=record.subject_id,
        details={
            "reason": reason,
            "revoked_on": revoked_on.isoformat(),
            "within_3_days": late_days <= 3,
        },
    )
    return record


def records_expire_due(*, today: date, actor: Actor) -> int:
    """Mark records whose publicity ended before `today` (their state is already 'expired' by date;
    the mark lets later work, such as rescoring, find what changed). Returns how many."""
    due = Record.objects.filter(publicity_end__lt=today, expired_at__isnull=True)
    with transaction.atomic():
        ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True))
        Record.objects.filter(id__in=ids).update(expired_at=timezone.now())
        if ids:
            audit_record(
                actor=actor,
                action="record.expire",
                details={"count": len(ids), "on": today.isoformat()},
            )
    return len(ids)
