"""Writes for records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.db import connection, transaction
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.permissions import require_role
from core.audit.services import audit_record
from core.catalog.models import CatalogItem
from core.collection.validation import RecordDraft
from core.common.actors import Actor
from core.common.copy import copy_rows
from core.common.errors import ValidationFailed
from core.common.tenancy import current_schema
from core.common.versioning import data_changed
from core.records.models import Record
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
    # For a duplicate of a row stored earlier from the same batch: that row's number.
    duplicate_of_row: int | None = None


RECORD_COLUMNS = (
    "pos", "kind", "catalog_item_id", "subject_id", "department_id", "doc_number", "authority_name",
    "authority_code", "decision_date", "title", "severity", "sector", "fine_wan", "fields",
    "content_hash", "regime_code", "published_by_rule", "publicity_start", "repair_from",
    "publicity_end", "supplied_on", "supply_deadline", "timely", "source_row",
)  # fmt: skip
TMP_RECORD = """CREATE TEMP TABLE tmp_record (
    pos integer, kind text, catalog_item_id bigint, subject_id bigint, department_id bigint,
    doc_number text, authority_name text, authority_code text, decision_date date, title text,
    severity text, sector text, fine_wan numeric, fields jsonb, content_hash text, regime_code text,
    published_by_rule boolean, publicity_start date, repair_from date, publicity_end date,
    supplied_on date, supply_deadline date, timely boolean, source_row integer) ON COMMIT DROP"""
# Columns a correction replaces (the business key and the creation provenance stay).
UPDATED = (
    "catalog_item_id", "subject_id", "department_id", "authority_name", "decision_date", "title",
    "severity", "sector", "fine_wan", "fields", "content_hash", "regime_code", "published_by_rule",
    "publicity_start", "repair_from", "publicity_end", "supplied_on", "supply_deadline", "timely",
    "source_row",
)  # fmt: skip
SAME_KEY = "r.kind = t.kind AND r.doc_number = t.doc_number AND r.authority_code = t.authority_code"


def records_store(
    *, drafts: Sequence[tuple[int | None, RecordDraft]], provenance: Provenance
) -> list[StoreResult]:
    """Store validated drafts (with their source row numbers) in one transaction: new business keys
    are inserted, changed ones updated (the previous fields kept as a revision), identical ones
    reported as duplicates. Every insert and update is audited. Set-based (COPY and a few
    statements), so a chunk of thousands costs about what one record does with the ORM."""
    if not drafts:
        return []
    first_of: dict[tuple[str, str, str], int] = {}
    for index, (_, draft) in enumerate(drafts):
        first_of.setdefault(draft.business_key, index)
    unique = sorted(set(first_of.values()))
    with transaction.atomic():
        items = dict(CatalogItem.objects.values_list("code", "id"))
        missing = {d.catalog_item_code for _, d in drafts} - set(items)
        if missing:
            raise ValidationFailed(
                f"目录中没有信息项{'、'.join(sorted(missing))}", code="NO_CATALOG_ITEM"
            )
        claims = [_claim(drafts[i][1]) for i in unique]
        subjects = subjects_resolve(claims)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(TMP_RECORD)
            copy_rows(
                cursor,
                "tmp_record",
                RECORD_COLUMNS,
                (
                    _record_row(i, drafts[i], items, subjects[claim.key], provenance)
                    for i, claim in zip(unique, claims, strict=True)
                ),
            )
            # Statistics for the planner: a small table joined by index, not a scan of every record.
            cursor.execute("ANALYZE tmp_record")
            cursor.execute(
                "SELECT t.pos, r.id, r.content_hash = t.content_hash, "  # noqa: S608
                "CASE WHEN r.batch_id = %s AND r.source_row IS DISTINCT FROM t.source_row THEN r.source_row END "
                f"FROM tmp_record t JOIN records_record r ON {SAME_KEY}",
                [provenance.batch_id],
            )
            known = {
                int(pos): (int(pk), bool(same), first) for pos, pk, same, first in cursor.fetchall()
            }
            # A key already stored from an earlier row of this same batch is a repeat within the
            # file: reported as a duplicate of that row, never applied as a correction.
            same_batch = (
                ""
                if provenance.batch_id is None
                else f" AND r.batch_id IS DISTINCT FROM {int(provenance.batch_id)}"
            )
            cursor.execute(
                "INSERT INTO records_recordrevision (record_id, fields, content_hash, replaced_at, replaced_by, batch_id) "  # noqa: S608
                f"SELECT r.id, r.fields, r.content_hash, %s, %s, %s FROM records_record r JOIN tmp_record t ON {SAME_KEY} "
                "WHERE r.content_hash <> t.content_hash" + same_batch,
                (now, provenance.actor.label, provenance.batch_id),
            )
            assignments = ", ".join(f"{c} = t.{c}" for c in UPDATED)
            cursor.execute(
                f"UPDATE records_record r SET {assignments}, batch_id = %s, file_sha256 = %s, updated_at = %s "  # noqa: S608
                f"FROM tmp_record t WHERE {SAME_KEY} AND r.content_hash <> t.content_hash{same_batch}",
                [provenance.batch_id, provenance.file_sha256, now],
            )
            inserted = [c for c in RECORD_COLUMNS if c != "pos"]
            cursor.execute(
                f"INSERT INTO records_record ({', '.join(inserted)}, batch_id, file_sha256, created_by, "  # noqa: S608
                "created_at, updated_at, withdrawal_reason) "
                f"SELECT {', '.join('t.' + c for c in inserted)}, %s, %s, %s, %s, %s, '' FROM tmp_record t "
                f"WHERE NOT EXISTS (SELECT 1 FROM records_record r WHERE {SAME_KEY}) "
                "RETURNING id, kind, doc_number, authority_code",
                [provenance.batch_id, provenance.file_sha256, provenance.actor.label, now, now],
            )
            new_ids = {(k, d, a): int(pk) for pk, k, d, a in cursor.fetchall()}
            cursor.execute("DROP TABLE tmp_record")
            results: list[StoreResult] = []
            audit_rows = []
            for index, (row, draft) in enumerate(drafts):
                first = first_of[draft.business_key]
                if first != index:
                    record_id = results[first].record_id
                    results.append(StoreResult(Outcome.DUPLICATE, record_id, drafts[first][0]))
                    continue
                if index in known:
                    record_id, same, first_row = known[index]
                    if first_row is not None:
                        results.append(StoreResult(Outcome.DUPLICATE, record_id, int(first_row)))
                        continue
                    outcome = Outcome.DUPLICATE if same else Outcome.UPDATED
                else:
                    record_id, outcome = new_ids[draft.business_key], Outcome.STORED
                results.append(StoreResult(outcome, record_id))
                if outcome != Outcome.DUPLICATE:
                    action = "record.store" if outcome == Outcome.STORED else "record.update"
                    audit_rows.append(
                        _audit_row(now, provenance, action, record_id, subjects, draft, row)
                    )
            if audit_rows:
                copy_rows(cursor, "audit_auditentry", AUDIT_COLUMNS, audit_rows)
                data_changed()
    return results


AUDIT_COLUMNS = (
    "occurred_at", "actor_kind", "actor_label", "actor_user_id", "action", "subject_id", "record_id", "details",
)  # fmt: skip


def _record_row(
    index: int,
    item: tuple[int | None, RecordDraft],
    items: dict[str, int],
    subject_id: int,
    provenance: Provenance,
) -> tuple[object, ...]:
    row, d = item
    return (
        index, d.kind, items[d.catalog_item_code], subject_id, provenance.department_id, d.doc_number,
        d.authority_name, d.authority_code, d.decision_date, d.title, d.severity, d.sector, d.fine_wan,
        json.dumps(d.fields, ensure_ascii=False), d.content_hash, d.regime_code, d.published_by_rule,
        d.publicity_start, d.repair_from, d.publicity_end, d.supplied_on, d.supply_deadline, d.timely, row,
    )  # fmt: skip


def _audit_row(
    now: datetime,
    provenance: Provenance,
    action: str,
    record_id: int,
    subjects: dict[tuple[str, str], int],
    draft: RecordDraft,
    row: int | None,
) -> tuple[object, ...]:
    actor = provenance.actor
    details = json.dumps({"batch": provenance.batch_id, "row": row})
    return (
        now,
        actor.kind.value,
        actor.label,
        actor.user_id,
        action,
        subjects[_claim(draft).key],
        record_id,
        details,
    )


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
def record_withdraw(*, record: Record, user: User, reason: str, revoked_on: date) -> Record:
    """Withdraw a published penalty that was changed or revoked (行政处罚法 Art. 48): publication
    ends at once, the reason is kept, and whether it happened within 3 days is on the record.
    Reviewers and district admins only."""
    require_role(user, StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN)
    actor = Actor.for_user(user, schema=current_schema())
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
    data_changed()
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
            data_changed()
            audit_record(
                actor=actor,
                action="record.expire",
                details={"count": len(ids), "on": today.isoformat()},
            )
    return len(ids)
